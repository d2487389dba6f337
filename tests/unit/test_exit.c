/* A program that simply returns from main, with threads that never flushed, loses nothing:
 * the child below records and returns; the parent counts the JSON lines it left. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <narrate/narrate.h>

#include "check.h"

#define CHILD_EVENTS 5000

static int child(void)
{
    int i;
    for (i = 0; i < CHILD_EVENTS; i++) NARR_TRACE_TINY("exit", "tick", "t", "%d", i);
    NARR_INFO("exit", "done", "t", "returning from main without narr_flush");
    return 0;
}

int main(int argc, char **argv)
{
    char path[] = "/tmp/narr_test_exit_XXXXXX", env[128], line[512];
    int fd, status;
    long lines = 0, last_seq = -1, ordered = 1;
    pid_t pid;
    FILE *f;
    if (argc > 1 && strcmp(argv[1], "child") == 0) return child();

    fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    snprintf(env, sizeof env, "jsonl:%s", path);
    pid = fork();
    if (pid == 0) {
        setenv("NARRATE_OUTPUT", env, 1);
        execl("/proc/self/exe", argv[0], "child", (char *)NULL);
        _exit(127);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    f = fopen(path, "r");
    CHECK(f != NULL);
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        const char *h = strstr(line, "\"human\":\"");
        lines++;
        if (h != NULL && strstr(line, "\"action\":\"tick\"") != NULL) {
            long seq = strtol(h + 9, NULL, 10);
            if (seq != last_seq + 1) ordered = 0;
            last_seq = seq;
        }
    }
    if (f != NULL) fclose(f);
    CHECK_EQ_INT(lines, CHILD_EVENTS + 1);
    CHECK_EQ_INT(last_seq, CHILD_EVENTS - 1);
    CHECK_EQ_INT(ordered, 1);
    unlink(path);
    return CHECK_DONE();
}
