/* bench/fn/main_cyg.c - work.c built with -finstrument-functions and hooks that record what
 * such hooks can: function, call site and a timestamp, 32 bytes into a thread-local buffer.
 * They capture no arguments. Also runs unhooked under uftrace (-pg build, "uftrace" row). */
#include <stdint.h>

#include "../bench_common.h"

int work(int a, int b);
static volatile int sink;

#ifndef BENCH_NO_HOOKS
static _Thread_local unsigned char hook_buf[1 << 16];
static _Thread_local uint32_t hook_pos;

__attribute__((no_instrument_function)) static inline void hook_record(void *fn, void *site, uint64_t kind)
{
    uint32_t lo, hi;
    uint64_t rec[4];
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    rec[0] = kind;
    rec[1] = (uint64_t)(uintptr_t)fn;
    rec[2] = (uint64_t)(uintptr_t)site;
    rec[3] = ((uint64_t)hi << 32) | lo;
    memcpy(hook_buf + hook_pos, rec, 32);
    hook_pos = (hook_pos + 32) & (sizeof hook_buf - 1);
}
__attribute__((no_instrument_function)) void __cyg_profile_func_enter(void *fn, void *site);
__attribute__((no_instrument_function)) void __cyg_profile_func_exit(void *fn, void *site);
void __cyg_profile_func_enter(void *fn, void *site) { hook_record(fn, site, 1); }
void __cyg_profile_func_exit(void *fn, void *site) { hook_record(fn, site, 2); }
#endif

__attribute__((noinline)) static void bench_loop_cyg(int n)
{
    int i, s = 0;
    for (i = 0; i < n; i++) s += work(i, n);
    sink = s;
}

int main(int argc, char **argv)
{
    double ns;
    if (argc == 3) {
        bench_loop_cyg(atoi(argv[2]));
        return 0;
    }
    BENCH_MEDIAN(ns, bench_loop_cyg(BENCH_BATCH), (void)0);
    bench_report(argc == 2 ? argv[1] : "cyg_hooks", ns);
    return 0;
}
