/* Redaction corpus: what must go, what must stay (the seed's regexes failed on monkey=, URLs
 * with ports, user@host in prose and password=p@ss!word), secrets split across format
 * arguments, policies per sink and their counts, and no copy of clean text. */
#include <narrate/capture.h>
#include <narrate/narrate.h>
#include <narrate/redact.h>

#include "check.h"

static const char *const cases[][2] = {
    /* must go */
    {"Authorization: Bearer abcDEF123456.xyz-_~+/=", "Authorization: [REDACTED]"},
    {"sent bearer eyJhbGciOiJIUzI1NiJ9AAAAAAAA to api", "sent bearer [REDACTED] to api"},
    {"password=p@ss!word next", "password=[REDACTED] next"},
    {"db_password=hunter2&user=bob", "db_password=[REDACTED]&user=bob"},
    {"api_key: sk-live-123 rest", "api_key: [REDACTED] rest"},
    {"apiKey=abc;other=1", "apiKey=[REDACTED];other=1"},
    {"{\"password\":\"hunter2\",\"user\":\"bob\"}", "{\"password\":\"[REDACTED]\",\"user\":\"bob\"}"},
    {"token='a b c' done", "token='[REDACTED]' done"},
    {"session_key=zzz private_key=yyy", "session_key=[REDACTED] private_key=[REDACTED]"},
    {"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_abc ok", "jwt [REDACTED] ok"},
    {"postgres://admin:s3cr3t@db.internal:5432/jobs", "postgres://admin:[REDACTED]@db.internal:5432/jobs"},
    {"https://u:p%40ss@host/path?q=1", "https://u:[REDACTED]@host/path?q=1"},
    {"-----BEGIN RSA PRIVATE KEY-----\nMIIE\nAAAA\n-----END RSA PRIVATE KEY-----",
     "-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----"},
    /* must stay */
    /* the forms issue 15 found missed */
    {"password = hunter2 next", "password = [REDACTED] next"},
    {"{\"password\" : \"x y\"}", "{\"password\" : \"[REDACTED]\"}"},
    {"Proxy-Authorization: Basic cHJveHk6cGFzcw==", "Proxy-Authorization: [REDACTED]"},
    {"X-Auth: Basic eGF1dGg6c2VjcmV0", "X-Auth: [REDACTED]"},
    {"https://alice:p@ssw0rd@db.example.com/x", "https://alice:[REDACTED]@db.example.com/x"},
    {"t eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9. end", "t [REDACTED] end"},
    {"DBPassword=SuperSecret1 AWSSecretKey=wJalr", "DBPassword=[REDACTED] AWSSecretKey=[REDACTED]"},
    {"APP_PROD_DB_PRIMARY_PASSWORD=x1", "APP_PROD_DB_PRIMARY_PASSWORD=[REDACTED]"},
    {"db.password=x2 passWord=x3", "db.password=[REDACTED] passWord=[REDACTED]"},
    {"bearer abc1234", "bearer [REDACTED]"},
    {"run --password hunter2 -v", "run --password [REDACTED] -v"},
    {"monkey=banana", "monkey=banana"},
    {"keyboard=qwerty tokens=64 compass=north", "keyboard=qwerty tokens=64 compass=north"},
    {"key=value", "key=value"},
    {"http://example.com:8080/health", "http://example.com:8080/health"},
    {"mail alice@example.com about it", "mail alice@example.com about it"},
    {"the bearer of bad news", "the bearer of bad news"},
    {"ratio 3:4 at 10:30", "ratio 3:4 at 10:30"},
    {"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"},
    {"job 550e8400-e29b-41d4-a716-446655440000 done", "job 550e8400-e29b-41d4-a716-446655440000 done"},
    {"", ""},
};

typedef struct pieces {
    int n;
    const char *first;
} pieces_t;

static void count_pieces(const char *piece, size_t len, void *ctx)
{
    pieces_t *p = ctx;
    (void)len;
    if (p->n++ == 0) p->first = piece;
}

int main(void)
{
    char out[512];
    size_t i;
    narr_config_t cfg = {0};
    narr_capture_t *c;
    int raw_sink, red_sink;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = narr_redact_to(cases[i][0], NARR_REDACT_DEFAULT, out, sizeof out);
        CHECK_EQ_STR(out, cases[i][1]);
        CHECK_EQ_INT(n > 0, strcmp(cases[i][0], cases[i][1]) != 0);
    }
    /* UUIDs only when asked */
    narr_redact_to("job 550e8400-e29b-41d4-a716-446655440000 done", NARR_REDACT_DEFAULT | NARR_REDACT_UUID, out, sizeof out);
    CHECK_EQ_STR(out, "job [REDACTED] done");
    /* a policy without KV leaves key=value alone */
    narr_redact_to("password=x", NARR_REDACT_BEARER, out, sizeof out);
    CHECK_EQ_STR(out, "password=x");
    /* clean text: one piece, the input itself (nothing copied) */
    {
        const char *clean = "Accepted request; queued at position 3 (ETA 420 ms) for pool default";
        pieces_t p = {0, NULL};
        CHECK_EQ_INT(narr_redact(clean, strlen(clean), NARR_REDACT_DEFAULT, count_pieces, &p), 0);
        CHECK_EQ_INT(p.n, 1);
        CHECK(p.first == clean);
    }

    /* through narration: split across arguments, in every string value, per-sink policy */
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    raw_sink = narr_sink_console_add(1, NARR_COLOR_NEVER, NARR_LEVEL_OFF); /* sees nothing but drops */
    red_sink = narr_sink_console_add(1, NARR_COLOR_NEVER, NARR_LEVEL_OFF);
    CHECK_EQ_INT(narr_sink_set_redaction(raw_sink, NARR_REDACT_NONE), 0);
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_NARRATE(NARR_LEVEL_ERROR, .actor = "auth", .action = "login", .target = "token=abc123",
                 .human = NARR_FMT("retry with password=%s%s", "p@", "ss!word"),
                 .story = NARR_FMT("the key was %s", "Bearer 0123456789abcdef"), .error_kind = "api_key=zzz",
                 .extra = NARR_EXTRA({"session_key", "plain-looking"}, {"note", "monkey=banana"}));
    CHECK_EQ_STR(narr_capture_at(c, 0)->message, "retry with password=[REDACTED]");
    CHECK_EQ_STR(narr_capture_at(c, 0)->story, "the key was Bearer [REDACTED]");
    CHECK_EQ_STR(narr_capture_at(c, 0)->target, "token=[REDACTED]");
    CHECK_EQ_STR(narr_captured_field(narr_capture_at(c, 0), "error_kind"), "api_key=[REDACTED]");
    CHECK_EQ_STR(narr_captured_field(narr_capture_at(c, 0), "session_key"), "[REDACTED]"); /* the key says so */
    CHECK_EQ_STR(narr_captured_field(narr_capture_at(c, 0), "note"), "monkey=banana");
    narr_capture_end(c);
    /* the sinks above ERROR saw nothing; lower them and count per sink */
    CHECK_EQ_INT(narr_sink_remove(raw_sink), 0);
    CHECK_EQ_INT(narr_sink_remove(red_sink), 0);
    raw_sink = narr_sink_jsonl_add("/dev/null", NARR_LEVEL_TRACE);
    red_sink = narr_sink_jsonl_add("/dev/null", NARR_LEVEL_TRACE);
    CHECK_EQ_INT(narr_sink_set_redaction(raw_sink, NARR_REDACT_NONE), 0);
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "auth", .action = "login", .human = NARR_FMT("password=%s", "x"),
                 .extra = NARR_EXTRA({"cookie", "c=1"}));
    NARR_INFO("auth", "hot", "t", "bearer %s", "0123456789abcdef");
    CHECK_EQ_INT(narr_sink_redactions(raw_sink), 0);
    CHECK_EQ_INT(narr_sink_redactions(red_sink), 3);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
