/* bench/fn/main_fn.c - TRACE_FN enter+exit against a plain call, timed like bench_hotpath.
 *   bench_fn            rows "plain_call" and "trace_fn"
 *   bench_fn CASE N     one loop, for callgrind (--toggle-collect=bench_loop_CASE)
 *   bench_fn size N     N traced calls with the outputs of NARRATE_OUTPUT (trace vs JSON size) */
#include <narrate/narrate.h>

#include "../bench_common.h"

int work(int a, int b);
int work_plain(int a, int b);
static volatile int sink;

__attribute__((noinline)) static void bench_loop_plain_call(int n)
{
    int i, s = 0;
    for (i = 0; i < n; i++) s += work_plain(i, n);
    sink = s;
}

__attribute__((noinline)) static void bench_loop_trace_fn(int n)
{
    int i, s = 0;
    for (i = 0; i < n; i++) s += work(i, n);
    sink = s;
}

int main(int argc, char **argv)
{
    narr_config_t cfg = {0};
    double ns;
    if (argc == 3 && strcmp(argv[1], "size") == 0) {
        int i, n = atoi(argv[2]);
        for (i = 0; i < n; i++) {
            sink += work(i % 100, 7);
            if (i % 4096 == 4095) narr_flush(); /* paced: measure size, not drops */
        }
        return 0;
    }
    cfg.outputs = "none";
    if (narr_init(&cfg) != 0) return 1;
    if (argc == 3) {
        if (strcmp(argv[1], "plain_call") == 0) bench_loop_plain_call(atoi(argv[2]));
        else bench_loop_trace_fn(atoi(argv[2]));
        narr_flush();
        return 0;
    }
    BENCH_MEDIAN(ns, bench_loop_plain_call(BENCH_BATCH), (void)0);
    bench_report("plain_call", ns);
    BENCH_MEDIAN(ns, bench_loop_trace_fn(BENCH_BATCH), narr_flush());
    bench_report("trace_fn", ns);
    return 0;
}
