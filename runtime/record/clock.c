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
 * the slope is the long-run rate plus the error spread over the next period, bounded.
 * A stamp converts by the segment its raw value falls in, whenever it is converted: a sink that
 * decodes late, the trace file's readers (each segment is a CLOCK block) and the live consumer
 * all get the same nanoseconds for it. Segments are kept for a consumer that lags; one older
 * than that converts by the oldest kept (CLOCK_SEGS x the period: 6.8 minutes). */
#define CLOCK_SEGS 4096u
static struct clock_seg {
    uint64_t raw, mono;
    double rate;
} segs[CLOCK_SEGS];
static uint64_t nsegs;                  /* consumer only: segments made; the current is the last */
static uint64_t first_raw, first_mono; /* long baseline */
/* CLOCK_REALTIME - CLOCK_MONOTONIC, taken once: a run's wall stamps are its monotonic ones plus
 * this, so their gaps are the elapsed times every output shows (a wall-clock step during the run
 * is not followed; NTP's slewing moves CLOCK_MONOTONIC too) */
static int64_t real_minus_mono;

static struct clock_seg *seg_now(void)
{
    return &segs[(nsegs - 1) % CLOCK_SEGS];
}

static void seg_add(uint64_t raw, uint64_t mono, double rate)
{
    struct clock_seg *s = &segs[nsegs % CLOCK_SEGS];
    s->raw = raw;
    s->mono = mono;
    s->rate = rate;
    nsegs++;
}

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
    first_mono = narr__mono_ns();
    first_raw = narr__clock_raw();
    real_minus_mono = (int64_t)(real_ns() - narr__mono_ns());
    nsegs = 0;
    seg_add(first_raw, first_mono, 1.0);
}

double narr__clock_ns_per_tick(void)
{
    return narr__clock_is_tsc ? seg_now()->rate : 1.0;
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
    if (!narr__clock_is_tsc || done || nsegs != 1) return;
    done = 1;
    nanosleep(&d, NULL);
    m = narr__mono_ns();
    r = narr__clock_raw();
    /* nothing was converted yet: the first segment's rate is replaced, not followed */
    if (r > first_raw && m > first_mono) segs[0].rate = (double)(m - first_mono) / (double)(r - first_raw);
}

void narr__clock_calibrate(void)
{
    uint64_t m, r, anchor;
    double rate, err, corr;
    if (!narr__clock_is_tsc) return;
    m = narr__mono_ns();
    r = narr__clock_raw();
    if (r <= first_raw || m <= first_mono || r <= seg_now()->raw) return;
    rate = (double)(m - first_mono) / (double)(r - first_raw);
    anchor = narr__clock_to_mono(r); /* continuity */
    /* close the gap to the measured clock over the next calibration period, at most 1% faster
     * or slower than the long-run rate */
    err = (double)((int64_t)(m - anchor));
    corr = err / ((double)NARR_CFG_CALIBRATE_PERIOD_NS / rate);
    if (corr > rate * 0.01) corr = rate * 0.01;
    if (corr < -rate * 0.01) corr = -rate * 0.01;
    seg_add(r, anchor, rate + corr);
}

uint64_t narr__clock_to_mono(uint64_t raw)
{
    const struct clock_seg *s;
    uint64_t lo, hi;
    if (!narr__clock_is_tsc) return raw;
    s = seg_now();
    if (raw < s->raw && nsegs > 1) { /* recorded before the latest calibration: its own segment */
        lo = nsegs > CLOCK_SEGS ? nsegs - CLOCK_SEGS : 0; /* the oldest kept */
        hi = nsegs - 1;                                     /* segs[hi] starts above raw */
        while (lo + 1 < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (segs[mid % CLOCK_SEGS].raw <= raw) lo = mid;
            else hi = mid;
        }
        s = &segs[lo % CLOCK_SEGS];
    }
    return narr__raw_to_mono(raw, s->raw, s->mono, s->rate);
}

uint64_t narr__clock_segments(void)
{
    return narr__clock_is_tsc ? nsegs : 0;
}

int narr__clock_segment(uint64_t k, uint64_t *raw, uint64_t *mono, double *rate)
{
    const struct clock_seg *s;
    if (k >= nsegs || nsegs - k > CLOCK_SEGS) return -1;
    s = &segs[k % CLOCK_SEGS];
    *raw = s->raw;
    *mono = s->mono;
    *rate = s->rate;
    return 0;
}

uint64_t narr__clock_mono_to_real(uint64_t mono)
{
    return (uint64_t)((int64_t)mono + real_minus_mono);
}
