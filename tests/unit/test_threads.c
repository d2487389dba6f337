/* 64 threads record and exit without flushing: every event arrives, in order per thread,
 * and the rings of exited threads are handed to the consumer. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <narrate/narrate.h>

#include "check.h"

#define THREADS 64
#define PER_THREAD 2000

typedef struct seen {
    uint32_t tid;
    long long last;
    uint64_t last_ns;
    int disorder;
    long count;
} seen_t;

static seen_t seen[THREADS * 2];
static size_t nseen;
static uint64_t total;

/* runs on the consumer thread only */
static void count_sink(const narr_event_t *ev, void *user)
{
    size_t i;
    long long seq;
    (void)user;
    if (ev->kind == NARR_KIND_DROP || strcmp(ev->action, "step") != 0) return;
    total++;
    seq = strtoll(ev->message, NULL, 10);
    for (i = 0; i < nseen && seen[i].tid != ev->tid; i++) {}
    if (i == nseen) {
        if (nseen == THREADS * 2) return;
        seen[nseen].tid = ev->tid;
        seen[nseen].last = -1;
        nseen++;
    }
    if (seq != seen[i].last + 1 || ev->mono_ns < seen[i].last_ns) seen[i].disorder++;
    seen[i].last = seq;
    seen[i].last_ns = ev->mono_ns;
    seen[i].count++;
}

static void *worker(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < PER_THREAD; i++) NARR_TRACE_TINY("threads", "step", "w", "%d", i);
    return NULL; /* no flush: the ring is handed over at thread exit */
}

int main(void)
{
    narr_config_t cfg = {0};
    pthread_t t[THREADS];
    narr_stats_t st;
    size_t i;
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    CHECK(narr_sink_add(count_sink, NULL, NULL, NARR_LEVEL_TRACE) > 0);
    for (i = 0; i < THREADS; i++) CHECK_EQ_INT(pthread_create(&t[i], NULL, worker, NULL), 0);
    for (i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    CHECK_EQ_INT(narr_flush(), 0);
    narr_stats_get(&st);
    CHECK_EQ_INT(total, (uint64_t)THREADS * PER_THREAD);
    CHECK_EQ_INT(st.dropped, 0);
    CHECK_EQ_INT(st.threads, THREADS);
    CHECK_EQ_INT(nseen, THREADS);
    for (i = 0; i < nseen; i++) {
        CHECK_EQ_INT(seen[i].count, PER_THREAD);
        CHECK_EQ_INT(seen[i].disorder, 0);
    }
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
