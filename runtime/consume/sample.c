/* runtime/consume/sample.c - head and tail sampling, decided on the consumer so the hot path pays
 * nothing. A root call (a traced call entered with none open on its thread) and everything its
 * thread records until it returns form one tree. Its head decision comes from the trace id of
 * the thread's context (the OpenTelemetry ratio rule on the id's low 56 bits, so every process
 * of a trace agrees), from the context's sampled flag under the parentbased samplers, or from a
 * random number without a context. The tree is buffered and kept, when it returns, if the head
 * said so, or any part of it failed (an error exit, an ERROR or FATAL event), or it ran at least
 * the slow threshold, or its context has a debug level. Buffers are bounded: a tree that
 * outgrows them is kept whole (it is never cut), and counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

typedef struct sampler_cfg {
    int on;           /* 0: every tree is kept and nothing is buffered */
    int parent_based; /* a context's sampled flag decides */
    uint64_t threshold; /* keep when the id's low 56 bits are >= this */
    uint64_t slow_ns;
    size_t max_bytes;
} sampler_cfg_t;

static sampler_cfg_t cfg = {0, 0, 0, NARR_CFG_SAMPLE_SLOW_NS, NARR_CFG_SAMPLE_BUFFER};
static size_t buffered; /* consumer only: bytes held by every ring's tree */
static uint64_t sampled_out, trees_kept, trees_dropped, trees_overflowed; /* atomics for readers */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static narr__decoded_t replay_dec;

/* One buffered record: its header, then the payload, padded to 8 bytes. */
typedef struct held {
    const narr_site_t *site;
    uint64_t mono, t0_mono;
    uint32_t len;
    uint32_t pad;
} held_t;

static uint64_t threshold_for(double ratio)
{
    if (!(ratio > 0)) return UINT64_MAX; /* never (NaN too) */
    if (ratio >= 1) return 0;
    return (uint64_t)((1.0 - ratio) * (double)(1ull << 56));
}

int narr_sample_set(double ratio, uint64_t slow_ns)
{
    if (!(ratio >= 0 && ratio <= 1)) return NARR_EINVAL;
    /* the consumer reads these while the program sets them: each one atomic */
    __atomic_store_n(&cfg.parent_based, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&cfg.threshold, threshold_for(ratio), __ATOMIC_RELAXED);
    __atomic_store_n(&cfg.slow_ns, slow_ns, __ATOMIC_RELAXED);
    __atomic_store_n(&cfg.on, ratio < 1, __ATOMIC_RELEASE);
    return 0;
}

static int parse_ratio(const char *s, double *out)
{
    char *end;
    double r = strtod(s, &end);
    if (end == s || *end != '\0' || !(r >= 0 && r <= 1)) return -1;
    *out = r;
    return 0;
}

/* NARRATE_SAMPLE wins over OTEL_TRACES_SAMPLER (+ _ARG); NARRATE_SAMPLE_SLOW_MS and
 * NARRATE_SAMPLE_BUFFER tune the tail. Bad values are reported and ignored. */
void narr__sample_configure(void)
{
    const char *s = getenv("NARRATE_SAMPLE"), *o = getenv("OTEL_TRACES_SAMPLER"), *v;
    double ratio = 1;
    int parent = 0;
    if ((v = getenv("NARRATE_SAMPLE_SLOW_MS")) != NULL && v[0] != '\0') {
        double ms;
        char *end;
        ms = strtod(v, &end);
        if (end == v || *end != '\0' || !(ms >= 0) || ms > 1e9)
            fprintf(stderr, "narrate: NARRATE_SAMPLE_SLOW_MS='%s' is not a number of milliseconds from 0; "
                            "%.0f used\n", v, (double)cfg.slow_ns / 1e6);
        else cfg.slow_ns = (uint64_t)(ms * 1e6);
    }
    if ((v = getenv("NARRATE_SAMPLE_BUFFER")) != NULL && v[0] != '\0') {
        char *end;
        unsigned long long b = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
        if (b == 0 || *end != '\0' || b < 4096)
            fprintf(stderr, "narrate: NARRATE_SAMPLE_BUFFER='%s' is not a number of bytes from 4096; %zu used\n",
                    v, cfg.max_bytes);
        else cfg.max_bytes = (size_t)b;
    }
    if (s != NULL && s[0] != '\0') {
        if (parse_ratio(s, &ratio) != 0) {
            fprintf(stderr, "narrate: NARRATE_SAMPLE='%s' is not a ratio from 0 to 1; sampling off\n", s);
            ratio = 1;
        }
    } else if (o != NULL && o[0] != '\0') {
        const char *arg = getenv("OTEL_TRACES_SAMPLER_ARG");
        double a = 1;
        if (arg != NULL && arg[0] != '\0' && parse_ratio(arg, &a) != 0) {
            fprintf(stderr, "narrate: OTEL_TRACES_SAMPLER_ARG='%s' is not a ratio from 0 to 1; 1 used\n", arg);
            a = 1;
        }
        if (strcasecmp(o, "always_on") == 0) ratio = 1;
        else if (strcasecmp(o, "always_off") == 0) ratio = 0;
        else if (strcasecmp(o, "traceidratio") == 0) ratio = a;
        else if (strcasecmp(o, "parentbased_always_on") == 0) ratio = 1, parent = 1;
        else if (strcasecmp(o, "parentbased_always_off") == 0) ratio = 0, parent = 1;
        else if (strcasecmp(o, "parentbased_traceidratio") == 0) ratio = a, parent = 1;
        else fprintf(stderr, "narrate: OTEL_TRACES_SAMPLER='%s' is not one narrate knows; sampling off\n", o);
    }
    cfg.threshold = threshold_for(ratio);
    cfg.parent_based = parent;
    cfg.on = ratio < 1 || parent;
}

/* The OpenTelemetry ratio rule: the trace id's low 56 bits against the threshold. */
static int id_passes(const uint8_t id[16])
{
    uint64_t r = 0;
    int i;
    for (i = 9; i < 16; i++) r = r << 8 | id[i];
    return r >= __atomic_load_n(&cfg.threshold, __ATOMIC_RELAXED);
}

int narr__sample_id_passes(const uint8_t trace_id[16])
{
    return __atomic_load_n(&cfg.threshold, __ATOMIC_RELAXED) == 0 || id_passes(trace_id);
}

static int head_decision(const narr__ring_full_t *rf)
{
    const narr_context_t *c = rf->nctx ? &rf->ctx[rf->nctx - 1] : NULL;
    if (c != NULL && c->debug) return 1;
    if (c != NULL && __atomic_load_n(&cfg.parent_based, __ATOMIC_RELAXED)) return c->flags & 1;
    if (c != NULL) return id_passes(c->trace_id);
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17; /* xorshift64 */
    return (rng >> 8) >= __atomic_load_n(&cfg.threshold, __ATOMIC_RELAXED);
}

static int count_delivered = 1; /* consumer only: 0 while raw sinks count the events instead */

void narr__sample_count_delivered(int on)
{
    count_delivered = on;
}

int narr__sample_on(void)
{
    return __atomic_load_n(&cfg.on, __ATOMIC_ACQUIRE);
}

static void deliver(const narr_event_t *ev)
{
    narr__sinks_dispatch(ev);
    if (count_delivered) __atomic_fetch_add(&narr__events_delivered, 1, __ATOMIC_RELAXED);
}

/* A context record's values (context.c, record_enter): trace id, span, parent span, flags and
 * debug level, correlation id. */
static int context_parse(const unsigned char *raw, size_t len, narr_context_t *c)
{
    uint64_t fl;
    uint32_t h;
    size_t n;
    memset(c, 0, sizeof *c);
    if (len < 48) return -1;
    memcpy(c->trace_id, raw, 16);
    memcpy(c->span_id, raw + 16, 8);
    memcpy(c->parent_span_id, raw + 24, 8);
    memcpy(&fl, raw + 32, 8);
    c->flags = (uint8_t)fl;
    c->debug = (uint8_t)(fl >> 8);
    memcpy(&h, raw + 40, 4);
    n = (h & NARR__STR_NULL) ? 0 : NARR__STR_LEN(h);
    if (n > len - 48 || n >= sizeof c->correlation_id) n = 0;
    memcpy(c->correlation_id, raw + 48, n);
    return 0;
}

/* Context records travel in the buffer too, so a replay shows each event with its context. */
static void apply_context(narr_context_t *stack, unsigned *n, const narr_site_t *site, const unsigned char *raw,
                          size_t len)
{
    narr_context_t c;
    uint64_t depth;
    if (site->kind == NARR_KIND_CONTEXT_LEAVE) {
        if (len >= 8) { /* the producer's depth after leaving */
            memcpy(&depth, raw, 8);
            if (depth <= *n) *n = (unsigned)depth;
        } else if (*n > 0) {
            (*n)--;
        }
        return;
    }
    if (context_parse(raw, len, &c) != 0) return;
    memcpy(&depth, raw + 32, 8);
    depth = (depth >> 16) & 0xff; /* after entering: what lies below it is depth - 1 entries */
    if (depth >= 1 && depth - 1 < *n) *n = (unsigned)(depth - 1);
    if (*n == NARR__CTX_MAX) { /* deeper than the producer allows: keep the newest on top */
        memmove(stack, stack + 1, (NARR__CTX_MAX - 1) * sizeof *stack);
        (*n)--;
    }
    stack[(*n)++] = c;
}

/* Tells the sinks that follow contexts: ev carries the context entered, or the one left. */
static void context_changed(uint32_t tid, const narr_site_t *site, uint64_t mono, const narr_context_t *stack,
                            unsigned before, unsigned after)
{
    narr_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = (narr_kind_t)site->kind;
    ev.level = NARR_LEVEL_TRACE;
    ev.site = site;
    ev.actor = site->actor;
    ev.action = site->action;
    ev.message = "";
    ev.tid = tid;
    ev.mono_ns = mono;
    ev.ts_ns = narr__clock_mono_to_real(mono);
    if (site->kind == NARR_KIND_CONTEXT && after > 0) ev.context = &stack[after - 1];
    else if (site->kind == NARR_KIND_CONTEXT_LEAVE && before > after) ev.context = &stack[before - 1];
    else return;
    narr__sinks_dispatch(&ev);
}

static void follow_context(narr_context_t *stack, unsigned *n, uint32_t tid, const narr_site_t *site,
                           const unsigned char *raw, size_t len, uint64_t mono)
{
    unsigned before = *n;
    apply_context(stack, n, site, raw, len);
    context_changed(tid, site, mono, stack, before, *n);
}

static void hold(narr__ring_full_t *rf, const narr_site_t *site, const unsigned char *raw, size_t len, uint64_t mono,
                 uint64_t t0_mono)
{
    held_t h;
    size_t before = rf->samp.buf.len;
    static const unsigned char zeros[8];
    memset(&h, 0, sizeof h);
    h.site = site;
    h.mono = mono;
    h.t0_mono = t0_mono;
    h.len = (uint32_t)len;
    narr__buf_put(&rf->samp.buf, &h, sizeof h);
    narr__buf_put(&rf->samp.buf, raw, len);
    narr__buf_put(&rf->samp.buf, zeros, ((len + 7u) & ~(size_t)7u) - len);
    buffered += rf->samp.buf.len - before;
}

/* Delivers (keep) or discards a tree's buffer, and forgets it. */
static void settle(narr__ring_full_t *rf, int keep)
{
    narr_context_t *stack = rf->samp.saved;
    unsigned n = rf->samp.nsaved;
    size_t off = 0;
    uint64_t events = 0;
    while (off + sizeof(held_t) <= rf->samp.buf.len) {
        held_t h;
        const unsigned char *raw;
        memcpy(&h, rf->samp.buf.p + off, sizeof h);
        raw = (const unsigned char *)rf->samp.buf.p + off + sizeof h;
        off += sizeof h + ((h.len + 7u) & ~7u);
        if (h.site->kind >= NARR_KIND_CONTEXT) {
            if (keep) follow_context(stack, &n, rf->tid, h.site, raw, h.len, h.mono);
            continue;
        }
        events++;
        if (!keep || narr__decode(h.site, raw, h.len, &replay_dec) != 0) continue;
        replay_dec.ev.mono_ns = h.mono;
        if (h.t0_mono != 0) narr__decoded_elapsed(&replay_dec, h.t0_mono);
        replay_dec.ev.ts_ns = narr__clock_mono_to_real(h.mono);
        replay_dec.ev.tid = rf->tid;
        replay_dec.ev.raw = raw;
        replay_dec.ev.raw_len = h.len;
        replay_dec.ev.context = n ? &stack[n - 1] : NULL;
        deliver(&replay_dec.ev);
    }
    if (!keep) __atomic_fetch_add(&sampled_out, events, __ATOMIC_RELAXED);
    buffered -= rf->samp.buf.len;
    rf->samp.buf.len = 0;
    if (rf->samp.buf.cap > NARR_CFG_SAMPLE_KEEP_CAP) narr__buf_free(&rf->samp.buf); /* one huge tree */
}

void narr__sample_record(narr__ring_full_t *rf, narr__decoded_t *d, const narr_site_t *site, const unsigned char *raw,
                         size_t len, uint64_t t0_mono)
{
    struct narr__samp *s = &rf->samp;
    int root_exit = 0;
    if (site->kind >= NARR_KIND_CONTEXT) {
        if (s->depth > 0 && !s->passing) { /* sinks hear of it when the tree is settled */
            apply_context(rf->ctx, &rf->nctx, site, raw, len);
            hold(rf, site, raw, len, d->ev.mono_ns, 0);
        } else {
            follow_context(rf->ctx, &rf->nctx, rf->tid, site, raw, len, d->ev.mono_ns);
        }
        return;
    }
    d->ev.context = rf->nctx ? &rf->ctx[rf->nctx - 1] : NULL;
    if (!__atomic_load_n(&cfg.on, __ATOMIC_ACQUIRE) && s->depth == 0) {
        deliver(&d->ev);
        return;
    }
    if (narr__kind_enters(site->kind) && s->depth++ == 0) { /* a root call: a new tree */
        s->head = head_decision(rf);
        s->failed = 0;
        s->passing = 0;
        s->start = d->ev.mono_ns;
        s->nsaved = rf->nctx;
        memcpy(s->saved, rf->ctx, rf->nctx * sizeof *rf->ctx);
    } else if (narr__kind_exits(site->kind) && s->depth > 0) {
        root_exit = --s->depth == 0;
    }
    if (s->depth == 0 && !root_exit) { /* outside any tree */
        deliver(&d->ev);
        return;
    }
    if ((narr__kind_exits(site->kind) && (site->flags & NARR_SITE_ERROR)) || d->ev.level >= NARR_LEVEL_ERROR) s->failed = 1;
    if (s->passing) { /* overflowed: kept as it comes */
        deliver(&d->ev);
        if (root_exit) __atomic_fetch_add(&trees_kept, 1, __ATOMIC_RELAXED);
        return;
    }
    hold(rf, site, raw, len, d->ev.mono_ns, t0_mono);
    if (root_exit) {
        /* (a debug context already made the head decision yes) */
        int keep = s->head || s->failed || d->ev.mono_ns - s->start >= __atomic_load_n(&cfg.slow_ns, __ATOMIC_RELAXED);
        settle(rf, keep);
        __atomic_fetch_add(keep ? &trees_kept : &trees_dropped, 1, __ATOMIC_RELAXED);
    } else if (buffered > cfg.max_bytes) {
        settle(rf, 1);
        s->passing = 1;
        __atomic_fetch_add(&trees_overflowed, 1, __ATOMIC_RELAXED);
    }
}

/* The thread is gone, or narrate stops: an open tree can no longer be judged, so it is kept. */
void narr__sample_release(narr__ring_full_t *rf)
{
    if (rf->samp.buf.len > 0) settle(rf, 1);
    narr__buf_free(&rf->samp.buf);
    rf->samp.depth = 0;
}

void narr_sample_stats_get(narr_sample_stats_t *out)
{
    out->sampled_out = __atomic_load_n(&sampled_out, __ATOMIC_RELAXED);
    out->trees_kept = __atomic_load_n(&trees_kept, __ATOMIC_RELAXED);
    out->trees_dropped = __atomic_load_n(&trees_dropped, __ATOMIC_RELAXED);
    out->trees_overflowed = __atomic_load_n(&trees_overflowed, __ATOMIC_RELAXED);
}
