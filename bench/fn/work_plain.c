/* bench/fn/work_plain.c - the same function with no tracing, as work_plain (the reference). */
#define work work_plain
#include "work.c"
