/* bench/bench_consumer.c - the back end's throughput: how fast recorded events reach a sink.
 * usage: bench_consumer tiny|pair N [threads]
 * Sinks come from NARRATE_OUTPUT as a user would set them (trace:FILE, jsonl:FILE, console,
 * none). Each thread records N events (pair: N/2 enter/exit pairs) as fast as it can; the
 * program then flushes. Prints one line: events recorded, the time to record them, the time
 * until every one was delivered or dropped, the delivered rate (delivered / that time) and the
 * drops. With rings large enough (NARRATE_RING_SIZE) nothing drops and the rate is the
 * consumer's; with default settings it is what a user gets. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <narrate/narrate.h>

#include "bench_common.h"

static long per_thread;
static int pairs;

static void *producer(void *arg)
{
    long i;
    (void)arg;
    if (pairs) {
        for (i = 0; i < per_thread / 2; i++) {
            NARR_TRACE_ENTER("bench", "work", "n=%ld", i);
            NARR_TRACE_EXIT("bench", "work", "r=%ld", i);
        }
    } else {
        for (i = 0; i < per_thread; i++) NARR_TRACE_TINY("bench", "tick", "t", "i=%ld", i);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 3 ? atoi(argv[3]) : 1, k;
    pthread_t th[64];
    uint64_t t0, t1, t2;
    narr_stats_t st;
    if (argc < 3 || (strcmp(argv[1], "tiny") != 0 && strcmp(argv[1], "pair") != 0) || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: bench_consumer tiny|pair N [threads]\n");
        return 2;
    }
    pairs = strcmp(argv[1], "pair") == 0;
    per_thread = atol(argv[2]);
    if (narr_init(NULL) != 0) return 1;
    NARR_TRACE_TINY("bench", "start", "t", "warm-up"); /* the main thread's ring, the sites */
    narr_flush();
    t0 = bench_ns();
    if (threads == 1) {
        producer(NULL);
    } else {
        for (k = 0; k < threads; k++) pthread_create(&th[k], NULL, producer, NULL);
        for (k = 0; k < threads; k++) pthread_join(th[k], NULL);
    }
    t1 = bench_ns();
    narr_flush();
    t2 = bench_ns();
    narr_stats_get(&st);
    {
        double rec = (double)(t1 - t0) / 1e9, all = (double)(t2 - t0) / 1e9;
        unsigned long long n = (unsigned long long)per_thread * (unsigned long long)threads;
        unsigned long long delivered = (unsigned long long)st.events - 1; /* the warm-up event */
        fprintf(stderr, "%s x%d: %llu recorded in %.3f s (%.1f M/s); delivered %llu in %.3f s: %.2f M events/s; dropped %llu (%.1f%%)\n",
                argv[1], threads, n, rec, n / rec / 1e6, delivered, all, delivered / all / 1e6,
                (unsigned long long)st.dropped, 100.0 * (double)st.dropped / (double)n);
        printf("%s\t%d\t%llu\t%.4f\t%.4f\t%llu\t%llu\n", argv[1], threads, n, rec, all, delivered,
               (unsigned long long)st.dropped);
    }
    narr_shutdown();
    return 0;
}
