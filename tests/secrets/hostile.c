/* Hostile inputs for the secrets check (check_secrets.sh): every secret below contains the
 * marker "SECRET" followed by a number, in every place an event can carry text. None may reach
 * any output file, export or reader output. The innocent values (monkey=banana) must stay. */
#include <narrate/narrate.h>
#include <stdio.h>
#include <string.h>

/* traced by the generator: parameters named like secrets are never read; innocently named ones
 * holding secrets are redacted by content */
NARR_TRACE_FN int login(const char *user, const char *password, const char *note, const char *passWord, const char *access_key);
int login(const char *user, const char *password, const char *note, const char *passWord, const char *access_key)
{
    return (int)(strlen(user) + strlen(password) + strlen(note) + strlen(passWord) + strlen(access_key));
}

NARR_TRACE_FN const char *echo(const char *text);
const char *echo(const char *text)
{
    return text;
}

int main(int argc, char **argv)
{
    /* values that are not literals, as a program's data is */
    const char *pw = argc > 99 ? argv[1] : "SECRET01pw";
    const char *key = argc > 99 ? argv[2] : "password";
    const char *tok = argc > 99 ? argv[3] : "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUNSRVQwMiJ9.SECRET02sig";
    const char *evil_actor = argc > 99 ? argv[4] : "evil actor";
    char url[128], jwt_none[96];
    snprintf(url, sizeof url, "https://alice:SECRET03p@ss@db.example.com/x");
    snprintf(jwt_none, sizeof jwt_none, "eyJhbGciOiJub25lIn0.eyJTRUNSRVQwNCI6MX0.");
    NARR_INFO("sec", "kv", "x", "password=%s", pw);
    NARR_INFO("sec", "kv_spaces", "x", "password = %s", "SECRET05spaces");
    NARR_INFO("sec", "json", "x", "{\"password\" : \"%s\"}", "SECRET06json");
    NARR_INFO("sec", "dynkey", "x", "%s=%s", key, "SECRET07dyn");
    NARR_INFO("sec", "proxy", "x", "Proxy-Authorization: Basic %s", "SECRET08basic");
    NARR_INFO("sec", "url", "x", "connecting to %s", url);
    NARR_INFO("sec", "jwt", "x", "token %s", tok);
    NARR_INFO("sec", "jwt_none", "x", "unsigned %s", jwt_none);
    NARR_INFO("sec", "camel", "x", "DBPassword=%s AWSSecretKey=%s", "SECRET09db", "SECRET10aws");
    NARR_INFO("sec", "bearer", "x", "Authorization: Bearer %s", "SECRET11bearer");
    NARR_INFO("sec", "flag", "x", "ran with --password %s", "SECRET12flag");
    NARR_INFO("sec", "innocent", "x", "monkey=%s keyboard=%s", "banana", "qwerty");
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "sec", .action = "fields", .target = "Bearer SECRET13target",
                 .correlation_id = "token=SECRET14corr", .human = NARR_FMT("%s=%s", "password", "SECRET15human"),
                 .cute = NARR_FMT("psst, api_key: %s", "SECRET16cute"),
                 .extra = NARR_EXTRA({"password", "SECRET17extra"}, {"note", "secret=SECRET18note"},
                                     {"PASSWORD", "SECRET19upper"}, {"db.password", "SECRET20dotted"},
                                     {"user password", "SECRET21spaced"}, {"DBPassword", "SECRET22camel"},
                                     {"monkey", "banana"}));
    /* forged separators and control characters: each event stays one line with its own fields */
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = evil_actor, .action = "act\" level=\"FATAL", .target = "t",
                 .human = NARR_FMT("x\" forged=\"1\nINFO fake line"),
                 .extra = NARR_EXTRA({"user=\"root\" admin", "v"}, {"k\x1b]0;pwned\x07", "v2"}));
    login("bob", "SECRET23param", "password=SECRET24note", "SECRET25camelparam", "SECRET26accesskey");
    echo("token: SECRET27result");
    return 0;
}
