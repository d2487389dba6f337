/* Records events on two threads, then kills itself with SIGKILL.
 * usage: kill_prog stuck|running N
 *   stuck:   a sink holds the consumer on its first event, so nothing is ever written: the
 *            recovery must give back all 2N events (and the first one, delivered to no file)
 *   running: the consumer delivers to NARRATE_OUTPUT as usual until the kill: what the sinks
 *            wrote plus what is recovered is every event, none missing (3N, a pause, N more)
 *   clean:   returns normally: the recovery files are removed */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <narrate/narrate.h>

static long n;

static void stuck_sink(const narr_event_t *ev, void *user)
{
    (void)ev, (void)user;
    for (;;) pause(); /* holds the consumer until the kill */
}

static void *worker(void *arg)
{
    long i;
    (void)arg;
    for (i = 0; i < n; i++) {
        NARR_TRACE_ENTER("killtest", "step", "worker %ld", i);
        NARR_TRACE_EXIT("killtest", "step", "worker %ld done", i);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t;
    long i;
    n = argc > 2 ? atol(argv[2]) : 1000;
    narr_init(NULL);
    if (argc > 1 && strcmp(argv[1], "stuck") == 0) narr_sink_add(stuck_sink, NULL, NULL, NARR_LEVEL_TRACE);
    pthread_create(&t, NULL, worker, NULL);
    for (i = 0; i < n; i++) NARR_TRACE_TINY("killtest", "main", "t", "main %ld", i);
    pthread_join(t, NULL);
    if (argc > 1 && strcmp(argv[1], "clean") == 0) return 0; /* exit(): nothing to recover */
    if (argc > 1 && strcmp(argv[1], "running") == 0) { /* the sinks write the first part */
        struct timespec pause_ = {0, 300000000};
        nanosleep(&pause_, NULL);
        for (i = 0; i < n; i++) NARR_TRACE_TINY("killtest", "late", "t", "late %ld", i);
    }
    kill(getpid(), SIGKILL);
    for (;;) pause();
}
