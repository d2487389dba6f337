/* tools/narrate/reader.c - the binary trace back into events. Values are re-laid in the ring's
 * layout and decoded by the runtime's own decoder, so every command shows exactly what the live
 * sinks showed. */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trace_format.h"

void (*narr_trace_progress)(size_t done, size_t total);
uint64_t narr_trace_progress_after_ns = 1000000000u;

void narr_progress_draw(const char *what, size_t done, size_t total, const char *of)
{
    int pct = total ? (int)((uint64_t)done * 100 / total) : 100, i;
    fprintf(stderr, "\rnarrate: %s [", what);
    for (i = 0; i < 40; i++) fputc(i < pct * 40 / 100 ? '#' : ' ', stderr);
    fprintf(stderr, "] %3d%% of %s%s", pct, of, done == total ? "\n" : "");
}

void narr_progress_step(narr_progress_t *p, size_t done, size_t total)
{
    char of[48];
    if (narr_trace_progress == NULL) return; /* not on a terminal, or NARRATE_PROGRESS=never */
    if (p->started == 0) p->started = narr__mono_ns();
    if (!p->showing && (done == total || narr__mono_ns() - p->started < narr_trace_progress_after_ns)) return;
    p->showing = 1;
    snprintf(of, sizeof of, "%zu events", total);
    narr_progress_draw(p->what, done, total, of);
}

static int get_s(const unsigned char **p, const unsigned char *end, const char **s, size_t *n)
{
    uint64_t len;
    if (narr__get_v(p, end, &len) != 0 || len > (uint64_t)(end - *p)) return -1;
    *s = (const char *)*p;
    *n = (size_t)len;
    *p += len;
    return 0;
}

static char *dup_s(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c != NULL) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static int get_cs(const unsigned char **p, const unsigned char *end, const char **out)
{
    const char *s;
    size_t n;
    if (get_s(p, end, &s, &n) != 0) return -1;
    *out = dup_s(s, n);
    return *out ? 0 : -1;
}

static void free_site(narr_site_t *s)
{
    unsigned k;
    if (s == NULL) return;
    for (k = 0; s->lits && k < s->ntypes; k++) free((void *)s->lits[k]);
    for (k = 0; s->keys && k < s->npre; k++) free((void *)s->keys[k]);
    free((void *)s->keys);
    free((void *)s->lits);
    free((void *)s->types);
    free((void *)s->actor);
    free((void *)s->action);
    free((void *)s->fmt);
    free((void *)s->file);
    free((void *)s->func);
    free(s);
}

/* One site description; the site is complete or freed. */
static narr_site_t *read_site(const unsigned char **pp, const unsigned char *end, uint64_t *id)
{
    const unsigned char *p = *pp;
    uint64_t flags, line, nkeys;
    narr_site_t *s = calloc(1, sizeof *s);
    unsigned char *types;
    const char **lits, **keys;
    unsigned i;
    if (s == NULL) return NULL;
    if (narr__get_v(&p, end, id) != 0 || *id == 0 || *id > 10000000 || end - p < 4) goto bad;
    s->kind = p[0];
    s->level = p[1];
    s->npre = p[2];
    s->ntypes = p[3];
    p += 4;
    if ((size_t)(end - p) < s->ntypes || s->npre > s->ntypes) goto bad;
    s->types = types = malloc(s->ntypes + 1u);
    s->lits = lits = calloc(s->ntypes + 1u, sizeof *lits);
    if (types == NULL || lits == NULL) goto bad;
    memcpy(types, p, s->ntypes);
    p += s->ntypes;
    if (narr__get_v(&p, end, &flags) != 0 || narr__get_v(&p, end, &line) != 0) goto bad;
    s->flags = (uint32_t)flags;
    s->line = (uint32_t)line;
    if (get_cs(&p, end, &s->actor) || get_cs(&p, end, &s->action) || get_cs(&p, end, &s->fmt) ||
        get_cs(&p, end, &s->file) || get_cs(&p, end, &s->func))
        goto bad;
    for (i = 0; i < s->ntypes; i++)
        if (types[i] == NARR__T_LIT && get_cs(&p, end, &lits[i]) != 0) goto bad;
    if (narr__get_v(&p, end, &nkeys) != 0 || nkeys > s->npre) goto bad;
    if (nkeys > 0) {
        s->keys = keys = calloc(s->npre, sizeof *keys); /* freed by npre */
        if (keys == NULL) goto bad;
        for (i = 0; i < nkeys; i++)
            if (get_cs(&p, end, &keys[i]) != 0) goto bad;
        for (; i < s->npre; i++) keys[i] = dup_s("", 0); /* fewer names than values: unnamed */
    }
    s->state = (int32_t)*id;
    s->id = (int32_t)*id;
    *pp = p;
    return s;
bad:
    free_site(s);
    return NULL;
}

static int is_call_site(const narr_site_t *s)
{
    return narr__kind_enters(s->kind) || narr__kind_exits(s->kind);
}

/* The number of the function called name: one per distinct name, so matching an exit to its
 * enter compares numbers, not strings. */
static uint32_t fn_number(narr_trace_t *t, const char *name)
{
    size_t i;
    for (i = t->nfns; i > 0; i--) /* newest first: sites of one function are described together */
        if (strcmp(t->fns[i - 1], name) == 0) return (uint32_t)(i - 1);
    if (t->nfns == t->fns_cap) {
        size_t want = t->fns_cap ? t->fns_cap * 2 : 64;
        char **fresh = realloc(t->fns, want * sizeof *fresh);
        if (fresh == NULL) return UINT32_MAX;
        t->fns = fresh;
        t->fns_cap = want;
    }
    if ((t->fns[t->nfns] = strdup(name)) == NULL) return UINT32_MAX;
    return (uint32_t)t->nfns++;
}

/* How to skip a site's values fast: all of them LEB128 numbers (the common case), or not. */
static int varint_count(const narr_site_t *s, int rawfmt)
{
    int n = 0;
    unsigned i;
    if (s->kind == NARR_KIND_NARRATE) return -1;
    for (i = 0; i < s->ntypes; i++) {
        if (i == s->npre || s->types[i] == NARR__T_LIT) continue;
        if (s->types[i] == NARR__T_F64 || s->types[i] == NARR__T_STR || s->types[i] == NARR__T_ENUM) return -1;
        if (rawfmt && s->types[i] == NARR__T_PTR) return -1;
        n++;
    }
    return n;
}

/* An enter site's "@depth": its value's number (LIT and the format slot not counted), or -1. */
static int depth_at(const narr_site_t *s)
{
    unsigned i, k = 0;
    if (!narr__kind_enters(s->kind) || s->keys == NULL) return -1;
    for (i = 0; i < s->ntypes; i++) {
        if (i == s->npre || s->types[i] == NARR__T_LIT) continue;
        if (i < s->npre && strcmp(s->keys[i], "@depth") == 0) return (int)k;
        k++;
    }
    return -1;
}

static int add_site(narr_trace_t *t, const unsigned char *p, const unsigned char *end)
{
    while (p < end) {
        uint64_t id;
        narr_site_t *s = read_site(&p, end, &id);
        if (s == NULL) return -1;
        if (id >= t->nsites) {
            size_t want = (size_t)id * 2 + 16;
            narr_site_t **fresh = realloc(t->sites, want * sizeof *fresh);
            narr_tsite_t *extra;
            if (fresh != NULL) t->sites = fresh;
            extra = fresh ? realloc(t->tsites, want * sizeof *extra) : NULL;
            if (extra == NULL) {
                free_site(s);
                return -1;
            }
            memset(fresh + t->nsites, 0, (want - t->nsites) * sizeof *fresh);
            memset(extra + t->nsites, 0, (want - t->nsites) * sizeof *extra);
            t->tsites = extra;
            t->nsites = want;
        }
        free_site(t->sites[id]); /* a repeated id: the later description wins */
        t->sites[id] = s;
        t->tsites[id].nvar = varint_count(s, 0);
        t->tsites[id].nvar_raw = varint_count(s, 1);
        t->tsites[id].depth_at = depth_at(s);
        t->tsites[id].fn = is_call_site(s) ? fn_number(t, s->action) : UINT32_MAX;
        if (is_call_site(s) && t->tsites[id].fn == UINT32_MAX) return -1;
    }
    return 0;
}

static int push_event(narr_trace_t *t, size_t *cap, const narr_tevent_t *e)
{
    if (t->nevents == *cap) {
        size_t want = *cap ? *cap * 2 : 4096;
        narr_tevent_t *fresh = realloc(t->events, want * sizeof *fresh);
        if (fresh == NULL) return -1;
        t->events = fresh;
        *cap = want;
    }
    t->events[t->nevents++] = *e;
    return 0;
}

/* Walks one event's compact values: with out NULL only to find where the next event starts,
 * else also re-laying them in the ring's layout into out (what narr__decode reads). -1 when the
 * values are damaged. One walk for both, so finding and decoding can never disagree. */
static int walk_values(const narr_site_t *s, const unsigned char **pp, const unsigned char *end, narr__buf_t *out,
                       int rawfmt)
{
    static const unsigned char zeros[8];
    const unsigned char *p = *pp;
    unsigned i;
    uint64_t v;
    if (s->kind == NARR_KIND_NARRATE) {
        const char *raw;
        size_t n;
        if (get_s(&p, end, &raw, &n) != 0) return -1;
        if (out) narr__buf_put(out, raw, n);
        *pp = p;
        return 0;
    }
    for (i = 0; i < s->ntypes; i++) {
        if (i == s->npre || s->types[i] == NARR__T_LIT) continue;
        switch (s->types[i]) {
        case NARR__T_F64:
            if (end - p < 8) return -1;
            if (out) narr__buf_put(out, p, 8);
            p += 8;
            break;
        case NARR__T_I64:
            if (narr__get_v(&p, end, &v) != 0) return -1;
            v = (uint64_t)narr__unzigzag(v);
            if (out) narr__buf_put(out, &v, 8);
            break;
        case NARR__T_STR: {
            uint32_t h;
            size_t n;
            if (narr__get_v(&p, end, &v) != 0) return -1;
            h = (uint32_t)v;
            n = (h & NARR__STR_NULL) ? 0 : NARR__STR_LEN(h);
            if (n > (size_t)(end - p)) return -1;
            if (out) {
                narr__buf_put(out, &h, 4);
                narr__buf_put(out, zeros, 4);
                narr__buf_put(out, p, n);
                narr__buf_put(out, zeros, ((n + 7u) & ~7u) - n);
            }
            p += n;
            break;
        }
        case NARR__T_ENUM: {
            const char *name;
            size_t n;
            uint64_t a = 0;
            if (narr__get_v(&p, end, &v) != 0 || get_s(&p, end, &name, &n) != 0) return -1;
            if (n > 0 && name[n - 1] != '\0') return -1; /* stored with its NUL: a C string in the image */
            v = (uint64_t)narr__unzigzag(v);
            if (n > 0) a = (uint64_t)(uintptr_t)name;
            if (out) {
                narr__buf_put(out, &v, 8);
                narr__buf_put(out, &a, 8);
            }
            break;
        }
        case NARR__T_PTR:
            if (rawfmt) { /* RAWEVENTS: 8 bytes */
                if (end - p < 8) return -1;
                if (out) narr__buf_put(out, p, 8);
                p += 8;
                break;
            }
            /* fall through */
        default:
            if (narr__get_v(&p, end, &v) != 0) return -1;
            if (out) narr__buf_put(out, &v, 8);
        }
    }
    *pp = p;
    return out != NULL && out->oom ? -1 : 0;
}

/* Steps over one value of the given type in the compact form (an address is 8 bytes when
 * ptr8: RAWEVENTS, else a LEB128 number); -1 when it does not fit before end. */
static int skip_value(unsigned type, int ptr8, const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;
    uint64_t v;
    const char *name;
    size_t n;
    if (type == NARR__T_F64 || (type == NARR__T_PTR && ptr8)) {
        if (end - p < 8) return -1;
        p += 8;
    } else if (type == NARR__T_STR) {
        if (narr__get_v(&p, end, &v) != 0) return -1;
        n = ((uint32_t)v & NARR__STR_NULL) ? 0 : NARR__STR_LEN((uint32_t)v);
        if (n > (size_t)(end - p)) return -1;
        p += n;
    } else if (type == NARR__T_ENUM) {
        if (narr__get_v(&p, end, &v) != 0 || get_s(&p, end, &name, &n) != 0) return -1;
    } else if (narr__get_v(&p, end, &v) != 0) {
        return -1;
    }
    *pp = p;
    return 0;
}

int narr_trace_enter_depth(const narr_trace_t *t, const narr_tevent_t *e, uint64_t *depth)
{
    const narr_site_t *s = e->site < t->nsites ? t->sites[e->site] : NULL;
    const unsigned char *p = e->vals, *end = e->vals + e->vlen;
    int at = s != NULL ? t->tsites[e->site].depth_at : -1, k = 0;
    unsigned i;
    if (at < 0) return -1;
    for (i = 0; i < s->ntypes; i++) {
        if (i == s->npre || s->types[i] == NARR__T_LIT) continue;
        if (k++ == at) return narr__get_v(&p, end, depth);
        if (skip_value(s->types[i], e->rawfmt, &p, end) != 0) return -1;
    }
    return -1;
}

/* Kept, or handed to the visitor. */
narr_tfilter_t narr_trace_filter;

/* --fn: how many calls of the function are open on the thread (events inside them are kept) */
/* The read's state of thread tid, made when new. NULL: no memory. A pointer into the table:
 * good until a thread not seen yet turns up. */
static narr_tstate_t *state_of(narr_trace_t *t, uint32_t tid)
{
    size_t i;
    if (t->statehint < t->nstates && t->states[t->statehint].tid == tid) return &t->states[t->statehint];
    for (i = 0; i < t->nstates && t->states[i].tid != tid; i++) {}
    if (i == t->nstates) {
        narr_tstate_t *fresh = realloc(t->states, (t->nstates + 1) * sizeof *fresh);
        if (fresh == NULL) return NULL;
        t->states = fresh;
        memset(&fresh[t->nstates++], 0, sizeof *fresh);
        fresh[i].tid = tid;
    }
    t->statehint = i;
    return &t->states[i];
}

static int filter_keeps(narr_trace_t *t, const narr_tevent_t *e)
{
    const narr_tfilter_t *f = &narr_trace_filter;
    uint64_t rel = e->mono > t->start_mono ? e->mono - t->start_mono : 0;
    if (f->has_tid && e->tid != f->tid) return 0;
    if (e->site == 0) return 1; /* a thread's losses stay with it */
    if (rel < f->since_ns || (f->until_ns != 0 && rel > f->until_ns)) return 0;
    if (f->fn != NULL) {
        const narr_site_t *s = e->site < t->nsites ? t->sites[e->site] : NULL;
        narr_tstate_t *ts = state_of(t, e->tid);
        uint32_t *open = ts != NULL ? &ts->inside : NULL;
        int mine = s != NULL && (narr__kind_enters(s->kind) || narr__kind_exits(s->kind)) && strcmp(s->action, f->fn) == 0;
        if (open == NULL) return 1;
        if (mine && narr__kind_enters(s->kind)) {
            ++*open;
            return 1;
        }
        if (mine) {
            if (*open == 0) return 0;
            --*open;
            return 1;
        }
        if (*open == 0) return 0;
    }
    if (f->corr != NULL) {
        const narr_event_t *ev = narr_trace_decode(t, e);
        if (ev == NULL || ev->correlation_id == NULL || strcmp(ev->correlation_id, f->corr) != 0) return 0;
    }
    return 1;
}

static int got_event(narr_trace_t *t, size_t *cap, const narr_tevent_t *e)
{
    t->seen++;
    if (narr_trace_filter.on && !filter_keeps(t, e)) {
        t->filtered_out++;
        return 0;
    }
    if (e->mono > t->last_mono) t->last_mono = e->mono;
    return t->visit != NULL ? (t->visit(t, e, t->visit_ctx) != 0 ? -2 : 0) : push_event(t, cap, e);
}

/* Skips n LEB128 numbers: counts the bytes that end one (high bit clear), 8 at a time. */
static int skip_varints(const unsigned char **pp, const unsigned char *end, int n)
{
    const unsigned char *p = *pp;
    while (n > 0 && end - p >= 8) {
        uint64_t w, m;
        memcpy(&w, p, 8); /* little-endian: byte k is bits 8k..8k+7 */
        m = ~w & 0x8080808080808080u;
        for (; m != 0; m &= m - 1)
            if (--n == 0) { /* the last one ends in this word */
                *pp = p + ((unsigned)__builtin_ctzll(m) >> 3) + 1;
                return 0;
            }
        p += 8;
    }
    while (n > 0) {
        if (p == end) return -1;
        n -= !(*p++ & 0x80);
    }
    *pp = p;
    return 0;
}

/* CLOCK_MONOTONIC ns of a raw stamp by the first n CLOCK points: the last one at or below it
 * (the first for a stamp before them all), as the live consumer converted it. */
static uint64_t clock_conv(const narr_trace_t *t, size_t n, uint64_t raw)
{
    const struct narr_tclock *c;
    size_t lo = 0, hi = n;
    if (n == 0 || !t->clock_is_tsc) return raw; /* stamped with CLOCK_MONOTONIC itself */
    if (t->clock[n - 1].raw <= raw) lo = n - 1; /* the usual case: the latest */
    else
        while (lo + 1 < hi) { /* clock[lo].raw <= raw < clock[hi].raw, or lo is the first */
            size_t mid = lo + (hi - lo) / 2;
            if (t->clock[mid].raw <= raw) lo = mid;
            else hi = mid;
        }
    c = &t->clock[lo];
    return narr__raw_to_mono(raw, c->raw, c->mono, c->ns_per_tick);
}

/* CLOCK_MONOTONIC ns of a RAWEVENTS stamp, never before the thread's previous one: what the live
 * consumer computed. */
static uint64_t raw_event_mono(narr_trace_t *t, uint32_t tid, uint64_t raw, narr_tstate_t **last)
{
    uint64_t mono = clock_conv(t, t->nclock, raw);
    if ((*last == NULL || (*last)->tid != tid) && (*last = state_of(t, tid)) == NULL) return mono;
    if (mono < (*last)->raw_mono) mono = (*last)->raw_mono;
    (*last)->raw_mono = mono;
    return mono;
}

/* A context record (runtime/record/context.c): the thread entered a context (its ids, flags with
 * the depth after entering in bits 16+, correlation id) or left one (the depth after leaving).
 * The recorded depth keeps the stack right when a record was lost. Not an event. */
static int context_record(narr_trace_t *t, const narr_site_t *s, const narr_tevent_t *e, const unsigned char *end)
{
    const unsigned char *p = e->vals;
    narr_tstate_t *cs = state_of(t, e->tid);
    uint64_t w[5];
    uint32_t depth;
    t->payload.len = 0;
    if (cs == NULL || walk_values(s, &p, end, &t->payload, e->rawfmt) != 0 || t->payload.oom) return -1;
    if (s->kind == NARR_KIND_CONTEXT_LEAVE) {
        if (t->payload.len < 8) return 0;
        memcpy(w, t->payload.p, 8);
        cs->ctx_depth = w[0] < 32 ? (uint32_t)w[0] : 32;
        return 0;
    }
    if (t->payload.len < 48) return 0;
    memcpy(w, t->payload.p, sizeof w);
    depth = (uint32_t)(w[4] >> 16) & 0xffffu;
    if (depth == 0 || depth > 32) return 0;
    if (t->nctxs == t->ctxcap) {
        size_t want = t->ctxcap ? t->ctxcap * 2 : 16;
        narr_tctx_t *fresh = realloc(t->ctxs, want * sizeof *fresh);
        if (fresh == NULL) return -1;
        t->ctxs = fresh;
        t->ctxcap = want;
    }
    {
        narr_tctx_t *c = &t->ctxs[t->nctxs];
        uint32_t h;
        size_t n;
        memset(c, 0, sizeof *c);
        c->tid = e->tid;
        c->mono = e->mono;
        c->trace_hi = w[0], c->trace_lo = w[1], c->span = w[2], c->parent = w[3];
        memcpy(&h, t->payload.p + 40, 4);
        n = (h & NARR__STR_NULL) ? 0 : NARR__STR_LEN(h);
        if (n > t->payload.len - 48) n = t->payload.len - 48;
        if (n >= sizeof c->corr) n = sizeof c->corr - 1;
        memcpy(c->corr, t->payload.p + 48, n);
    }
    cs->ctx_top[depth - 1] = (uint32_t)t->nctxs++;
    cs->ctx_depth = depth;
    return 0;
}

/* An EVENTS block (stamps in CLOCK_MONOTONIC ns) or, with raw, a RAWEVENTS block (raw stamps,
 * addresses as 8 bytes): one walk for both. */
static int add_events(narr_trace_t *t, size_t *cap, const unsigned char *p, const unsigned char *end, int raw)
{
    uint64_t tid, stamp, count, k;
    narr_tstate_t *last = NULL;
    int rc;
    if (narr__get_v(&p, end, &tid) != 0 || narr__get_v(&p, end, &stamp) != 0 || narr__get_v(&p, end, &count) != 0)
        return -1;
    for (k = 0; k < count; k++) {
        narr_tevent_t e;
        uint64_t site, delta;
        const narr_site_t *s;
        int nvar;
        if (narr__get_v(&p, end, &site) != 0 || narr__get_v(&p, end, &delta) != 0) return -1;
        stamp += delta;
        s = site < t->nsites ? t->sites[site] : NULL;
        if (s == NULL) return -1; /* every site is described before its first event */
        e.raw = raw ? stamp : 0;
        e.clock = raw && t->nclock > 0 && t->clock_is_tsc ? (int32_t)(t->nclock - 1) : -1;
        e.mono = raw ? raw_event_mono(t, (uint32_t)tid, stamp, &last) : stamp;
        e.rawfmt = raw;
        e.tid = (uint32_t)tid;
        e.site = (uint32_t)site;
        e.vals = p;
        e.dropped = 0;
        nvar = raw ? t->tsites[site].nvar_raw : t->tsites[site].nvar;
        if (nvar >= 0 ? skip_varints(&p, end, nvar) : walk_values(s, &p, end, NULL, raw)) return -1;
        e.vlen = (size_t)(p - e.vals);
        e.ctx = 0;
        if (s->kind >= NARR_KIND_CONTEXT) {
            if (context_record(t, s, &e, p) != 0) return -1;
            continue;
        }
        if (t->nctxs > 0) {
            const narr_tstate_t *cs = state_of(t, e.tid);
            e.ctx = cs != NULL && cs->ctx_depth > 0 ? cs->ctx_top[cs->ctx_depth - 1] + 1 : 0;
        }
        if ((rc = got_event(t, cap, &e)) != 0) return rc;
    }
    return p == end ? 0 : -1;
}

/* One value of site s in the compact form, from *pp to out, an address (a PRAWEVENTS
 * prediction, slot q) as RAWEVENTS' 8 bytes. */
static int unpredict_value(unsigned type, const unsigned char **pp, const unsigned char *end, narr__buf_t *out, uint64_t *q)
{
    const unsigned char *from = *pp;
    uint64_t v;
    if (type == NARR__T_PTR) {
        if (narr__get_v(pp, end, &v) != 0) return -1;
        *q += (uint64_t)narr__unzigzag(v);
        narr__buf_put(out, q, 8);
        return 0;
    }
    if (skip_value(type, 0, pp, end) != 0) return -1;
    narr__buf_put(out, from, (size_t)(*pp - from));
    return 0;
}

/* A PRAWEVENTS payload as the RAWEVENTS payload it predicts (addresses as 8 bytes again), into
 * out: the rest of the reader then reads one form. */
static int unpredict_events(narr_trace_t *t, const unsigned char *p, const unsigned char *end, narr__buf_t *out)
{
    uint64_t tid, base, count, k, site, delta;
    uint64_t *pred = t->pred;
    if (pred == NULL && (pred = t->pred = malloc(NARR_TRACE_PRED_SLOTS * sizeof *pred)) == NULL) return -1;
    memset(pred, 0, NARR_TRACE_PRED_SLOTS * sizeof *pred);
    out->len = 0;
    if (narr__get_v(&p, end, &tid) != 0 || narr__get_v(&p, end, &base) != 0 || narr__get_v(&p, end, &count) != 0)
        return -1;
    narr__put_v(out, tid);
    narr__put_v(out, base);
    narr__put_v(out, count);
    for (k = 0; k < count; k++) {
        const narr_site_t *s;
        unsigned i, nv = 0;
        if (narr__get_v(&p, end, &site) != 0 || narr__get_v(&p, end, &delta) != 0) return -1;
        s = site < t->nsites ? t->sites[site] : NULL;
        if (s == NULL) return -1; /* every site is described before its first event */
        narr__put_v(out, site);
        narr__put_v(out, delta);
        if (s->kind == NARR_KIND_NARRATE) {
            const char *raw;
            size_t n;
            if (get_s(&p, end, &raw, &n) != 0) return -1;
            narr__put_v(out, n);
            narr__buf_put(out, raw, n);
            continue;
        }
        for (i = 0; i < s->ntypes; i++) {
            if (i == s->npre || s->types[i] == NARR__T_LIT) continue;
            if (unpredict_value(s->types[i], &p, end, out, &pred[narr__pred_slot((uint32_t)site, nv++)]) != 0) return -1;
        }
    }
    return p == end && !out->oom ? 0 : -1;
}

/* A PRAWEVENTS block: read as RAWEVENTS. Kept events point into its expansion, which lives as
 * long as the trace; a visitor's events only while it runs (one buffer, reused). */
static int add_predicted_events(narr_trace_t *t, size_t *cap, const unsigned char *p, const unsigned char *end)
{
    narr__buf_t *out = &t->unpredicted;
    if (t->visit == NULL) {
        narr__buf_t *fresh = realloc(t->kept, (t->nkept + 1) * sizeof *fresh);
        if (fresh == NULL) return -1;
        t->kept = fresh;
        out = memset(&t->kept[t->nkept++], 0, sizeof *out);
    }
    if (unpredict_events(t, p, end, out) != 0) return -1;
    return add_events(t, cap, (const unsigned char *)out->p, (const unsigned char *)out->p + out->len, 1);
}

narr_trace_t *narr_trace_load(const char *path, char *err, size_t errlen)
{
    return narr_trace_load_visit(path, NULL, NULL, err, errlen);
}

static narr_trace_t *trace_new(unsigned char *image, size_t size, narr_trace_visit_fn visit, void *ctx)
{
    narr_trace_t *t = calloc(1, sizeof *t);
    if (t == NULL) return NULL;
    t->image = image;
    t->size = size;
    t->visit = visit;
    t->visit_ctx = ctx;
    return t;
}

/* Pages of the mapped file the read is done with, [from, to) rounded out to pages, given back:
 * a streaming read's memory stays bounded however large the file (a page read again later is
 * read again from the file, so giving one back too early costs time, never data). */
static int streamed(int indexing, narr_trace_visit_fn visit)
{
    return indexing || visit != NULL; /* visited as read, or indexed and merged */
}

static void release_pages(narr_trace_t *t, size_t from, size_t to)
{
    static size_t pg;
    if (!t->mapped || !streamed(t->indexing, t->visit) || to <= from) return;
    if (pg == 0) pg = (size_t)sysconf(_SC_PAGESIZE);
    from &= ~(pg - 1);
    to = (to + pg - 1) & ~(pg - 1);
    if (to > t->size) to = t->size;
    if (to > from) (void)madvise(t->image + from, to - from, MADV_DONTNEED);
}

static int trace_read(narr_trace_t *t, char *err, size_t errlen);
static narr_trace_t *trace_load(const char *path, narr_trace_visit_fn visit, void *ctx, int indexing, char *err,
                                size_t errlen);

narr_trace_t *narr_trace_load_visit(const char *path, narr_trace_visit_fn visit, void *ctx, char *err, size_t errlen)
{
    return trace_load(path, visit, ctx, 0, err, errlen);
}

narr_trace_t *narr_trace_open(const char *path, char *err, size_t errlen)
{
    return trace_load(path, NULL, NULL, 1, err, errlen);
}

/* A regular file is mapped (no copy); anything else, or a failed mapping, is read into memory. */
static narr_trace_t *trace_load(const char *path, narr_trace_visit_fn visit, void *ctx, int indexing, char *err,
                                size_t errlen)
{
    unsigned char *image = NULL;
    size_t size = 0;
    narr_trace_t *t;
    int fd = open(path, O_RDONLY | O_CLOEXEC), mapped = 0;
    struct stat st;
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        /* a streaming read gives pages back as it goes (release_pages): not populated up front */
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | (streamed(indexing, visit) ? 0 : MAP_POPULATE),
                       fd, 0);
        if (m != MAP_FAILED) {
            image = m;
            size = (size_t)st.st_size;
            mapped = 1;
        }
    }
    if (!mapped) { /* a pipe, a device, or no mapping: read it whole */
        size_t cap = 1 << 16;
        ssize_t got;
        image = malloc(cap);
        while (image != NULL && (got = read(fd, image + size, cap - size)) != 0) {
            if (got < 0) {
                if (errno == EINTR) continue;
                snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
                free(image);
                close(fd);
                return NULL;
            }
            size += (size_t)got;
            if (size == cap) {
                unsigned char *fresh = realloc(image, cap *= 2);
                if (fresh == NULL) free(image);
                image = fresh;
            }
        }
        if (image == NULL) {
            snprintf(err, errlen, "%s: out of memory", path);
            close(fd);
            return NULL;
        }
    }
    close(fd);
    t = trace_new(image, size, visit, ctx);
    if (t == NULL) {
        if (mapped) munmap(image, size);
        else free(image);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    t->mapped = mapped;
    t->indexing = indexing;
    t->current = SIZE_MAX;
    if (trace_read(t, err, errlen) != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "%s: %s", path, why);
        narr_trace_free(t);
        return NULL;
    }
    return t;
}

static narr_trace_t *trace_parse(unsigned char *image, size_t size, narr_trace_visit_fn visit, void *ctx, int indexing,
                                  char *err, size_t errlen);

narr_trace_t *narr_trace_parse(unsigned char *image, size_t size, char *err, size_t errlen)
{
    return trace_parse(image, size, NULL, NULL, 0, err, errlen);
}

narr_trace_t *narr_trace_parse_visit(unsigned char *image, size_t size, narr_trace_visit_fn visit, void *ctx, char *err,
                                     size_t errlen)
{
    return trace_parse(image, size, visit, ctx, 0, err, errlen);
}

narr_trace_t *narr_trace_parse_open(unsigned char *image, size_t size, char *err, size_t errlen)
{
    return trace_parse(image, size, NULL, NULL, 1, err, errlen);
}

static narr_trace_t *trace_parse(unsigned char *image, size_t size, narr_trace_visit_fn visit, void *ctx, int indexing,
                                  char *err, size_t errlen)
{
    narr_trace_t *t = trace_new(image, size, visit, ctx);
    if (t == NULL) {
        free(image);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->indexing = indexing;
    t->current = SIZE_MAX;
    if (trace_read(t, err, errlen) != 0) {
        narr_trace_free(t);
        return NULL;
    }
    return t;
}

static uint32_t block_check(const narr_trace_t *t, const unsigned char *p, size_t n, uint32_t want)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    (void)t, (void)p, (void)n;
    return want; /* the fuzzer's mutations reach the parsers behind the checksum */
#else
    (void)want;
    return t->version == 1 ? narr__fnv1a(p, n) : narr__crc32c(p, n);
#endif
}

/* After damage at off: the next block whose header and checksum hold (found by its magic,
 * proven by its checksum), or SIZE_MAX when none follows. */
static size_t next_good_block(const narr_trace_t *t, size_t off)
{
    size_t p = off + 1;
    while (p + NARR_TRACE_BLOCK_HEADER <= t->size) {
        uint32_t h[4];
        const unsigned char *m = memchr(t->image + p, 'N', t->size - p);
        if (m == NULL) return SIZE_MAX;
        p = (size_t)(m - t->image);
        if (p + NARR_TRACE_BLOCK_HEADER > t->size) return SIZE_MAX;
        memcpy(h, t->image + p, sizeof h);
        if (h[0] == NARR_TRACE_BLOCK_MAGIC && h[2] <= NARR_TRACE_BLOCK_MAX && h[2] <= t->size - p - NARR_TRACE_BLOCK_HEADER &&
            block_check(t, t->image + p + NARR_TRACE_BLOCK_HEADER, h[2], h[3]) == h[3])
            return p;
        p++;
    }
    return SIZE_MAX;
}

/* narr_trace_open: a block of thread tid listed for the merge. */
static int index_item(narr_trace_t *t, uint32_t tid, const narr_titem_t *it)
{
    narr_tstate_t *c = state_of(t, tid);
    if (c == NULL) return -1;
    if (c->nitems == c->icap) {
        size_t want = c->icap ? c->icap * 2 : 16;
        narr_titem_t *fresh = realloc(c->items, want * sizeof *fresh);
        if (fresh == NULL) return -1;
        c->items = fresh;
        c->icap = want;
    }
    c->items[c->nitems++] = *it;
    t->stream_events += it->type == NARR_TB_DROPS || it->type == 0 ? 1 : it->count;
    return 0;
}

/* An events block listed, not read: its thread and count from the start of its payload. */
static int index_events(narr_trace_t *t, uint32_t type, size_t off, uint32_t len)
{
    const unsigned char *p = t->image + off, *end = p + len;
    uint64_t tid, base, count;
    narr_titem_t it;
    if (narr__get_v(&p, end, &tid) != 0 || narr__get_v(&p, end, &base) != 0 || narr__get_v(&p, end, &count) != 0 ||
        tid > UINT32_MAX)
        return -1;
    memset(&it, 0, sizeof it);
    it.off = off;
    it.len = len;
    it.type = type;
    it.nclock = t->nclock;
    it.count = count;
    return index_item(t, (uint32_t)tid, &it);
}

/* The damaged block at off is skipped up to next. When its header and the start of an events
 * payload are still legible (thread, count), its events count as lost on that thread: readers
 * resynchronise its calls as after a drop and say the figures are incomplete. */
static int skip_damage(narr_trace_t *t, size_t *cap, size_t off, size_t next, const char *what)
{
    uint32_t h[4];
    char note[160] = "";
    memcpy(h, t->image + off, sizeof h);
    if (h[0] == NARR_TRACE_BLOCK_MAGIC && (h[1] == NARR_TB_EVENTS || h[1] == NARR_TB_RAWEVENTS || h[1] == NARR_TB_PRAWEVENTS) &&
        h[2] <= next - off - NARR_TRACE_BLOCK_HEADER) {
        const unsigned char *p = t->image + off + NARR_TRACE_BLOCK_HEADER, *end = p + h[2];
        uint64_t tid, base, count;
        if (narr__get_v(&p, end, &tid) == 0 && narr__get_v(&p, end, &base) == 0 && narr__get_v(&p, end, &count) == 0 &&
            tid > 0 && tid <= (1u << 22) && count > 0 && count <= h[2] / 2) {
            narr_tevent_t e;
            memset(&e, 0, sizeof e);
            e.clock = -1;
            e.tid = (uint32_t)tid;
            e.mono = t->last_mono;
            e.dropped = count;
            t->skipped_events += count;
            snprintf(note, sizeof note, " (%llu events of thread %llu)", (unsigned long long)count,
                     (unsigned long long)tid);
            if (t->indexing) { /* merged: placed at the thread's latest event before it */
                narr_titem_t it;
                memset(&it, 0, sizeof it);
                it.off = off;
                it.count = count;
                if (index_item(t, (uint32_t)tid, &it) != 0) return -2;
            } else if (got_event(t, cap, &e) == -2) {
                return -2;
            }
        }
    }
    if (t->skipped_regions++ == 0) {
        snprintf(t->damage, sizeof t->damage, "%s in the block at byte %zu: skipped %zu bytes%s, read on from byte %zu",
                 what, off, next - off, note, next);
        t->damage_first_len = strlen(t->damage);
    } else { /* the first region in full, then how many more */
        snprintf(t->damage + t->damage_first_len, sizeof t->damage - t->damage_first_len,
                 "; and %zu more damaged regions", t->skipped_regions - 1);
    }
    t->skipped_bytes += next - off;
    t->damaged = 1;
    return 0;
}

/* -1 (with err) when the file cannot be used at all; damage is recorded in t. */
static int trace_read(narr_trace_t *t, char *err, size_t errlen)
{
    size_t off, cap = 0;
    uint64_t started = narr__mono_ns();
    int showing = 0;
    uint32_t version;
    if (t->size < NARR_TRACE_HEADER || memcmp(t->image, NARR_TRACE_MAGIC, 8) != 0) {
        snprintf(err, errlen, "not a narrate trace (no NARRTRC1 header)");
        return -1;
    }
    memcpy(&version, t->image + 8, 4);
    if (version < 1 || version > NARR_TRACE_VERSION) {
        snprintf(err, errlen, "trace format version %u (this narrate reads 1 to %u)", (unsigned)version, NARR_TRACE_VERSION);
        return -1;
    }
    t->version = version;
    off = t->bytes_ok = NARR_TRACE_HEADER;
    while (off < t->size) {
        uint32_t hdr[4];
        const unsigned char *payload;
        int bad = 0;
        if (narr_trace_progress != NULL && (t->blocks & 255) == 0 && (showing || narr__mono_ns() - started >= narr_trace_progress_after_ns)) {
            narr_trace_progress(off, t->size);
            showing = 1;
        }
        if (t->size - off < NARR_TRACE_BLOCK_HEADER) {
            snprintf(t->damage, sizeof t->damage, "truncated block header at byte %zu", off);
            t->damaged = 1;
            break;
        }
        memcpy(hdr, t->image + off, sizeof hdr);
        payload = t->image + off + NARR_TRACE_BLOCK_HEADER;
        if (hdr[0] != NARR_TRACE_BLOCK_MAGIC || hdr[2] > NARR_TRACE_BLOCK_MAX || hdr[2] > t->size - off - NARR_TRACE_BLOCK_HEADER ||
            block_check(t, payload, hdr[2], hdr[3]) != hdr[3]) {
            const char *what = hdr[0] != NARR_TRACE_BLOCK_MAGIC ? "no block header"
                             : hdr[2] > NARR_TRACE_BLOCK_MAX || hdr[2] > t->size - off - NARR_TRACE_BLOCK_HEADER ? "a bad length"
                             : "a checksum mismatch";
            size_t next = next_good_block(t, off);
            if (next == SIZE_MAX) { /* nothing good follows: a tail cut short, or damage to the end */
                if (t->skipped_regions == 0)
                    snprintf(t->damage, sizeof t->damage, "%s at byte %zu, and no good block after it", what, off);
                t->damaged = 1;
                break;
            }
            if (skip_damage(t, &cap, off, next, what) == -2) break;
            off = next;
            continue;
        }
        switch (hdr[1]) {
        case NARR_TB_META: {
            const unsigned char *p = payload;
            const char *s;
            size_t n;
            uint64_t pid;
            if (get_s(&p, payload + hdr[2], &s, &n) == 0)
                snprintf(t->program, sizeof t->program, "%.*s", (int)n, s);
            if (p < payload + hdr[2] && narr__get_v(&p, payload + hdr[2], &pid) == 0 && pid <= UINT32_MAX)
                t->pid = (uint32_t)pid;
            break;
        }
        case NARR_TB_THREAD: {
            const unsigned char *p = payload;
            const char *s;
            size_t n, k;
            uint64_t tid;
            if (narr__get_v(&p, payload + hdr[2], &tid) != 0 || tid > UINT32_MAX || get_s(&p, payload + hdr[2], &s, &n) != 0) {
                bad = 1;
                break;
            }
            for (k = 0; k < t->nthreads && t->threads[k].tid != tid; k++) {}
            if (k == t->nthreads) {
                struct narr_tthread *fresh = realloc(t->threads, (k + 1) * sizeof *fresh);
                if (fresh == NULL) {
                    bad = 1;
                    break;
                }
                t->threads = fresh;
                t->threads[k].tid = (uint32_t)tid;
                t->nthreads++;
            }
            snprintf(t->threads[k].name, sizeof t->threads[k].name, "%.*s", (int)(n < 63 ? n : 63), s);
            break;
        }
        case NARR_TB_SITES: bad = add_site(t, payload, payload + hdr[2]); break;
        case NARR_TB_CALIB: {
            const unsigned char *p = payload;
            uint64_t mono, real;
            if (narr__get_v(&p, payload + hdr[2], &mono) != 0 || narr__get_v(&p, payload + hdr[2], &real) != 0) bad = 1;
            else if (t->real_minus_mono == 0) t->real_minus_mono = (int64_t)(real - mono), t->start_mono = mono;
            break;
        }
        case NARR_TB_EVENTS: case NARR_TB_RAWEVENTS: case NARR_TB_PRAWEVENTS:
            if (t->indexing) bad = index_events(t, hdr[1], off + NARR_TRACE_BLOCK_HEADER, hdr[2]);
            else if (hdr[1] == NARR_TB_PRAWEVENTS) bad = add_predicted_events(t, &cap, payload, payload + hdr[2]);
            else bad = add_events(t, &cap, payload, payload + hdr[2], hdr[1] == NARR_TB_RAWEVENTS);
            break;
        case NARR_TB_CLOCK: {
            const unsigned char *p = payload;
            uint64_t tsc, raw, mono, rate;
            struct narr_tclock *fresh;
            if (narr__get_v(&p, payload + hdr[2], &tsc) != 0 || narr__get_v(&p, payload + hdr[2], &raw) != 0 ||
                narr__get_v(&p, payload + hdr[2], &mono) != 0 || narr__get_v(&p, payload + hdr[2], &rate) != 0) {
                bad = 1;
                break;
            }
            fresh = realloc(t->clock, (t->nclock + 1) * sizeof *fresh);
            if (fresh == NULL) {
                bad = 1;
                break;
            }
            t->clock = fresh;
            t->clock[t->nclock].raw = raw;
            t->clock[t->nclock].mono = mono;
            t->clock[t->nclock].ns_per_tick = (double)rate / 4294967296.0;
            if (payload + hdr[2] - p >= 8) memcpy(&t->clock[t->nclock].ns_per_tick, p, 8); /* the exact rate */
            if (!(t->clock[t->nclock].ns_per_tick > 0.0 && t->clock[t->nclock].ns_per_tick < 1e6)) {
                bad = 1; /* no clock runs at that rate: a damaged block */
                break;
            }
            t->nclock++;
            t->clock_is_tsc = tsc != 0;
            break;
        }
        case NARR_TB_DROPS: {
            const unsigned char *p = payload;
            narr_tevent_t e;
            uint64_t tid, mono, count;
            memset(&e, 0, sizeof e);
            e.clock = -1;
            if (narr__get_v(&p, payload + hdr[2], &tid) != 0 || narr__get_v(&p, payload + hdr[2], &mono) != 0 ||
                narr__get_v(&p, payload + hdr[2], &count) != 0) {
                bad = 1;
                break;
            }
            e.tid = (uint32_t)tid;
            e.mono = mono;
            e.dropped = count;
            t->dropped += count;
            if (t->indexing) {
                narr_titem_t it;
                memset(&it, 0, sizeof it);
                it.off = off;
                it.type = NARR_TB_DROPS;
                it.mono = mono;
                it.count = count;
                bad = tid > UINT32_MAX || index_item(t, (uint32_t)tid, &it) != 0;
            } else {
                bad = got_event(t, &cap, &e);
            }
            break;
        }
        case NARR_TB_END: {
            const unsigned char *p = payload;
            uint64_t how = 0;
            (void)narr__get_v(&p, payload + hdr[2], &how);
            t->ended = how == 1 ? 2 : 1;
            break;
        }
        default: break; /* a later version's block: skip it */
        }
        if (bad == -2) break; /* the visitor stopped the read */
        if (bad) {
            snprintf(t->damage, sizeof t->damage, "unreadable contents in the block at byte %zu", off);
            t->damaged = 1;
            break;
        }
        t->blocks++;
        off += NARR_TRACE_BLOCK_HEADER + hdr[2];
        t->bytes_ok += NARR_TRACE_BLOCK_HEADER + hdr[2];
        if (off - t->released >= (16u << 20)) { /* (an indexed read comes back to them when it merges) */
            release_pages(t, t->released, off - NARR_TRACE_BLOCK_HEADER - hdr[2]);
            t->released = off - NARR_TRACE_BLOCK_HEADER - hdr[2];
        }
    }
    if (showing) narr_trace_progress(t->size, t->size);
    if (!t->damaged) t->bytes_ok = t->size;
    return 0;
}

/* narr_trace_open's merge: reads the cursor's next block (its events, or its drop record) when
 * the last one is used up; 0 when the thread has no more. */
static int cursor_fill(narr_trace_t *t, narr_tstate_t *c)
{
    while (c->evat == c->nev) {
        const narr_titem_t *it;
        size_t cap = c->evcap, nclock = t->nclock;
        int rc;
        if (c->at >= 2 && c->items[c->at - 2].type != NARR_TB_DROPS && c->items[c->at - 2].type != 0)
            release_pages(t, c->items[c->at - 2].off, c->items[c->at - 2].off + c->items[c->at - 2].len); /* done with */
        if (c->at == c->nitems) return 0;
        it = &c->items[c->at++];
        t->events = c->ev; /* got_event keeps the block's events here */
        t->nevents = 0;
        if (it->type == NARR_TB_DROPS || it->type == 0) {
            narr_tevent_t e;
            memset(&e, 0, sizeof e);
            e.clock = -1;
            e.tid = c->tid;
            e.mono = it->type == NARR_TB_DROPS ? it->mono : c->last_mono;
            e.dropped = it->count;
            rc = got_event(t, &cap, &e);
            t->stream_done++;
        } else {
            const unsigned char *p = t->image + it->off, *end = p + it->len;
            t->nclock = it->nclock; /* its raw stamps convert by the CLOCK point read before it */
            if (it->type == NARR_TB_PRAWEVENTS) {
                narr__buf_t *out = &c->exp[c->cur ^= 1]; /* the previous block's stays readable */
                rc = unpredict_events(t, p, end, out);
                if (rc == 0)
                    rc = add_events(t, &cap, (const unsigned char *)out->p, (const unsigned char *)out->p + out->len, 1);
            } else {
                rc = add_events(t, &cap, p, end, it->type == NARR_TB_RAWEVENTS);
            }
            t->nclock = nclock;
            t->stream_done += it->count;
        }
        c->ev = t->events;
        c->evcap = cap;
        c->nev = t->nevents;
        c->evat = 0;
        c->off = it->off;
        t->events = NULL;
        t->nevents = 0;
        if (rc != 0) { /* its checksum held but not its contents: the events before the fault stand */
            if (!t->damaged)
                snprintf(t->damage, sizeof t->damage, "unreadable contents in the block at byte %zu",
                         it->off - (it->type == NARR_TB_DROPS || it->type == 0 ? 0 : NARR_TRACE_BLOCK_HEADER));
            t->damaged = 1;
        }
        if (c->nev > 0) c->last_mono = c->ev[c->nev - 1].mono;
    }
    return 1;
}

/* Heap order: the earlier next event first; equal times in file order. */
static int cursor_before(const narr_trace_t *t, size_t a, size_t b)
{
    const narr_tstate_t *x = &t->states[a], *y = &t->states[b];
    uint64_t mx = x->ev[x->evat].mono, my = y->ev[y->evat].mono;
    return mx != my ? mx < my : x->off < y->off;
}

static void heap_down(narr_trace_t *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i, tmp;
        if (l < t->nheap && cursor_before(t, t->heap[l], t->heap[m])) m = l;
        if (l + 1 < t->nheap && cursor_before(t, t->heap[l + 1], t->heap[m])) m = l + 1;
        if (m == i) return;
        tmp = t->heap[i], t->heap[i] = t->heap[m], t->heap[m] = tmp;
        i = m;
    }
}

const narr_tevent_t *narr_trace_next(narr_trace_t *t)
{
    narr_tstate_t *c;
    if (!t->merging) {
        size_t i;
        t->merging = 1;
        free(t->heap);
        t->nheap = 0;
        if ((t->heap = malloc((t->nstates + 1) * sizeof *t->heap)) == NULL) {
            snprintf(t->damage, sizeof t->damage, "out of memory");
            t->damaged = 1;
            return NULL;
        }
        for (i = 0; i < t->nstates; i++)
            if (cursor_fill(t, &t->states[i])) t->heap[t->nheap++] = i;
        for (i = t->nheap / 2; i-- > 0;) heap_down(t, i);
    } else if (t->current != SIZE_MAX) { /* (the root of the heap) */
        c = &t->states[t->current];
        c->evat++;
        if (!cursor_fill(t, c)) t->heap[0] = t->heap[--t->nheap];
        if (t->nheap > 0) heap_down(t, 0);
    }
    t->current = SIZE_MAX;
    if (t->nheap == 0) return NULL;
    t->current = t->heap[0];
    t->returned++;
    c = &t->states[t->current];
    return &c->ev[c->evat];
}

void narr_trace_rewind(narr_trace_t *t)
{
    size_t i;
    for (i = 0; i < t->nstates; i++) { /* the per-thread state of a read starts over */
        narr_tstate_t *ts = &t->states[i];
        ts->at = ts->nev = ts->evat = 0;
        ts->last_mono = ts->raw_mono = 0;
        ts->ctx_depth = ts->inside = 0;
    }
    t->merging = 0;
    t->current = SIZE_MAX;
    t->nheap = 0;
    t->nctxs = 0;
    t->seen = t->filtered_out = t->returned = 0;
    t->stream_done = t->last_mono = 0;
}

static int relay(narr_trace_t *t, const narr_site_t *s, const narr_tevent_t *e)
{
    const unsigned char *p = e->vals;
    t->payload.len = 0;
    return walk_values(s, &p, e->vals + e->vlen, &t->payload, e->rawfmt);
}

const narr_event_t *narr_trace_decode(narr_trace_t *t, const narr_tevent_t *e)
{
    const narr_site_t *s = e->site < t->nsites ? t->sites[e->site] : NULL;
    if (e->site == 0 || s == NULL || relay(t, s, e) != 0) return NULL;
    if (narr__decode(s, (const unsigned char *)t->payload.p, t->payload.len, &t->dec) != 0) return NULL;
    t->dec.ev.mono_ns = e->mono;
    t->dec.ev.ts_ns = narr_trace_real_ns(t, e->mono);
    t->dec.ev.tid = e->tid;
    if (t->dec.t0_raw != 0 && e->rawfmt) { /* RAWEVENTS: stamp - t0 + 1 */
        uint64_t t0 = e->raw - (t->dec.t0_raw - 1);
        narr__decoded_elapsed(&t->dec, e->clock >= 0 ? clock_conv(t, (size_t)e->clock + 1, t0) : t0);
    } else if (t->dec.t0_raw != 0) {
        narr__decoded_elapsed(&t->dec, t->dec.t0_raw);
    }
    return &t->dec.ev;
}

uint64_t narr_trace_raw_to_mono(const narr_trace_t *t, uint64_t raw)
{
    return clock_conv(t, t->nclock, raw);
}

const char *narr_trace_thread_name(const narr_trace_t *t, uint32_t tid)
{
    size_t k;
    for (k = 0; k < t->nthreads; k++)
        if (t->threads[k].tid == tid) return t->threads[k].name;
    return NULL;
}

void narr_trace_free(narr_trace_t *t)
{
    size_t i;
    if (t == NULL) return;
    free(t->threads);
    free(t->clock);
    for (i = 0; i < t->nsites; i++) free_site(t->sites[i]);
    free(t->sites);
    free(t->tsites);
    for (i = 0; i < t->nfns; i++) free(t->fns[i]);
    free(t->fns);
    free(t->events);
    if (t->mapped) munmap(t->image, t->size);
    else free(t->image);
    narr__buf_free(&t->payload);
    free(t->ctxs);
    for (i = 0; i < t->nkept; i++) narr__buf_free(&t->kept[i]);
    free(t->kept);
    narr__buf_free(&t->unpredicted);
    free(t->pred);
    for (i = 0; i < t->nstates; i++) {
        free(t->states[i].items);
        free(t->states[i].ev);
        narr__buf_free(&t->states[i].exp[0]);
        narr__buf_free(&t->states[i].exp[1]);
    }
    free(t->states);
    free(t->heap);
    narr__buf_free(&t->dec.msg);
    narr__buf_free(&t->dec.vals);
    narr__buf_free(&t->dec.cute);
    narr__buf_free(&t->dec.story);
    free(t->dec.kv);
    free(t);
}
