/* Ring growth: a thread that outruns the consumer (here a sink that pauses now and then) moves
 * to a larger ring between two records. Every event is delivered or counted as dropped, each
 * thread's events that the text sink shows arrive in the order recorded (the old ring's before
 * the new one's) with the thread's context (which also survives the text sink skipping records;
 * the trace file's order is checked by trace.backend). Deterministic: each thread first floods its
 * small ring while the consumer is held (drops: the consumer then makes spares), waits until
 * the consumer caught up, then floods again, which fills its ring and moves it to the spare. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <narrate/context.h>
#include <narrate/narrate.h>

#include "check.h"

#define THREADS 3
#define PER_THREAD 200000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct seen { uint32_t tid; long last; uint64_t n, out_of_order, without_ctx; } seen[THREADS + 1];
static uint64_t received, dropped;
static int nap_once; /* atomic: the sink's next event holds the consumer 20 ms */

static struct seen *slot(uint32_t tid)
{
    int i;
    for (i = 0; i < THREADS + 1; i++) {
        if (seen[i].tid == tid) return &seen[i];
        if (seen[i].tid == 0) {
            seen[i].tid = tid;
            seen[i].last = -1;
            return &seen[i];
        }
    }
    return &seen[THREADS];
}

static void slow_sink(const narr_event_t *ev, void *user)
{
    struct seen *s;
    long k;
    (void)user;
    pthread_mutex_lock(&mu);
    if (ev->kind == NARR_KIND_DROP) {
        dropped += ev->dropped;
    } else if (ev->site != NULL && strcmp(ev->action, "seq") == 0) {
        received++;
        s = slot(ev->tid);
        k = strtol(ev->message, NULL, 10);
        if (k <= s->last) s->out_of_order++;
        s->last = k;
        s->n++;
        if (ev->context == NULL || strcmp(ev->context->correlation_id, "grow-test") != 0) s->without_ctx++;
        if (__atomic_exchange_n(&nap_once, 0, __ATOMIC_ACQ_REL)) { /* flood 2 began: the consumer is late */
            struct timespec nap = {0, 20000000};
            nanosleep(&nap, NULL);
        }
    } else {
        received++;
    }
    pthread_mutex_unlock(&mu);
}

static pthread_barrier_t phase; /* the threads and main: flood 1 done, consumer caught up */

static void *producer(void *arg)
{
    narr_context_t ctx;
    long i;
    int *rc = arg; /* checked by main: CHECK's counters are not for threads */
    *rc = narr_context_new(&ctx, "grow-test");
    if (*rc == 0) *rc = narr_context_enter(&ctx);
    for (i = 0; i < PER_THREAD / 4; i++) NARR_TRACE_TINY("grow", "seq", "t", "%ld", i);
    pthread_barrier_wait(&phase); /* flood 1 done */
    pthread_barrier_wait(&phase); /* the consumer took all, and made spares for the rings that dropped */
    for (; i < PER_THREAD; i++) NARR_TRACE_TINY("grow", "seq", "t", "%ld", i);
    if (*rc == 0) *rc = narr_context_leave();
    return NULL;
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_stats_t st;
    pthread_t t[THREADS];
    int rc[THREADS];
    uint64_t seq_received = 0;
    int i;
    /* rings grow only beside a raw sink (the trace file): it takes every record; text sinks
     * (the slow one here) skip, and say so, when they fall behind */
    cfg.outputs = "trace:ring_grow.trace";
    cfg.ring_bytes = 64 * 1024;
    cfg.ring_grow_bytes = 8u << 20;
    cfg.overload = "drop"; /* the first flood is to drop (auto would wait for the consumer held here) */
    CHECK_EQ_INT(narr_init(&cfg), 0);
    CHECK(narr_sink_add(slow_sink, NULL, NULL, NARR_LEVEL_TRACE) > 0);
    CHECK_EQ_INT(pthread_barrier_init(&phase, NULL, THREADS + 1), 0);
    pthread_mutex_lock(&mu); /* the consumer is held at its first event: the small rings fill */
    for (i = 0; i < THREADS; i++) CHECK_EQ_INT(pthread_create(&t[i], NULL, producer, &rc[i]), 0);
    pthread_barrier_wait(&phase);
    pthread_mutex_unlock(&mu);
    CHECK_EQ_INT(narr_flush(), 0);
    CHECK_EQ_INT(narr_flush(), 0); /* (the pass after the drops were seen has made the spares) */
    __atomic_store_n(&nap_once, 1, __ATOMIC_RELEASE);
    pthread_barrier_wait(&phase);
    for (i = 0; i < THREADS; i++) {
        CHECK_EQ_INT(pthread_join(t[i], NULL), 0);
        CHECK_EQ_INT(rc[i], 0);
    }
    CHECK_EQ_INT(narr_flush(), 0);
    narr_stats_get(&st);

    for (i = 0; i < THREADS + 1; i++) {
        if (seen[i].tid == 0) continue;
        CHECK_EQ_INT(seen[i].out_of_order, 0);
        CHECK_EQ_INT(seen[i].without_ctx, 0);
        seq_received += seen[i].n;
    }
    /* exact, growth or not (a thread's context records may be among the dropped: up to 2 each) */
    /* the trace file took every event that was not dropped (st.events counts its deliveries) */
    CHECK(st.events + dropped >= (uint64_t)THREADS * PER_THREAD);
    CHECK(st.events + dropped <= (uint64_t)THREADS * PER_THREAD + 2 * THREADS);
    CHECK(seq_received <= st.events);
    CHECK_EQ_INT(st.dropped, dropped);
    CHECK(st.rings_grown >= 1); /* the second flood filled a ring that had a spare */
    fprintf(stderr, "rings grown %llu times; received %llu, skipped by the text sink %llu, dropped %llu of %d\n",
            (unsigned long long)st.rings_grown, (unsigned long long)seq_received, (unsigned long long)st.text_skipped,
            (unsigned long long)dropped, THREADS * PER_THREAD);

    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
