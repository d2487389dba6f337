/* Re-entrancy: a sink that traces every event it is given stays bounded (its echo of its own
 * echoes is dropped and counted); a signal handler that traces, hitting threads while they
 * record, attach their rings or exit, never deadlocks, never allocates, never spoils the record
 * it interrupted, and every event it records is delivered or counted as dropped; a thread's
 * other key destructors may still record after narrate's has run. */
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <narrate/narrate.h>

#include "check.h"

static uint64_t seen_main, seen_echo; /* consumer thread only */

static void echo_sink(const narr_event_t *ev, void *user)
{
    (void)user;
    if (strcmp(ev->actor, "reentry") != 0) return;
    if (strcmp(ev->action, "main") == 0) seen_main++;
    if (strcmp(ev->action, "echo") == 0) seen_echo++;
    NARR_TRACE_TINY("reentry", "echo", "t", "echo of %s", ev->action); /* traces from inside a sink */
}

static int handled;
static uint64_t counted; /* events of actor "reentry" delivered in the signal phase (consumer) */

static void count_sink(const narr_event_t *ev, void *user)
{
    (void)user;
    if (ev->actor != NULL && strcmp(ev->actor, "reentry") == 0) counted++;
}

static pthread_key_t late_key;
static void late_destructor(void *arg)
{
    (void)arg;
    NARR_TRACE_TINY("reentry", "late", "t", "from a key destructor");
}

static void on_alarm(int sig)
{
    (void)sig;
    NARR_TRACE_TINY("reentry", "signal", "t", "in a handler"); /* async: may land anywhere */
    __atomic_fetch_add(&handled, 1, __ATOMIC_RELAXED);
}

/* A thread's first event attaches its ring (malloc, a lock): made with the signal blocked, as
 * the README asks of threads whose signal handlers trace. The thread starts with it blocked
 * (created so) and opens it after. */
static void *fresh_thread(void *arg)
{
    sigset_t s;
    int i;
    (void)arg;
    NARR_TRACE_TINY("reentry", "thread", "t", "first");
    pthread_setspecific(late_key, &s); /* its destructor records after the thread's last line */
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    for (i = 0; i < 20000; i++) NARR_TRACE_TINY("reentry", "thread", "t", "t %d", i);
    return NULL;
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_stats_t st;
    struct itimerval it = {{0, 50}, {0, 50}};
    int i, sink;
    alarm(120); /* a deadlock fails the test instead of hanging it */
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    sink = narr_sink_add(echo_sink, NULL, NULL, NARR_LEVEL_TRACE);
    CHECK(sink > 0);
    for (i = 0; i < 1000; i++) NARR_TRACE_TINY("reentry", "main", "t", "main %d", i);
    for (i = 0; i < 5; i++) narr_flush(); /* the echoes, and their (dropped) echoes, are done */
    narr_stats_get(&st);
    CHECK_EQ_INT(seen_main, 1000);
    CHECK_EQ_INT(seen_echo, 1000);     /* one echo per event from the program ... */
    CHECK_EQ_INT(st.echo_dropped, 1000); /* ... and none of an echo */
    narr_sink_remove(sink);
    narr_stats_get(&st);
    CHECK_EQ_INT(st.dropped, 0);
    sink = narr_sink_add(count_sink, NULL, NULL, NARR_LEVEL_TRACE);
    CHECK(sink > 0);
    pthread_key_create(&late_key, late_destructor);

    /* a signal every 50 us while threads record and attach rings */
    signal(SIGALRM, on_alarm);
    setitimer(ITIMER_REAL, &it, NULL);
    for (i = 0; i < 20; i++) {
        pthread_t t;
        sigset_t s, old;
        sigemptyset(&s);
        sigaddset(&s, SIGALRM);
        pthread_sigmask(SIG_BLOCK, &s, &old);
        pthread_create(&t, NULL, fresh_thread, NULL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_join(t, NULL);
        for (int k = 0; k < 20000; k++) NARR_TRACE_TINY("reentry", "loop", "t", "k %d", k);
    }
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
    CHECK(__atomic_load_n(&handled, __ATOMIC_RELAXED) > 0);
    narr_flush();
    narr_stats_get(&st);
    /* 20 threads x (first + 20000 + late) + 20 x 20000 in main + one per handler run: each one
     * delivered or dropped (a handler that lands inside a record, or on a thread already past
     * its ring's hand-over, drops its own event and counts it) */
    /* (on the consumer thread, a handler run while it delivers its own events counts as echo) */
    CHECK_EQ_INT(counted + st.dropped + st.echo_dropped - 1000, 20 * 20002 + 20 * 20000 + __atomic_load_n(&handled, __ATOMIC_RELAXED));
    fprintf(stderr, "signal phase: %llu delivered, %llu dropped, %d handler runs\n", (unsigned long long)counted,
            (unsigned long long)st.dropped, handled);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
