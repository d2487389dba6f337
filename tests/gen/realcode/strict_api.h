#ifndef STRICT_API_H
#define STRICT_API_H
#include <stddef.h>
struct item { const char *name; long count; };
long scale(long value, unsigned factor);
const char *name_of(const struct item *it);
size_t name_len(const char *s, size_t cap);
extern int api_sum(int a, int b);
__attribute__((format(printf, 1, 2))) int logf_count(const char *fmt, ...);
#endif
