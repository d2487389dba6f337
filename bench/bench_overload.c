/* bench/bench_overload.c - what one event costs the application while the consumer cannot
 * keep up (drop mode): the distribution of single-event latencies, measured with
 * clock_gettime around each NARR_TRACE_TINY, with a consumer that has no sink and with
 * one held back by a slow sink (~1 us per event) into 64 KiB rings, 2 producer threads.
 * Prints: case p50 p99 p99.9 p99.99 max (ns) dropped_share */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <narrate/narrate.h>

#include "bench_common.h"

#define EVENTS 2000000
#define PRODUCERS 2

static uint32_t lat[PRODUCERS][EVENTS];

static void slow_sink(const narr_event_t *ev, void *user)
{
    uint64_t t0 = bench_ns();
    (void)ev, (void)user;
    while (bench_ns() - t0 < 1000) {}
}

static void *producer(void *arg)
{
    uint32_t *out = arg;
    int i;
    for (i = 0; i < EVENTS; i++) {
        uint64_t t0 = bench_ns();
        NARR_TRACE_TINY("bench", "ovl", "t", "event %d", i);
        out[i] = (uint32_t)(bench_ns() - t0);
    }
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    narr_config_t cfg = {0};
    narr_stats_t st;
    pthread_t t[PRODUCERS];
    static uint32_t all[PRODUCERS * EVENTS];
    size_t n = (size_t)PRODUCERS * EVENTS, i;
    int slow = argc > 1 && strcmp(argv[1], "slow") == 0;
    cfg.outputs = "none";
    cfg.ring_bytes = 1 << 16;
    narr_init(&cfg);
    if (slow) narr_sink_add(slow_sink, NULL, NULL, NARR_LEVEL_TRACE);
    for (i = 0; i < PRODUCERS; i++) pthread_create(&t[i], NULL, producer, lat[i]);
    for (i = 0; i < PRODUCERS; i++) pthread_join(t[i], NULL);
    narr_shutdown();
    narr_stats_get(&st);
    for (i = 0; i < PRODUCERS; i++) memcpy(all + i * EVENTS, lat[i], sizeof lat[i]);
    qsort(all, n, sizeof all[0], cmp_u32);
    printf("%s\t%u\t%u\t%u\t%u\t%u\t%.3f\n", slow ? "slow_consumer" : "no_sink", all[n / 2], all[n * 99 / 100],
           all[n * 999 / 1000], all[n * 9999 / 10000], all[n - 1], (double)st.dropped / (double)n);
    return 0;
}
