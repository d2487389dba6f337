/* tools/narrate/calls.c - enter/exit pairs matched per thread with a stack. An exit whose
 * function is not on top of its thread's stack closes frames up to the matching one (their
 * exits were lost) or, when there is none, counts as unmatched. */
#include "calls.h"

#include <stdlib.h>
#include <string.h>

typedef struct open_frame {
    uint32_t tid;
    const char *fn;
    uint64_t start, children;
    size_t index; /* slot reserved in calls for its parent links */
} open_frame_t;

static int is_enter(const narr_site_t *s)
{
    return s->kind == NARR_KIND_FN_ENTER || s->kind == NARR_KIND_ENTER;
}

static int is_exit(const narr_site_t *s)
{
    return s->kind == NARR_KIND_FN_EXIT || s->kind == NARR_KIND_EXIT;
}

int narr_calls_build(narr_trace_t *t, narr_calls_t *out)
{
    open_frame_t *st = NULL;
    size_t depth = 0, cap = 0, ccap = 0, i;
    memset(out, 0, sizeof *out);
    for (i = 0; i < t->nevents; i++) {
        const narr_tevent_t *e = &t->events[i];
        const narr_site_t *s = e->site < t->nsites ? t->sites[e->site] : NULL;
        if (e->site == 0 || s == NULL) continue;
        if ((s->kind == NARR_KIND_CORR || s->kind == NARR_KIND_NARRATE) && depth > 0) {
            /* the correlation id belongs to this thread's outermost open call */
            size_t k, root = SIZE_MAX;
            for (k = 0; k < depth; k++)
                if (st[k].tid == e->tid) {
                    root = st[k].index;
                    break;
                }
            if (root != SIZE_MAX && out->v[root].corr == NULL) {
                const narr_event_t *ev = narr_trace_decode(t, e);
                if (ev != NULL && ev->correlation_id != NULL) out->v[root].corr = strdup(ev->correlation_id);
            }
            continue;
        }
        if (is_enter(s)) {
            size_t k, parent = SIZE_MAX;
            int d = 0;
            for (k = depth; k > 0; k--)
                if (st[k - 1].tid == e->tid) {
                    parent = st[k - 1].index;
                    break;
                }
            for (k = 0; k < depth; k++) d += st[k].tid == e->tid;
            if (depth == cap) {
                cap = cap ? cap * 2 : 64;
                st = realloc(st, cap * sizeof *st);
            }
            if (out->n == ccap) {
                ccap = ccap ? ccap * 2 : 1024;
                out->v = realloc(out->v, ccap * sizeof *out->v);
            }
            if (st == NULL || out->v == NULL) return -1;
            memset(&out->v[out->n], 0, sizeof out->v[0]);
            out->v[out->n].fn = s->action;
            out->v[out->n].tid = e->tid;
            out->v[out->n].start = e->mono;
            out->v[out->n].parent = parent;
            out->v[out->n].depth = d;
            out->v[out->n].enter = i;
            out->v[out->n].end = UINT64_MAX; /* open */
            st[depth].tid = e->tid;
            st[depth].fn = s->action;
            st[depth].start = e->mono;
            st[depth].children = 0;
            st[depth].index = out->n++;
            depth++;
        } else if (is_exit(s)) {
            size_t k = depth, match = SIZE_MAX;
            while (k > 0) {
                k--;
                if (st[k].tid != e->tid) continue;
                if (strcmp(st[k].fn, s->action) == 0) {
                    match = k;
                    break;
                }
            }
            if (match == SIZE_MAX) {
                out->unmatched_exit++;
                continue;
            }
            /* frames of this thread above the match never saw their exit */
            for (k = depth; k > match + 1; k--)
                if (st[k - 1].tid == e->tid) out->unmatched_enter++;
            {
                narr_call_t *c = &out->v[st[match].index];
                uint64_t dur = e->mono - st[match].start;
                size_t j;
                c->end = e->mono;
                c->self = dur > st[match].children ? dur - st[match].children : 0;
                c->error = (s->flags & NARR_SITE_ERROR) != 0;
                for (j = match; j > 0; j--)
                    if (st[j - 1].tid == e->tid) {
                        st[j - 1].children += dur;
                        break;
                    }
                /* drop the match and this thread's frames above it */
                for (j = match, k = match + 1; k < depth; k++)
                    if (st[k].tid != e->tid) st[j++] = st[k]; /* other threads' frames stay */
                depth = j;
            }
        }
    }
    for (i = 0; i < depth; i++) out->unmatched_enter++;
    free(st);
    return 0;
}

void narr_calls_free(narr_calls_t *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) free(c->v[i].corr);
    free(c->v);
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
