/* runtime/clock.c - raw timestamps for the hot path and their conversion on the consumer.
 * The hot path reads the TSC when it is invariant; the consumer maps it to CLOCK_MONOTONIC with
 * calibration pairs taken over a growing baseline. Elsewhere clock_gettime is used directly. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "internal.h"

int narr__clock_is_tsc; /* set once at init, before any ring exists */

static uint64_t base_raw, base_mono;
static double ns_per_tick = 1.0; /* consumer only after init */
static int64_t real_minus_mono;

uint64_t narr__mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t narr__clock_slow(void)
{
    return narr__mono_ns();
}

static int tsc_invariant(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(0x80000000u, &a, &b, &c, &d) == 0 || a < 0x80000007u) return 0;
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d >> 8) & 1u;
#else
    return 0;
#endif
}

uint64_t narr__clock_raw(void)
{
#ifdef NARR__HAVE_TSC
    if (narr__clock_is_tsc) {
        uint32_t lo, hi;
        __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
        return ((uint64_t)hi << 32) | lo;
    }
#endif
    return narr__mono_ns();
}

void narr__clock_init(void)
{
    const char *force = getenv("NARRATE_CLOCK");
    int tsc = tsc_invariant();
    if (force != NULL && strcmp(force, "mono") == 0) tsc = 0;
    if (force != NULL && strcmp(force, "tsc") == 0) tsc = 1;
#ifndef NARR__HAVE_TSC
    tsc = 0;
#endif
    __atomic_store_n(&narr__clock_is_tsc, tsc, __ATOMIC_RELAXED);
    base_mono = narr__mono_ns();
    base_raw = narr__clock_raw();
    real_minus_mono = (int64_t)(real_ns() - narr__mono_ns());
    ns_per_tick = 1.0;
    if (tsc) {
        /* A first estimate over a short interval; the consumer refines it as time passes. */
        struct timespec d = {0, 2000000};
        nanosleep(&d, NULL);
        narr__clock_calibrate();
    }
}

void narr__clock_calibrate(void)
{
    uint64_t m, r;
    if (!narr__clock_is_tsc) return;
    m = narr__mono_ns();
    r = narr__clock_raw();
    if (r > base_raw && m > base_mono) ns_per_tick = (double)(m - base_mono) / (double)(r - base_raw);
    real_minus_mono = (int64_t)(real_ns() - narr__mono_ns());
}

uint64_t narr__clock_to_mono(uint64_t raw)
{
    if (!narr__clock_is_tsc) return raw;
    if (raw >= base_raw) return base_mono + (uint64_t)((double)(raw - base_raw) * ns_per_tick);
    return base_mono - (uint64_t)((double)(base_raw - raw) * ns_per_tick);
}

uint64_t narr__clock_mono_to_real(uint64_t mono)
{
    return (uint64_t)((int64_t)mono + real_minus_mono);
}
