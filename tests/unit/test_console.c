/* The console line: SPEC layout, escaping of control characters and escape sequences, colour
 * only on a terminal and never with NO_COLOR. */
#include <pty.h>
#include <stdlib.h>
#include <unistd.h>

#include <narrate/narrate.h>

#include "check.h"

static int has_control(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++) {
        if (*p == '\n' && p[1] == '\0') break; /* the line's own end */
        if (*p < 0x20 || *p == 0x7f) return 1;
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) return 1; /* C1 controls, e.g. CSI */
    }
    return 0;
}

static size_t read_some(int fd, char *buf, size_t cap)
{
    ssize_t n = read(fd, buf, cap - 1);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_event_t ev;
    narr_kv_t kv = {"from", "5", 1, 0};
    char line[512];
    int pipefd[2], master, slave, id;

    memset(&ev, 0, sizeof ev);
    ev.level = NARR_LEVEL_TRACE;
    ev.actor = "orchestratord";
    ev.action = "dispatch_job";
    ev.target = "job-123";
    ev.message = "dispatch_job started";
    ev.message_len = strlen(ev.message);
    narr_format_console(&ev, 0, line, sizeof line);
    CHECK_EQ_STR(line, "TRACE orchestratord dispatch_job target=\"job-123\" \"dispatch_job started\"\n");

    ev.target = "a\x1b[2Jb\nc\"d\\";
    ev.correlation_id = "\xc2\x9b" "31m";
    ev.nkv = 1;
    ev.kv = &kv;
    ev.message = "m\x1b]0;pwned\x07\0tail";
    ev.message_len = 16;
    narr_format_console(&ev, 0, line, sizeof line);
    CHECK_EQ_STR(line, "TRACE orchestratord dispatch_job target=\"a\\x1b[2Jb\\nc\\\"d\\\\\" "
                       "correlation_id=\"\\x9b31m\" from=\"5\" \"m\\x1b]0;pwned\\x07\\x00tail\"\n");
    CHECK(!has_control(line));

    narr_format_console(&ev, 1, line, sizeof line);
    CHECK(strncmp(line, "\x1b[2mTRACE\x1b[0m ", 14) == 0);
    CHECK(strchr(line + 14, '\x1b') == NULL); /* colour codes only around the level */

    /* through the sink: a pipe is not a terminal, so no colour */
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    CHECK_EQ_INT(pipe(pipefd), 0);
    id = narr_sink_console_add(pipefd[1], NARR_COLOR_AUTO, NARR_LEVEL_INFO);
    CHECK(id > 0);
    NARR_TRACE_TINY("c", "below", "t", "not shown: sink is INFO");
    NARR_WARN("c", "warned", "t", "disk %d%% full", 91);
    CHECK_EQ_INT(narr_flush(), 0);
    read_some(pipefd[0], line, sizeof line);
    CHECK_EQ_STR(line, "WARN c warned target=\"t\" \"disk 91% full\"\n");
    CHECK_EQ_INT(narr_sink_remove(id), 0);

    /* a terminal gets colour unless NO_COLOR is set */
    CHECK_EQ_INT(openpty(&master, &slave, NULL, NULL, NULL), 0);
    unsetenv("NO_COLOR");
    id = narr_sink_console_add(slave, NARR_COLOR_AUTO, NARR_LEVEL_TRACE);
    NARR_INFO("c", "tty", "t", "coloured");
    CHECK_EQ_INT(narr_flush(), 0);
    read_some(master, line, sizeof line);
    CHECK(strstr(line, "\x1b[32mINFO\x1b[0m c tty") != NULL);
    CHECK_EQ_INT(narr_sink_remove(id), 0);
    setenv("NO_COLOR", "1", 1);
    id = narr_sink_console_add(slave, NARR_COLOR_AUTO, NARR_LEVEL_TRACE);
    NARR_INFO("c", "tty", "t", "plain");
    CHECK_EQ_INT(narr_flush(), 0);
    read_some(master, line, sizeof line);
    CHECK(strncmp(line, "INFO c tty", 10) == 0);
    CHECK_EQ_INT(narr_sink_remove(id), 0);

    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
