/* Traced through narrate_instrument: main's helpers, recursion, an early return. */
#include <narrate/narrate.h>
#include <stdio.h>

#include "shapes.h"

NARR_TRACE_FN static unsigned depth_sum(unsigned n) { return n == 0 ? 0 : n + depth_sum(n - 1); }

int main(void)
{
    rect_t rs[2] = {{3, 4}, {0, 9}};
    printf("total=%ld\n", total_area(rs, 2, UNIT_MM));
    printf("bad=%d\n", parse_size("12x"));
    printf("sum=%u\n", depth_sum(2));
    return 0;
}
