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
