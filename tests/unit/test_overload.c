/* Overload: 4 threads x N events into 4 KiB rings, drained by a consumer a slow sink holds back.
 * Every event is either delivered or counted lost, exactly, in each NARRATE_OVERLOAD mode:
 *   test_overload drop N        recorded + dropped == produced, and the drop reports say so
 *   test_overload overwrite N   the same, losses are the oldest (each thread's last event arrives)
 *   test_overload block N       waiting for the consumer (up to 5 s): nothing lost
 *   test_overload block0 N      waiting 0 ms: losses, counted exactly */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <narrate/narrate.h>

#include "check.h"

#define THREADS 4

static long n_per_thread;
static uint64_t seen[THREADS], reported; /* consumer thread only */
static long last[THREADS];
static int out_of_order;

static void slow_sink(const narr_event_t *ev, void *user)
{
    struct timespec t0, t1;
    int th;
    long i;
    (void)user;
    if (ev->kind == NARR_KIND_DROP) {
        reported += ev->dropped;
        return;
    }
    if (strcmp(ev->actor, "ovl") != 0 || sscanf(ev->message, "%d %ld", &th, &i) != 2 || th < 0 || th >= THREADS) return;
    seen[th]++;
    if (i <= last[th]) out_of_order++;
    last[th] = i;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do clock_gettime(CLOCK_MONOTONIC, &t1); /* a deliberately slow consumer: ~1 us per event */
    while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 1000);
}

static void *producer(void *arg)
{
    int th = (int)(intptr_t)arg;
    long i;
    for (i = 0; i < n_per_thread; i++) NARR_TRACE_TINY("ovl", "ev", "t", "%d %ld", th, i);
    return NULL;
}

int main(int argc, char **argv)
{
    narr_config_t cfg = {0};
    narr_stats_t st;
    pthread_t t[THREADS];
    uint64_t total = 0, produced;
    const char *mode = argc > 1 ? argv[1] : "drop";
    int th;
    n_per_thread = argc > 2 ? atol(argv[2]) : 10000000;
    produced = (uint64_t)n_per_thread * THREADS;
    cfg.outputs = "none";
    cfg.ring_bytes = 4096;
    cfg.overload = strcmp(mode, "block0") == 0 ? "block:0" : mode; /* block: as long as it takes */
    for (th = 0; th < THREADS; th++) last[th] = -1;
    CHECK_EQ_INT(narr_init(&cfg), 0);
    CHECK(narr_sink_add(slow_sink, NULL, NULL, NARR_LEVEL_TRACE) > 0);
    for (th = 0; th < THREADS; th++) pthread_create(&t[th], NULL, producer, (void *)(intptr_t)th);
    for (th = 0; th < THREADS; th++) pthread_join(t[th], NULL);
    CHECK_EQ_INT(narr_shutdown(), 0);
    narr_stats_get(&st);
    for (th = 0; th < THREADS; th++) total += seen[th];
    printf("%s: produced %llu, delivered %llu, dropped %llu (overwritten %llu), reported %llu\n", mode,
           (unsigned long long)produced, (unsigned long long)total, (unsigned long long)st.dropped,
           (unsigned long long)st.overwritten, (unsigned long long)reported);
    CHECK_EQ_INT(total + st.dropped, produced);
    CHECK_EQ_INT(reported, st.dropped); /* every loss reached the sinks as a drop report */
    CHECK_EQ_INT(out_of_order, 0);
    if (strcmp(mode, "block") == 0) {
        CHECK_EQ_INT(st.dropped, 0);
        /* the sink is slow and the rings 4 KiB: threads waited, and the waits are told */
        CHECK(st.block_waits > 0);
        CHECK(st.block_wait_ns >= st.block_wait_max_ns && st.block_wait_max_ns > 0);
    } else {
        CHECK(st.dropped > 0); /* the consumer really was too slow */
    }
    if (strcmp(mode, "overwrite") == 0) {
        CHECK_EQ_INT(st.overwritten, st.dropped);
        for (th = 0; th < THREADS; th++) CHECK_EQ_INT(last[th], n_per_thread - 1); /* the newest survive */
    } else {
        CHECK_EQ_INT(st.overwritten, 0);
    }
    return CHECK_DONE();
}
