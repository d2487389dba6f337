/* Drop accounting: a tiny ring and a consumer held inside a sink. Every event is either
 * received or counted as dropped, exactly; the count reaches every sink, whatever its level. */
#include <pthread.h>

#include <narrate/narrate.h>

#include "check.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int gate_closed = 1, blocked;
static uint64_t received, dropped, error_sink_drops, error_sink_events;

static void gate_sink(const narr_event_t *ev, void *user)
{
    (void)user;
    if (ev->kind == NARR_KIND_DROP) {
        dropped += ev->dropped;
        return;
    }
    received++;
    pthread_mutex_lock(&mu);
    blocked = 1;
    pthread_cond_broadcast(&cv);
    while (gate_closed) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

static void error_sink(const narr_event_t *ev, void *user)
{
    (void)user;
    if (ev->kind == NARR_KIND_DROP) error_sink_drops += ev->dropped;
    else error_sink_events++;
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_stats_t st;
    const int n = 10000;
    int i;
    cfg.outputs = "none";
    cfg.ring_bytes = 4096;
    CHECK_EQ_INT(narr_init(&cfg), 0);
    CHECK(narr_sink_add(gate_sink, NULL, NULL, NARR_LEVEL_TRACE) > 0);
    CHECK(narr_sink_add(error_sink, NULL, NULL, NARR_LEVEL_ERROR) > 0);

    NARR_TRACE_TINY("drop", "first", "t", "holds the consumer");
    pthread_mutex_lock(&mu);
    while (!blocked) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);

    /* the consumer is paused: the ring fills and the rest is dropped, never blocking us */
    for (i = 0; i < n; i++) NARR_TRACE_TINY("drop", "flood", "t", "event %d", i);

    pthread_mutex_lock(&mu);
    gate_closed = 0;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    CHECK_EQ_INT(narr_flush(), 0);

    CHECK(dropped > 0);
    CHECK(received > 1);
    CHECK_EQ_INT(received + dropped, (uint64_t)n + 1);
    CHECK_EQ_INT(error_sink_drops, dropped); /* a sink above TRACE still sees the drops */
    CHECK_EQ_INT(error_sink_events, 0);
    narr_stats_get(&st);
    CHECK_EQ_INT(st.dropped, dropped);
    CHECK_EQ_INT(st.events, received);
    fprintf(stderr, "ring 4096 bytes: received %llu, dropped %llu of %d\n", (unsigned long long)received,
            (unsigned long long)dropped, n + 1);

    /* after the flood the ring works again */
    NARR_TRACE_TINY("drop", "after", "t", "recovered");
    CHECK_EQ_INT(narr_flush(), 0);
    CHECK_EQ_INT(received + dropped, (uint64_t)n + 2);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
