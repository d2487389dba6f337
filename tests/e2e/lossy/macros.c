/* A program whose calls are recorded with the hand-written macros only (check_lossy.sh): main
 * calls mid, mid calls leaf, N times, with NARR_TRACE_ENTER / NARR_TRACE_EXIT. Into rings far
 * too small, readers must not nest a call deeper than the program did (issue 23: mid under mid). */
#include <stdio.h>
#include <stdlib.h>

#include <narrate/narrate.h>

static volatile long sink;

static long leaf(long v)
{
    NARR_TRACE_ENTER("macros", "leaf", "v=%ld", v);
    sink += v;
    NARR_TRACE_EXIT("macros", "leaf", "r=%ld", v * 2);
    return v * 2;
}

static long mid(long v)
{
    long r;
    NARR_TRACE_ENTER("macros", "mid", "v=%ld", v);
    r = leaf(v) + leaf(v + 1);
    NARR_TRACE_EXIT("macros", "mid", "r=%ld", r);
    return r;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000, i, sum = 0;
    for (i = 0; i < n; i++) sum += mid(i);
    printf("%ld\n", sum);
    return 0;
}
