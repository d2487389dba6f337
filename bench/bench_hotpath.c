/* bench/bench_hotpath.c - narrate's hot path against a floor and fprintf.
 *   bench_hotpath            time every case: median ns per event over repeated batches
 *   bench_hotpath CASE N     run one case N times (for callgrind --toggle-collect=bench_loop_CASE)
 * Cases: empty rdtsc floor tiny enter_exit disabled fprintf. Between timed batches the consumer is
 * flushed (untimed), so rings never fill and no case measures the drop path. */
#include <narrate/narrate.h>

#include "bench_common.h"

static FILE *devnull;

/* The floor: what any recorder must do at least: read the TSC, store 32 bytes, move on. */
static _Thread_local unsigned char floor_buf[1 << 16];
static _Thread_local uint32_t floor_pos;

__attribute__((noinline)) static void bench_loop_empty(int n)
{
    int i;
    for (i = 0; i < n; i++) __asm__ __volatile__("" ::: "memory");
}

__attribute__((noinline)) static void bench_loop_floor(int n)
{
    int i;
    for (i = 0; i < n; i++) {
        uint32_t lo, hi;
        uint64_t rec[4];
        __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
        rec[0] = 1;
        rec[1] = ((uint64_t)hi << 32) | lo;
        rec[2] = (uint64_t)i;
        rec[3] = 0;
        memcpy(floor_buf + floor_pos, rec, 32);
        floor_pos = (floor_pos + 32) & (sizeof floor_buf - 1);
        __asm__ __volatile__("" ::: "memory");
    }
}

/* rdtsc alone: on virtual machines it can dominate everything else. */
__attribute__((noinline)) static void bench_loop_rdtsc(int n)
{
    int i;
    uint64_t sum = 0;
    for (i = 0; i < n; i++) {
        uint32_t lo, hi;
        __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
        sum += lo + ((uint64_t)hi << 32);
    }
    __asm__ __volatile__("" : : "r"(sum));
}

__attribute__((noinline)) static void bench_loop_tiny(int n)
{
    int i;
    for (i = 0; i < n; i++) NARR_TRACE_TINY("bench", "tick", "loop", "i=%d", i);
}

__attribute__((noinline)) static void bench_loop_enter_exit(int n)
{
    int i;
    for (i = 0; i < n; i++) {
        NARR_TRACE_ENTER("bench", "work", "a=%d b=%d", i, n);
        NARR_TRACE_EXIT("bench", "work", "ret=%d", i + n);
    }
}

__attribute__((noinline)) static void bench_loop_disabled(int n)
{
    int i;
    for (i = 0; i < n; i++) NARR_TRACE_TINY("bench_off", "tick", "loop", "i=%d", i);
}

__attribute__((noinline)) static void bench_loop_fprintf(int n)
{
    int i;
    for (i = 0; i < n; i++) fprintf(devnull, "TRACE bench tick target=\"loop\" \"i=%d\"\n", i);
}

static const struct {
    const char *name;
    void (*loop)(int);
} cases[] = {
    {"empty", bench_loop_empty},       {"rdtsc", bench_loop_rdtsc},       {"floor", bench_loop_floor},
    {"tiny", bench_loop_tiny},
    {"enter_exit", bench_loop_enter_exit}, {"disabled", bench_loop_disabled}, {"fprintf", bench_loop_fprintf},
};

int main(int argc, char **argv)
{
    narr_config_t cfg = {0};
    size_t i;
    cfg.outputs = "none"; /* the consumer still decodes and formats every event */
    cfg.filter = "trace,bench_off=off";
    if (narr_init(&cfg) != 0) return 1;
    devnull = fopen("/dev/null", "w");
    if (argc == 3) {
        int n = atoi(argv[2]);
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            if (strcmp(cases[i].name, argv[1]) == 0) {
                cases[i].loop(n);
                narr_flush();
                return 0;
            }
        }
        fprintf(stderr, "unknown case %s\n", argv[1]);
        return 2;
    }
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double ns;
        BENCH_MEDIAN(ns, cases[i].loop(BENCH_BATCH), narr_flush());
        bench_report(cases[i].name, ns);
    }
    {
        narr_stats_t st;
        narr_stats_get(&st);
        if (st.dropped != 0) fprintf(stderr, "warning: %llu events dropped during the benchmark\n",
                                     (unsigned long long)st.dropped);
    }
    return 0;
}
