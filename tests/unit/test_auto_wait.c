/* The default overload (auto) beside an output that keeps every event: a full ring waits for the
 * consumer, and when the consumer cannot come (here: a sink of the program's own waits on a lock
 * the recording thread holds), the wait runs out once, then full rings drop for the rest of the
 * run instead of making the program wait again; every drop and the one wait are counted. */
#include <pthread.h>
#include <string.h>

#include <narrate/narrate.h>

#include "check.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void locking_sink(const narr_event_t *ev, void *user)
{
    (void)ev, (void)user;
    pthread_mutex_lock(&mu); /* held by main while it records: the consumer is stuck here */
    pthread_mutex_unlock(&mu);
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_stats_t st;
    long i, n = 20000;
    cfg.outputs = "trace:auto_wait.trace"; /* a trace file: auto waits */
    cfg.ring_bytes = 4096;
    cfg.ring_grow_bytes = (size_t)-1; /* no larger ring to move to */
    CHECK_EQ_INT(narr_init(&cfg), 0);
    CHECK(narr_sink_add(locking_sink, NULL, NULL, NARR_LEVEL_TRACE) > 0);
    NARR_TRACE_TINY("auto", "first", "t", "reaches the sink, which then waits for the lock");
    narr_flush();
    pthread_mutex_lock(&mu);
    for (i = 0; i < n; i++) NARR_TRACE_TINY("auto", "tick", "t", "%ld", i);
    pthread_mutex_unlock(&mu);
    CHECK_EQ_INT(narr_shutdown(), 0);
    narr_stats_get(&st);
    CHECK(st.dropped > 0);                  /* a 4 KiB ring cannot hold 20,000 events */
    CHECK_EQ_INT(st.events + st.dropped, n + 1); /* each one delivered or counted */
    /* one wait ran its whole second out (others may have ended before the consumer got stuck);
     * after it, full rings dropped at once: 20,000 events did not wait a second each */
    CHECK(st.block_waits >= 1 && st.block_waits < 100);
    CHECK(st.block_wait_max_ns >= 1000000000ull);
    return CHECK_DONE();
}
