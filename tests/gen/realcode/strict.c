/* A code base that builds with many more warnings than -Wall -Wextra: the traced twin must too. */
// cflags: -Wredundant-decls -Wcast-qual -Wbad-function-cast -Wunused-macros -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations -Wconversion -Wsign-conversion -Wpointer-arith -Wwrite-strings -Wundef -Wformat=2 -Wold-style-definition -Wnested-externs -Wcast-align -Wvla
// expect: scale fn_exit 1
// expect: name_of fn_exit 1
#include <stdio.h>
#include <string.h>
#include "strict_api.h"

static double half(double x) { return x / 2.0; }

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
    printf("%ld %s %zu %.1f\n", scale(it.count, 2u), name_of(&it), name_len("abc", 8), half(3.0));
    return 0;
}
