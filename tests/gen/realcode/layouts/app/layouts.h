#ifndef LAYOUTS_H
#define LAYOUTS_H
#include <stddef.h>
int outside_scale(int x);
int table_lookup(int i);
const char *version_text(void);
size_t version_len(void);
int part_twice(int x);
int late_add(int a, int b);
#endif
