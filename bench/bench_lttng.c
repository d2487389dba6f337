/* bench/bench_lttng.c - an LTTng-UST tracepoint with one int, timed like bench_hotpath.
 * Reports "lttng_disabled" always, and "lttng_enabled" when run inside an active session
 * (bench/run.sh starts one when lttng-sessiond can run here). */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "lttng_tp.h"

#define _DEFAULT_SOURCE
#include <unistd.h>

#include "bench_common.h"

__attribute__((noinline)) static void bench_loop_lttng(int n)
{
    int i;
    for (i = 0; i < n; i++) lttng_ust_tracepoint(narrbench, tick, i);
}

int main(int argc, char **argv)
{
    double ns;
    const char *name = argc > 1 ? argv[1] : "lttng_disabled";
    if (argc == 3) {
        bench_loop_lttng(atoi(argv[2]));
        return 0;
    }
    /* between batches: give the session daemon's consumer time to drain, as narrate flushes */
    BENCH_MEDIAN(ns, bench_loop_lttng(BENCH_BATCH), usleep(strcmp(name, "lttng_enabled") == 0 ? 20000 : 0));
    bench_report(name, ns);
    return 0;
}
