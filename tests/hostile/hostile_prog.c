/* Hostile strings through every sink: terminal escapes, control and C1 characters, invalid
 * UTF-8, quotes and backslashes, format directives, NUL-free megabyte-ish text, a secret. */
#include <string.h>

#include <narrate/narrate.h>

int main(void)
{
    static char big[20000];
    const char *nasty[] = {
        "\x1b[2J\x1b[31mred\x1b[0m clear screen", /* ANSI escapes */
        "bell\a back\b form\f vt\v nul-free \x7f del",
        "\x9b" "31m C1 CSI, \xc2\x9b encoded C1",
        "bad utf8 \xff\xfe \xc0\xaf overlong \xed\xa0\x80 surrogate \xf4\x90\x80\x80 too high",
        "quote \" backslash \\ newline \n tab \t cr \r",
        "%s %n %x %p %999999d directives are data here",
        "{\"json\": \"injection\", \"level\": \"FATAL\"}",
        "password=hunter2 Authorization: Bearer abc.def.ghi",
    };
    size_t i;
    memset(big, 'y', sizeof big - 1);
    for (i = 0; i < sizeof nasty / sizeof nasty[0]; i++) {
        NARR_INFO("hostile", "text", nasty[i], "%s", nasty[i]);
        NARR_TRACE_TINY("hostile", "tiny", "t", "value=%s", nasty[i]);
    }
    NARR_INFO("hostile", "big", "t", "%s", big);
    NARR_TRACE_ENTER("hostile", "fn\x1b[1m", "enter %s", nasty[0]);
    NARR_TRACE_EXIT("hostile", "fn\x1b[1m", "exit %s", nasty[3]);
    return 0;
}
