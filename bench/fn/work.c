/* bench/fn/work.c - the function every function-tracing row calls: two int arguments, one
 * result. Its own file, so no compiler inlines it into the benchmark loop. */
#include <narrate/narrate.h>

int work(int a, int b);

NARR_TRACE_FN int work(int a, int b)
{
    return a ^ b;
}
