/* A project's own header with static inline functions (tests/gen/realcode/header_inline.c). */
#ifndef RING_UTIL_H
#define RING_UTIL_H
#include <string.h>
static inline int ring_clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
static inline int ring_sum(int n)
{
    int s = 0, i;
    for (i = 0; i < n; i++) s += ring_clamp(i, 0, 5); /* (called in the header: stays plain) */
    return s;
}
static inline size_t ring_name_len(const char *s) { return strlen(s); }
static inline int ring_unused(int x) { int r = 0; while (x-- > 0) r += x; return r; }
#endif
