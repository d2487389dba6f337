/* runtime/record/clock.c - raw timestamps for the hot path and their conversion on the consumer.
 * The hot path reads the TSC when it is invariant; the consumer maps it to CLOCK_MONOTONIC with
 * calibration pairs taken over a growing baseline. Elsewhere clock_gettime is used directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "internal.h"
#include "trace_format.h"

int narr__clock_is_tsc; /* set once at init, before any ring exists */

/* The mapping raw -> mono is a line from an anchor; each calibration starts a new segment where
 * the old one ends (continuous, so time never jumps back) and slews toward the measured clock:
 * the slope is the long-run rate plus the error spread over the next period, bounded. */
static uint64_t first_raw, first_mono; /* long baseline */
static uint64_t anchor_raw, anchor_mono;
static double ns_per_tick = 1.0;        /* consumer only after init */
static uint64_t generation = 1;         /* consumer only: changes with the anchor or the rate */
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
    if (force != NULL && force[0] != '\0' && strcmp(force, "mono") != 0 && strcmp(force, "tsc") != 0 &&
        strcmp(force, "auto") != 0)
        fprintf(stderr, "narrate: NARRATE_CLOCK='%s' is not tsc, mono or auto; auto used (%s)\n", force,
                tsc ? "tsc" : "mono");
#ifndef NARR__HAVE_TSC
    tsc = 0;
#endif
    narr__clock_is_tsc = tsc;
    first_mono = anchor_mono = narr__mono_ns();
    first_raw = anchor_raw = narr__clock_raw();
    real_minus_mono = (int64_t)(real_ns() - narr__mono_ns());
    ns_per_tick = 1.0;
}

double narr__clock_ns_per_tick(void)
{
    return narr__clock_is_tsc ? ns_per_tick : 1.0;
}

void narr__clock_first_estimate(void)
{
    /* A first TSC rate over a short interval, once, on the consumer thread (the only one that
     * converts), so the program's first event never waits for it; calibrations refine it. */
    static int done;
    /* short: the consumer drains nothing meanwhile, and a thread recording at full speed fills a
     * 1 MiB ring in about 0.4 ms; 200 us against a ~20 ns clock read is within 0.02%, and every
     * calibration refines it */
    struct timespec d = {0, 200000};
    uint64_t m, r;
    if (!narr__clock_is_tsc || done) return;
    done = 1;
    nanosleep(&d, NULL);
    m = narr__mono_ns();
    r = narr__clock_raw();
    if (r > first_raw && m > first_mono) ns_per_tick = (double)(m - first_mono) / (double)(r - first_raw);
    generation++;
}

void narr__clock_calibrate(void)
{
    uint64_t m, r;
    double rate, err, corr;
    real_minus_mono = (int64_t)(real_ns() - narr__mono_ns());
    if (!narr__clock_is_tsc) return;
    m = narr__mono_ns();
    r = narr__clock_raw();
    if (r <= first_raw || m <= first_mono || r <= anchor_raw) return;
    rate = (double)(m - first_mono) / (double)(r - first_raw);
    anchor_mono = narr__clock_to_mono(r); /* continuity */
    generation++;
    anchor_raw = r;
    /* close the gap to the measured clock over the next calibration period, at most 1% faster
     * or slower than the long-run rate */
    err = (double)((int64_t)(m - anchor_mono));
    corr = err / ((double)NARR_CFG_CALIBRATE_PERIOD_NS / rate);
    if (corr > rate * 0.01) corr = rate * 0.01;
    if (corr < -rate * 0.01) corr = -rate * 0.01;
    ns_per_tick = rate + corr;
}

uint64_t narr__clock_to_mono(uint64_t raw)
{
    if (!narr__clock_is_tsc) return raw;
    return narr__raw_to_mono(raw, anchor_raw, anchor_mono, ns_per_tick);
}

uint64_t narr__clock_point(uint64_t *raw, uint64_t *mono, double *rate)
{
    *raw = anchor_raw;
    *mono = anchor_mono;
    *rate = narr__clock_ns_per_tick();
    return generation;
}

uint64_t narr__clock_mono_to_real(uint64_t mono)
{
    return (uint64_t)((int64_t)mono + real_minus_mono);
}
