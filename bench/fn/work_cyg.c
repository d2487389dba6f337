/* bench/fn/work_cyg.c - work.c, compiled with -finstrument-functions for bench_fn_cyg. */
#include "work.c"
