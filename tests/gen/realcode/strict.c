/* A code base that builds with many more warnings than -Wall -Wextra: the traced twin must too. */
// cflags: -Wredundant-decls -Wcast-qual -Wbad-function-cast -Wunused-macros -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations -Wconversion -Wsign-conversion -Wpointer-arith -Wwrite-strings -Wundef -Wformat=2 -Wold-style-definition -Wnested-externs -Wcast-align -Wvla -Wdeclaration-after-statement
// expect: scale fn_exit 1
// expect: name_of fn_exit 1
// expect: api_sum fn_exit 1
// expect: logf_count fn_exit 1
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "strict_api.h"

static double half(double x) { return x / 2.0; }

/* an export macro that expands to extern, as Lua's LUA_API does */
#define STRICT_API extern
STRICT_API int api_sum(int a, int b)
{
    int s = a + b;
    return s;
}

/* a variadic function whose declarations follow its first line */
__attribute__((format(printf, 1, 2))) int logf_count(const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    return n;
}

long scale(long value, unsigned factor)
{
    return value * (long)factor;
}

const char *name_of(const struct item *it)
{
    return it->name;
}

size_t name_len(const char *s, size_t cap)
{
    size_t n = strlen(s);
    return n < cap ? n : cap;
}

int main(void)
{
    struct item it = {"widget", 3};
    printf("%ld %s %zu %.1f %d %d\n", scale(it.count, 2u), name_of(&it), name_len("abc", 8), half(3.0), api_sum(1, 2),
           logf_count("%d", 42));
    return 0;
}
