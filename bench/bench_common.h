/* bench/bench_common.h - timing helpers shared by the benchmark binaries (C and C++). */
#ifndef NARR_BENCH_COMMON_H
#define NARR_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_REPS 15
#define BENCH_BATCH 16384

static inline uint64_t bench_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median over BENCH_REPS batches of ns per event; `between` runs untimed after each batch. */
#define BENCH_MEDIAN(result, loop_call, between) do {                            \
    double bench_v[BENCH_REPS];                                                  \
    int bench_r;                                                                 \
    loop_call; between; /* warm-up: attach rings, resolve sites, fault pages */  \
    for (bench_r = 0; bench_r < BENCH_REPS; bench_r++) {                         \
        uint64_t bench_t0 = bench_ns();                                          \
        loop_call;                                                               \
        bench_v[bench_r] = (double)(bench_ns() - bench_t0) / BENCH_BATCH;        \
        between;                                                                 \
    }                                                                            \
    qsort(bench_v, BENCH_REPS, sizeof bench_v[0], bench_cmp);                    \
    (result) = bench_v[BENCH_REPS / 2];                                          \
} while (0)

/* One line per case, read by bench/run.sh: "case<TAB>ns_per_event". */
static inline void bench_report(const char *name, double ns)
{
    printf("%s\t%.3f\n", name, ns);
    fflush(stdout);
}

#endif /* NARR_BENCH_COMMON_H */
