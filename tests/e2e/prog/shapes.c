/* Traced through narrate_instrument: marked functions only. */
#include "shapes.h"

#include <narrate/narrate.h>
#include <stdlib.h>

NARR_TRACE_FN int area(rect_t r)
{
    if (r.w <= 0 || r.h <= 0) return 0;
    return r.w * r.h;
}

NARR_TRACE_FN long total_area(const rect_t *rs, int n, enum unit u)
{
    long sum = 0;
    int i;
    for (i = 0; i < n; i++) sum += area(rs[i]);
    return u == UNIT_CM ? sum / 100 : sum;
}

NARR_TRACE_FN_WITH("err=neg")
int parse_size(const char *text)
{
    char *end;
    long v;
    if (text == NULL) return -1;
    v = strtol(text, &end, 10);
    return *end == '\0' ? (int)v : -2;
}
