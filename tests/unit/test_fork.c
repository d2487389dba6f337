/* fork(): the child starts clean (none of the parent's events, its own pid and file), the
 * parent goes on unaffected, and forking while other threads trace never deadlocks.
 * usage: test_fork OUT.jsonl   (ctest sets NARRATE_OUTPUT=jsonl:OUT.jsonl) */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <narrate/narrate.h>

#include "check.h"

#define FORKS 20
#define BUSY 2

static volatile int stop_busy;
static int busy_started; /* atomic: threads past their first event (ring and signal stack allocated) */

static void *busy(void *arg)
{
    long i = 0;
    (void)arg;
    NARR_TRACE_TINY("forktest", "busy", "t", "busy %ld", i++);
    __atomic_fetch_add(&busy_started, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&stop_busy, __ATOMIC_ACQUIRE)) NARR_TRACE_TINY("forktest", "busy", "t", "busy %ld", i++);
    return NULL;
}

/* Lines of path containing needle. */
static long count(const char *path, const char *needle)
{
    char line[4096];
    long n = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    while (fgets(line, sizeof line, f)) n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    pthread_t t[BUSY];
    pid_t kids[FORKS];
    int i, k;
    const char *out = argc > 1 ? argv[1] : "fork.jsonl";
    char path[512];
    alarm(120); /* a deadlock fails the test instead of hanging it */
    for (i = 0; i < 100; i++) NARR_TRACE_TINY("forktest", "parent", "t", "before %d", i);
    for (i = 0; i < BUSY; i++) pthread_create(&t[i], NULL, busy, NULL);
    /* fork while they trace, not while they start: a thread inside malloc at fork() leaves ASan's
     * allocator locked in the child for good (GCC 12's libasan takes no lock around fork, glibc's
     * malloc does); narrate's own threads hold no allocation across a fork (consumer_park) */
    while (__atomic_load_n(&busy_started, __ATOMIC_ACQUIRE) < BUSY) sched_yield();
    for (k = 0; k < FORKS; k++) {
        kids[k] = fork(); /* while the busy threads trace */
        if (kids[k] == 0) {
            char tag[32];
            for (i = 0; i < 50; i++) NARR_TRACE_TINY("forktest", "child", "t", "child %d of fork %d", i, k);
            snprintf(tag, sizeof tag, "%d", (int)getpid());
            NARR_TRACE_TINY("forktest", "childpid", "t", "pid %s", tag);
            exit(0); /* atexit: the child's narrate flushes its own file */
        }
    }
    for (i = 0; i < 100; i++) NARR_TRACE_TINY("forktest", "parent", "t", "after %d", i);
    __atomic_store_n(&stop_busy, 1, __ATOMIC_RELEASE);
    for (i = 0; i < BUSY; i++) pthread_join(t[i], NULL);
    for (k = 0; k < FORKS; k++) {
        int status = 0;
        CHECK_EQ_INT(waitpid(kids[k], &status, 0), kids[k]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    narr_shutdown();
    /* the parent's file: its own events, none of a child's */
    CHECK_EQ_INT(count(out, "\"action\":\"parent\""), 200);
    CHECK_EQ_INT(count(out, "\"action\":\"child\""), 0);
    CHECK(count(out, "\"action\":\"busy\"") > 0);
    for (k = 0; k < FORKS; k++) { /* each child's file: exactly its 50 events, nothing of the parent's */
        char want[64];
        snprintf(path, sizeof path, "%s.%d", out, (int)kids[k]);
        CHECK_EQ_INT(count(path, "\"action\":\"child\""), 50);
        snprintf(want, sizeof want, "\"human\":\"child 0 of fork %d\"", k);
        CHECK_EQ_INT(count(path, want), 1);
        CHECK_EQ_INT(count(path, "\"action\":\"parent\""), 0);
        CHECK_EQ_INT(count(path, "\"action\":\"busy\""), 0);
        snprintf(want, sizeof want, "\"tid\":%d,", (int)kids[k]); /* the child's main thread: tid == pid */
        CHECK_EQ_INT(count(path, want), 51);
        unlink(path);
    }
    return CHECK_DONE();
}
