/* JSON lines stay valid JSON for hostile input: NUL, control characters, ESC, invalid UTF-8,
 * quotes and backslashes, and a 1 MB string; drop reports appear as JSON too. */
#include <stdlib.h>
#include <unistd.h>

#include <narrate/narrate.h>

#include "check.h"
#include "json_check.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int check_lines(const char *buf, size_t len, size_t *nlines)
{
    const char *p = buf, *end = buf + len;
    int ok = 1;
    *nlines = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (!json_valid(p, n)) {
            fprintf(stderr, "invalid JSON line %zu: %.200s\n", *nlines + 1, p);
            ok = 0;
        }
        (*nlines)++;
        p += n + 1;
    }
    return ok;
}

int main(void)
{
    char path[] = "/tmp/narr_test_jsonl_XXXXXX";
    int fd = mkstemp(path);
    narr_config_t cfg = {0};
    char *mb = malloc(1 << 20), *buf;
    size_t len = 0, nlines = 0, i;
    narr_event_t ev;

    CHECK(fd >= 0);
    close(fd);
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    CHECK(narr_sink_jsonl_add(path, NARR_LEVEL_TRACE) > 0);

    memset(mb, 'A', (1 << 20) - 1);
    mb[(1 << 20) - 1] = '\0';
    NARR_TRACE_TINY("hostile", "nul", "t", "a%cb", 0);
    NARR_TRACE_TINY("hostile", "ctl", "\x01\x1f\x7f", "ctl \x01\x02\x1f\x7f end");
    NARR_TRACE_TINY("hostile", "esc", "\x1b[31mred", "esc \x1b]0;title\x07 \x1b[2J");
    NARR_TRACE_TINY("hostile", "utf8", "\xff\xfe", "bad \xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80 %s", "\xe2\x82");
    NARR_TRACE_TINY("hostile", "good", "h\xc3\xa9llo", "ok h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80");
    NARR_TRACE_TINY("hostile", "quote", "\"q\"", "say \"%s\" \\ %s", "\\\"", "\"");
    NARR_TRACE_TINY("hostile", "big", "t", "%s", mb);
    NARR_INFO("hostile\x1b", "act\"ion", "t", "actor and action are escaped too, C1 too: \xc2\x9b" "31m");
    CHECK_EQ_INT(narr_flush(), 0);

    buf = slurp(path, &len);
    CHECK(buf != NULL);
    CHECK(check_lines(buf, len, &nlines));
    CHECK_EQ_INT(nlines, 8);
    CHECK_CONTAINS(buf, "\"human\":\"a\\u0000b\"");
    CHECK_CONTAINS(buf, "ctl \\u0001\\u0002\\u001f\\u007f end");
    CHECK_CONTAINS(buf, "esc \\u001b]0;title\\u0007 \\u001b[2J");
    CHECK_CONTAINS(buf, "bad \xef\xbf\xbd( \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    CHECK_CONTAINS(buf, "ok h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80");
    CHECK_CONTAINS(buf, "say \\\"\\\\\\\"\\\" \\\\ \\\"");
    CHECK_CONTAINS(buf, "AAAA...[truncated]");
    CHECK_CONTAINS(buf, "C1 too: \\u009b31m");
    CHECK_CONTAINS(buf, "\"actor\":\"hostile\\u001b\",\"action\":\"act\\\"ion\"");
    CHECK(strchr(buf, '\x1b') == NULL);
    free(buf);

    /* the JSON formatter itself, on a 1 MB message holding every byte value */
    memset(&ev, 0, sizeof ev);
    ev.level = NARR_LEVEL_INFO;
    ev.actor = "a";
    ev.action = "b";
    for (i = 0; i < (1u << 20); i++) mb[i] = (char)(i * 7 + 3);
    ev.message = mb;
    ev.message_len = 1u << 20;
    {
        size_t need = narr_format_json(&ev, NULL, 0);
        char *out = malloc(need + 1);
        CHECK_EQ_INT(narr_format_json(&ev, out, need + 1), need);
        CHECK(json_valid(out, need));
        CHECK(need > (1u << 20));
        free(out);
    }
    CHECK_EQ_INT(narr_shutdown(), 0);
    unlink(path);
    free(mb);
    return CHECK_DONE();
}
