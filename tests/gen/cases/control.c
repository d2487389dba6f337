/* Control flow the wrapper must survive: early returns in loops and switches, recursion, void,
 * noreturn, static inline, variadic. */
#include <narrate/narrate.h>
#include <stdarg.h>
#include <stdlib.h>

NARR_TRACE_FN static int find(const int *v, int n, int want)
{
    int i;
    for (i = 0; i < n; i++) {
        if (v[i] == want) return i;
    }
    return -1;
}

NARR_TRACE_FN int classify(int code)
{
    switch (code) {
    case 0: return 10;
    case 1:
        if (code > 0) return 11;
        break;
    default: break;
    }
    return 99;
}

NARR_TRACE_FN unsigned long fact(unsigned n) { return n <= 1 ? 1ul : n * fact(n - 1); }

NARR_TRACE_FN void touch(int *out) { if (out == NULL) return; *out = 1; }

NARR_TRACE_FN static inline int twice(int x) { return 2 * x; }

NARR_TRACE_FN _Noreturn void die(int status) { exit(status); }

NARR_TRACE_FN int sum(int count, ...)
{
    va_list ap;
    int i, total = 0;
    va_start(ap, count);
    for (i = 0; i < count; i++) total += va_arg(ap, int);
    va_end(ap);
    return total + twice(0) + find(NULL, 0, 0);
}
