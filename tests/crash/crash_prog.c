/* A program that records events on two threads, then dies of a fatal signal on the main thread.
 * usage: crash_prog segv|bus|fpe|ill|abrt|stack [chain]
 *   chain: a handler installed before narrate must still run (it writes "chained <sig>" to fd 1)
 * Each thread records exactly 1000 events ("n=<i>") before the crash. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <narrate/narrate.h>

#define EVENTS 1000

static void program_handler(int sig)
{
    char msg[32];
    int n = snprintf(msg, sizeof msg, "chained %d\n", sig);
    ssize_t rc = write(1, msg, (size_t)n);
    (void)rc;
}

static void *worker(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < EVENTS; i++) NARR_TRACE_TINY("crash", "work", "worker", "n=%d", i);
    return NULL;
}

static volatile int keep_going = 1;

static int recurse(volatile char *p, int depth)
{
    volatile char pad[4096];
    pad[0] = (char)depth;
    if (!keep_going) return p[0];
    return recurse(pad, depth + 1) + p[0]; /* no tail call: the stack overflows */
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "segv";
    pthread_t t;
    int i;
    if (argc > 2 && strcmp(argv[2], "chain") == 0) {
        signal(SIGSEGV, program_handler);
        signal(SIGBUS, program_handler);
        signal(SIGFPE, program_handler);
        signal(SIGILL, program_handler);
        signal(SIGABRT, program_handler);
    }
    narr_init(NULL);
    pthread_create(&t, NULL, worker, NULL);
    for (i = 0; i < EVENTS; i++) NARR_TRACE_TINY("crash", "work", "main", "n=%d", i);
    pthread_join(t, NULL);
    if (strcmp(how, "segv") == 0) {
        *(volatile int *)(uintptr_t)16 = 1;
    } else if (strcmp(how, "bus") == 0) { /* a mapping past the end of its file */
        char path[] = "/tmp/narrate-crash-XXXXXX";
        int fd = mkstemp(path);
        volatile char *p;
        unlink(path);
        p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        p[4096] = 1;
    } else if (strcmp(how, "fpe") == 0) {
        volatile int zero = 0, seven = 7; /* 1 / x would compile to a comparison */
        printf("%d\n", seven / zero);
    } else if (strcmp(how, "ill") == 0) {
        __builtin_trap();
    } else if (strcmp(how, "abrt") == 0) {
        abort();
    } else if (strcmp(how, "stack") == 0) {
        recurse("x", 0);
    }
    return 0; /* not reached */
}
