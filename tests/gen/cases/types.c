/* Parameters of every kind the generator records, and results of several types. */
#include <narrate/narrate.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct point { int x; double y; struct { int deep; } inner; } point_t;
typedef union num { int i; float f; } num_t;
enum mode { MODE_IDLE, MODE_BUSY = 4, MODE_ALIAS = 4, MODE_DOWN = -1 };
typedef int (*combine_fn)(int, int);

NARR_TRACE_FN int by_value(point_t p, num_t n, enum mode m, bool flag)
{
    return p.x + (int)p.y + n.i + (int)m + (flag ? 1 : 0) + p.inner.deep;
}

NARR_TRACE_FN long arrays(int fixed[4], int open[], char name[8], unsigned char *bytes, size_t n)
{
    return (long)fixed[0] + (long)open[0] + name[0] + (long)n + (bytes != NULL);
}

NARR_TRACE_FN int pointers(int (*raw)(int, int), combine_fn typed, const char *label, void *opaque,
                           const int *values)
{
    return raw(1, 2) + typed(3, 4) + (label != NULL) + (opaque != NULL) + values[0];
}

NARR_TRACE_FN unsigned atomics(_Atomic int counter, _Atomic(unsigned long) wide)
{
    return (unsigned)atomic_load(&counter) + (unsigned)atomic_load(&wide);
}

NARR_TRACE_FN point_t make_point(int x, double y)
{
    point_t p = {x, y, {0}};
    return p;
}

NARR_TRACE_FN enum mode next_mode(enum mode m) { return m == MODE_IDLE ? MODE_BUSY : MODE_IDLE; }

NARR_TRACE_FN double scale(float f, double d, long double ld) { return (double)f * d * (double)ld; }

/* user and monkey are read as strings (strlen), so they are recorded as strings; password and
   api_key never are, whatever the body does */
NARR_TRACE_FN bool login(const char *user, const char *password, const char *api_key, int sessionKey,
                         const char *monkey)
{
    size_t n = strlen(user) + strlen(monkey);
    return n > 0 && password != NULL && api_key != NULL && sessionKey > 0;
}
