/* tools/narrate/calls.c - enter/exit pairs matched per thread with a stack. An exit whose
 * function is not on top of its thread's stack closes frames up to the matching one (their
 * exits were lost) or, when there is none, counts as unmatched. Events may be fed as they are
 * read (narr_calls_feed): only the open frames are kept, unless the calls are asked for. */
#include "calls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct narr__frame {
    narr_call_t call;
    uint64_t children; /* time in its traced callees */
    size_t index;      /* its slot in calls->v (keep mode) */
};

void narr_calls_begin(narr_calls_t *c, int keep, narr_call_done_fn done, void *ctx)
{
    memset(c, 0, sizeof *c);
    c->keep = keep;
    c->done = done;
    c->ctx = ctx;
}

/* A frame leaves the stack: complete (exit seen) or not. */
static void finish(narr_calls_t *c, struct narr__frame *f, int complete)
{
    if (complete && c->done != NULL) c->done(&f->call, c->ctx);
    if (c->keep) c->v[f->index] = f->call; /* the slot takes the correlation id */
    else free(f->call.corr);
}

static size_t dirty_at(const narr_calls_t *c, uint32_t tid)
{
    size_t i;
    for (i = 0; i < c->ndirty; i++)
        if (c->dirty[i] == tid) return i;
    return SIZE_MAX;
}

/* Events were lost on a thread: exits among them leave frames open that are not. The recorder
 * wrote each traced call's depth in its enter; the thread's next enter closes the frames above
 * that depth (counted in resynced), so a gap shows as calls cut short, not as deeper nesting. */
static void resync(narr_calls_t *c, narr_trace_t *t, const narr_tevent_t *e)
{
    size_t at = dirty_at(c, e->tid), k, j, open = 0;
    const narr_event_t *ev;
    if (at == SIZE_MAX) return;
    c->dirty[at] = c->dirty[--c->ndirty]; /* this enter decides */
    ev = narr_trace_decode(t, e);
    if (ev == NULL || ev->kind != NARR_KIND_FN_ENTER) return;
    for (k = 0; k < c->depth; k++) open += c->st[k].call.tid == e->tid;
    if (open <= ev->depth) return;
    /* close this thread's innermost (open - depth) frames, keeping other threads' */
    for (j = 0, k = 0; k < c->depth; k++) {
        size_t below = 0, m;
        for (m = 0; m < k; m++) below += c->st[m].call.tid == e->tid;
        if (c->st[k].call.tid == e->tid && below >= ev->depth) {
            c->resynced++;
            finish(c, &c->st[k], 0);
        } else {
            c->st[j++] = c->st[k];
        }
    }
    c->depth = j;
}

static int enter(narr_calls_t *c, narr_trace_t *t, const narr_site_t *s, const narr_tevent_t *e, size_t index)
{
    struct narr__frame *f;
    size_t k, parent = SIZE_MAX;
    int d = 0;
    if (c->ndirty > 0) resync(c, t, e);
    for (k = c->depth; k > 0; k--) /* the thread's innermost open frame, and how many it has */
        if (c->st[k - 1].call.tid == e->tid) {
            if (d++ == 0) parent = c->st[k - 1].index;
        }
    if (c->depth == c->cap) {
        size_t want = c->cap ? c->cap * 2 : 64;
        struct narr__frame *fresh = realloc(c->st, want * sizeof *fresh);
        if (fresh == NULL) return -1;
        c->st = fresh;
        c->cap = want;
    }
    f = &c->st[c->depth];
    memset(f, 0, sizeof *f);
    f->call.fn = s->action;
    f->call.fn_id = t->tsites[e->site].fn;
    f->call.tid = e->tid;
    f->call.start = e->mono;
    f->call.end = UINT64_MAX; /* open */
    f->call.depth = d;
    f->call.enter = index;
    f->call.parent = c->keep ? parent : SIZE_MAX;
    f->index = SIZE_MAX;
    if (c->keep) {
        if (c->n == c->ccap) {
            size_t want = c->ccap ? c->ccap * 2 : 1024;
            narr_call_t *fresh = realloc(c->v, want * sizeof *fresh);
            if (fresh == NULL) return -1;
            c->v = fresh;
            c->ccap = want;
        }
        f->index = c->n;
        c->v[c->n++] = f->call;
    }
    c->depth++;
    return 0;
}

static void leave(narr_calls_t *c, const narr_trace_t *t, const narr_site_t *s, const narr_tevent_t *e)
{
    size_t k = c->depth, match = SIZE_MAX, j;
    uint32_t fn = t->tsites[e->site].fn;
    uint64_t dur;
    struct narr__frame *f;
    while (k > 0) {
        k--;
        if (c->st[k].call.tid == e->tid && c->st[k].call.fn_id == fn) {
            match = k;
            break;
        }
    }
    if (match == SIZE_MAX) {
        c->unmatched_exit++;
        return;
    }
    f = &c->st[match];
    dur = e->mono - f->call.start;
    f->call.end = e->mono;
    f->call.self = dur > f->children ? dur - f->children : 0;
    f->call.error = (s->flags & NARR_SITE_ERROR) != 0;
    f->call.nested = 0;
    for (j = match; j > 0 && !f->call.nested; j--)
        f->call.nested = c->st[j - 1].call.tid == e->tid && c->st[j - 1].call.fn_id == fn;
    for (j = match; j > 0; j--)
        if (c->st[j - 1].call.tid == e->tid) {
            c->st[j - 1].children += dur;
            break;
        }
    /* this thread's frames above the match never saw their exit; other threads' frames stay */
    for (j = match + 1, k = match + 1; k < c->depth; k++) {
        if (c->st[k].call.tid != e->tid) c->st[j++] = c->st[k];
        else {
            c->unmatched_enter++;
            finish(c, &c->st[k], 0);
        }
    }
    finish(c, f, 1);
    if (j > match + 1) memmove(&c->st[match], &c->st[match + 1], (j - match - 1) * sizeof *c->st);
    c->depth = j - 1;
}

int narr_calls_feed(narr_calls_t *c, narr_trace_t *t, const narr_tevent_t *e, size_t index)
{
    const narr_site_t *s = e->site < t->nsites ? t->sites[e->site] : NULL;
    if (e->site == 0 && e->dropped > 0) { /* a drop record: this thread's stack needs checking */
        c->lost += e->dropped;
        if (dirty_at(c, e->tid) == SIZE_MAX) {
            if (c->ndirty == c->dcap) {
                size_t want = c->dcap ? c->dcap * 2 : 8;
                uint32_t *fresh = realloc(c->dirty, want * sizeof *fresh);
                if (fresh == NULL) return -1;
                c->dirty = fresh;
                c->dcap = want;
            }
            c->dirty[c->ndirty++] = e->tid;
        }
        return 0;
    }
    if (e->site == 0 || s == NULL) return 0;
    if (narr__kind_enters(s->kind)) return enter(c, t, s, e, index);
    if (narr__kind_exits(s->kind)) {
        leave(c, t, s, e);
        return 0;
    }
    if ((s->kind == NARR_KIND_CORR || s->kind == NARR_KIND_NARRATE) && c->depth > 0) {
        /* the correlation id belongs to this thread's outermost open call */
        size_t k;
        for (k = 0; k < c->depth && c->st[k].call.tid != e->tid; k++) {}
        if (k < c->depth && c->st[k].call.corr == NULL) {
            const narr_event_t *ev = narr_trace_decode(t, e);
            if (ev != NULL && ev->correlation_id != NULL) c->st[k].call.corr = strdup(ev->correlation_id);
        }
    }
    return 0;
}

void narr_calls_end(narr_calls_t *c)
{
    size_t i;
    for (i = 0; i < c->depth; i++) {
        c->unmatched_enter++;
        finish(c, &c->st[i], 0);
    }
    c->depth = 0;
    free(c->st);
    c->st = NULL;
    free(c->dirty);
    c->dirty = NULL;
    c->ndirty = c->dcap = 0;
}

int narr_calls_build(narr_trace_t *t, narr_calls_t *out)
{
    size_t i;
    narr_calls_begin(out, 1, NULL, NULL);
    for (i = 0; i < t->nevents; i++)
        if (narr_calls_feed(out, t, &t->events[i], i) != 0) {
            narr_calls_end(out);
            narr_calls_free(out);
            return -1;
        }
    narr_calls_end(out);
    return 0;
}

void narr_calls_free(narr_calls_t *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) free(c->v[i].corr);
    free(c->v);
    free(c->st);
    free(c->dirty);
    memset(c, 0, sizeof *c);
}
static int same(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static size_t find_or_add(narr_forest_t *f, uint32_t tid, const char *corr, size_t parent, const char *fn)
{
    size_t i;
    for (i = 0; i < f->n; i++)
        if (f->v[i].tid == tid && same(f->v[i].corr, corr) && f->v[i].parent == parent && strcmp(f->v[i].fn, fn) == 0)
            return i;
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->v = realloc(f->v, f->cap * sizeof *f->v);
        if (f->v == NULL) return SIZE_MAX;
    }
    memset(&f->v[f->n], 0, sizeof f->v[0]);
    f->v[f->n].fn = fn;
    f->v[f->n].tid = tid;
    f->v[f->n].corr = corr;
    f->v[f->n].parent = parent;
    f->v[f->n].depth = parent == SIZE_MAX ? 0 : f->v[parent].depth + 1;
    return f->n++;
}

int narr_forest_build(const narr_calls_t *calls, narr_forest_t *f, narr_forest_by_t by)
{
    size_t *node_of = calloc(calls->n + 1, sizeof *node_of), i;
    const char **corr_of = calloc(calls->n + 1, sizeof *corr_of);
    int rc = 0;
    memset(f, 0, sizeof *f);
    if (node_of == NULL || corr_of == NULL) rc = -1;
    for (i = 0; rc == 0 && i < calls->n; i++) {
        const narr_call_t *c = &calls->v[i];
        size_t parent = c->parent == SIZE_MAX ? SIZE_MAX : node_of[c->parent], n;
        corr_of[i] = c->parent == SIZE_MAX ? c->corr : corr_of[c->parent];
        if (by == NARR_FOREST_CORRELATION && corr_of[i] == NULL) {
            node_of[i] = SIZE_MAX; /* and so its callees */
            continue;
        }
        n = find_or_add(f, by == NARR_FOREST_THREAD ? c->tid : 0, by == NARR_FOREST_CORRELATION ? corr_of[i] : NULL,
                        parent, c->fn);
        if (n == SIZE_MAX) {
            rc = -1;
            break;
        }
        node_of[i] = n;
        if (c->end == UINT64_MAX) continue; /* never exited: shown without time */
        f->v[n].calls++;
        f->v[n].total += c->end - c->start;
        f->v[n].self += c->self;
        f->v[n].errors += (uint64_t)c->error;
    }
    free(node_of);
    free(corr_of);
    return rc;
}

void narr_forest_free(narr_forest_t *f)
{
    free(f->v);
    memset(f, 0, sizeof *f);
}

const char *narr_safe(const char *s, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p;
    size_t n = 0;
    for (p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) break;
    if (*p == '\0' || cap < 8) return s;
    for (p = (const unsigned char *)s; *p && n + 5 < cap; p++) {
        unsigned c = *p;
        if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) c = *++p; /* a C1 control, as its code */
        else if (c >= 0x20 && c != 0x7f) {
            buf[n++] = (char)c;
            continue;
        }
        buf[n++] = '\\';
        buf[n++] = 'x';
        buf[n++] = hex[c >> 4];
        buf[n++] = hex[c & 15];
    }
    buf[n] = '\0';
    return buf;
}

void narr_calls_say_incomplete(const narr_calls_t *c, const narr_trace_t *t, const char *consequence)
{
    uint64_t damaged = t->skipped_events < c->lost ? t->skipped_events : c->lost;
    if (c->lost > 0 && damaged == 0)
        printf("incomplete: %llu events were lost while recording; %s\n", (unsigned long long)c->lost, consequence);
    else if (c->lost > 0)
        printf("incomplete: %llu events were lost (%llu while recording, %llu in damaged blocks of the file); %s\n",
               (unsigned long long)c->lost, (unsigned long long)(c->lost - damaged), (unsigned long long)damaged,
               consequence);
    if (t->skipped_regions > 0 && t->skipped_events == 0)
        printf("incomplete: %zu bytes of the file were damaged and skipped; what they held is missing\n",
               t->skipped_bytes);
}
