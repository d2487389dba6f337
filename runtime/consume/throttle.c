/* runtime/consume/throttle.c - whole-project tracing's duration threshold (NARRATE_MIN_DURATION).
 *
 * A function traced by narrate_instrument(... ALL_FUNCTIONS) without a mark (its sites carry
 * NARR_SITE_WHOLE) is watched in windows of NARR_CFG_THROTTLE_CALLS calls; when a window's calls
 * took less than the threshold on average, its site is switched off: later calls run the plain function
 * (a test and a call), so whole-project tracing costs what the calls that take time cost. The
 * consumer decides it from the exits it reads anyway, so the hot path pays nothing, and tells
 * every output once (a DEBUG event "narrate throttled", target the function, recorded on its
 * own ring) so readers can say which functions were recorded only for their first calls. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "narrate/narrate.h"
#include "../internal.h"

uint64_t narr__min_duration_ns = NARR_CFG_MIN_DURATION_NS;
uint64_t narr__throttled_sites; /* atomic: sites switched off so far (narr_stats_t) */

/* Per site id (consumer only): an exit's state (0 not looked at yet, 1 watched, 2 nothing to
 * do); an enter's tally of its function's watched calls. */
enum { UNSEEN = 0, WATCH = 1, IGNORE = 2 };
typedef struct watch {
    uint8_t state; /* exits */
    uint8_t done;  /* enters: switched off */
    uint32_t calls;
    uint64_t ns; /* the watched calls' elapsed time, summed */
} watch_t;
static watch_t *watch;
static size_t nwatch;

static int have(uint32_t id)
{
    if (id >= nwatch) {
        size_t want = nwatch ? nwatch : 1024;
        watch_t *fresh;
        while (want <= id) want *= 2;
        if ((fresh = realloc(watch, want * sizeof *fresh)) == NULL) return 0;
        memset(fresh + nwatch, 0, (want - nwatch) * sizeof *fresh);
        watch = fresh;
        nwatch = want;
    }
    return 1;
}

/* 1 when the function is switched off now. */
static int decide(uint32_t enter, const narr_site_t *exit_site, uint32_t calls, uint64_t ns)
{
    uint64_t mean = ns / calls;
    if (mean >= narr__min_duration_ns) return 0; /* long enough: recorded */
    if (narr__site_throttle(enter) != 0) return 1;
    __atomic_fetch_add(&narr__throttled_sites, 1, __ATOMIC_RELAXED);
    /* recorded on the consumer's own ring like any event, so every output has it, the trace
       file too (readers mark the function: narrate stats, check) */
    NARR_DEBUG("narrate", "throttled", exit_site->func, "%s: %u calls in a row took %llu ns on average, under "
               "NARRATE_MIN_DURATION (%llu ns): later calls are not recorded", exit_site->func, calls,
               (unsigned long long)mean, (unsigned long long)narr__min_duration_ns);
    return 1;
}

void narr__throttle_scan(const narr__ring_full_t *rf, uint64_t pos, uint64_t end)
{
    const narr__ring_t *r = &rf->r;
    if (narr__min_duration_ns == 0) return;
    while (pos < end) {
        const unsigned char *rec = r->buf + (pos & r->mask);
        const narr_site_t *s;
        uint32_t id, size, enter;
        uint64_t stamp, t0;
        memcpy(&id, rec, 4);
        memcpy(&size, rec + 4, 4);
        if (size < NARR__REC_HDR || size > NARR_CFG_RING_SLACK) return; /* damaged: the drain says so */
        pos += (size + 7u) & ~7u;
        if (id == NARR__ID_LOSS || !have(id) || watch[id].state == IGNORE) continue;
        s = narr__site_get(id);
        if (watch[id].state == UNSEEN) {
            watch[id].state = s != NULL && s->kind == NARR_KIND_FN_EXIT && (s->flags & NARR_SITE_WHOLE) &&
                              size >= NARR__REC_HDR + 8 ? WATCH : IGNORE;
            if (watch[id].state == IGNORE) continue;
        }
        /* the exit's enter: registered with it, the exit under the enter's id + 1, its error
         * exit under + 2 */
        enter = id - ((s->flags & NARR_SITE_ERROR) ? 2u : 1u);
        if (watch[enter].done) {
            watch[id].state = IGNORE;
            continue;
        }
        memcpy(&stamp, rec + 8, 8);
        memcpy(&t0, rec + NARR__REC_HDR, 8); /* an exit's first value: its enter's stamp */
        if (t0 == 0 || t0 > stamp) continue; /* its enter was not recorded */
        watch[enter].ns += narr__clock_to_mono(stamp) - narr__clock_to_mono(t0);
        if (++watch[enter].calls < NARR_CFG_THROTTLE_CALLS) continue;
        /* a window of calls: switched off when they were short on average, else watched on
           (a function's first calls are often its slowest: page faults, cold caches) */
        if (decide(enter, s, watch[enter].calls, watch[enter].ns)) {
            watch[enter].done = 1;
            watch[id].state = IGNORE;
        }
        watch[enter].calls = 0;
        watch[enter].ns = 0;
    }
}
