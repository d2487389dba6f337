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
    int closed;        /* taken off the stack at the next compaction */
    uint64_t losses;   /* drop records seen on its thread when it began */
    uint64_t children; /* time in its traced callees */
    size_t index;      /* its slot in calls->v (keep mode) */
    size_t node, rnode; /* streaming forests: its node in the thread's forest and in its root's */
    narr_tevent_t ev;    /* keep_enters: its enter event, its values copied into vals (its own) */
    unsigned char *vals;
};

/* a thread's open root call's own subtree (merged into the correlation forest when it ends) */
struct narr__rootf {
    uint32_t tid;
    narr_forest_t f;
};

static size_t forest_add(narr_forest_t *f, uint32_t tid, const char *corr, size_t parent, const char *fn, uint32_t fn_id);
static void root_done(narr_calls_t *c, struct narr__frame *f);

/* Each open root call's subtree is built (its own forest, per thread) for the correlation forest
 * or for root_fn. */
static int roots_on(const narr_calls_t *c)
{
    return c->corr_forest != NULL || c->root_fn != NULL;
}

size_t narr_calls_open_node(const narr_calls_t *c, uint32_t tid)
{
    size_t k = c->depth;
    while (k > 0)
        if (c->st[--k].call.tid == tid) return c->st[k].rnode;
    return SIZE_MAX;
}

void narr_calls_begin(narr_calls_t *c, int keep, narr_call_done_fn done, void *ctx)
{
    memset(c, 0, sizeof *c);
    c->keep = keep;
    c->done = done;
    c->ctx = ctx;
}

static narr_forest_t *root_forest(narr_calls_t *c, uint32_t tid)
{
    size_t i;
    struct narr__rootf *fresh;
    for (i = 0; i < c->nroots; i++)
        if (c->roots[i].tid == tid) return &c->roots[i].f;
    fresh = realloc(c->roots, (c->nroots + 1) * sizeof *fresh);
    if (fresh == NULL) return NULL;
    c->roots = fresh;
    memset(&fresh[c->nroots], 0, sizeof fresh[0]);
    fresh[c->nroots].tid = tid;
    return &fresh[c->nroots++].f;
}

static void node_count(narr_forest_t *f, size_t n, const narr_call_t *call)
{
    if (f == NULL || n == SIZE_MAX) return;
    f->v[n].calls++;
    f->v[n].total += call->end - call->start;
    f->v[n].self += call->self;
    f->v[n].errors += (uint64_t)call->error;
}

/* A frame leaves the stack: complete (exit seen) or not. */
static void finish(narr_calls_t *c, struct narr__frame *f, int complete)
{
    if (complete && c->forest != NULL) node_count(c->forest, f->node, &f->call);
    if (complete && roots_on(c)) node_count(root_forest(c, f->call.tid), f->rnode, &f->call);
    if (roots_on(c) && f->call.depth == 0) root_done(c, f);
    f->call.enter_ev = f->vals != NULL || f->ev.vlen == 0 ? &f->ev : NULL;
    if (complete && c->done != NULL) c->done(&f->call, c->ctx);
    if (!complete && f->call.cut && c->on_cut != NULL) c->on_cut(&f->call, c->ctx);
    f->call.enter_ev = NULL;
    free(f->vals);
    f->vals = NULL;
    if (c->keep) c->v[f->index] = f->call; /* the slot takes the correlation id */
    else free(f->call.corr);
}

/* The thread's entry: drop records seen so far (a frame opened before the latest one may have
 * lost its exit in it) and its latest event's time. NULL: no memory. */
static struct narr__tloss *thread_of(narr_calls_t *c, uint32_t tid)
{
    size_t i;
    if (c->tlhint < c->ntloss && c->tloss[c->tlhint].tid == tid) return &c->tloss[c->tlhint];
    for (i = 0; i < c->ntloss && c->tloss[i].tid != tid; i++) {}
    if (i == c->ntloss) {
        if (c->ntloss == c->tlcap) {
            size_t want = c->tlcap ? c->tlcap * 2 : 8;
            struct narr__tloss *fresh = realloc(c->tloss, want * sizeof *fresh);
            if (fresh == NULL) return NULL;
            c->tloss = fresh;
            c->tlcap = want;
        }
        memset(&c->tloss[c->ntloss++], 0, sizeof *c->tloss);
        c->tloss[i].tid = tid;
    }
    c->tlhint = i;
    return &c->tloss[i];
}

static uint64_t losses_of(narr_calls_t *c, uint32_t tid)
{
    struct narr__tloss *th = c->ntloss > 0 ? thread_of(c, tid) : NULL;
    return th != NULL ? th->n : 0;
}

/* The thread's innermost open frame below stack index k (SIZE_MAX: none). */
static size_t frame_below(const narr_calls_t *c, size_t k, uint32_t tid)
{
    while (k > 0)
        if (c->st[--k].call.tid == tid) return k;
    return SIZE_MAX;
}

/* A frame whose exit will never come. When events were lost on its thread while it was open,
 * its exit may have been among them: it is cut short, not counted. Otherwise its thread left it
 * without an exit (a longjmp): it ends at `at`, where the thread went on, and counts as an
 * unwound call; or (at_end) the trace ended first: it counts up to its thread's latest event. */
static void close_frame(narr_calls_t *c, size_t k, uint64_t at, int at_end)
{
    struct narr__frame *f = &c->st[k];
    size_t below = frame_below(c, k, f->call.tid), j;
    uint64_t dur;
    f->closed = 1;
    if (losses_of(c, f->call.tid) != f->losses) {
        f->call.cut = 1;
        c->resynced++;
        /* not counted: its callees' time is its caller's callees' time (they show under it) */
        if (below != SIZE_MAX) c->st[below].children += f->children;
        finish(c, f, 0);
        return;
    }
    if (at_end) {
        c->unmatched_enter++;
        f->call.open_end = 1;
    } else {
        c->unwound++;
        f->call.unwound = 1;
    }
    dur = at > f->call.start ? at - f->call.start : 0;
    f->call.end = at;
    f->call.self = dur > f->children ? dur - f->children : 0;
    for (j = below; j != SIZE_MAX && !f->call.nested; j = frame_below(c, j, f->call.tid))
        f->call.nested = c->st[j].call.fn_id == f->call.fn_id;
    if (below != SIZE_MAX) c->st[below].children += dur;
    finish(c, f, 1);
}

/* Closes the thread's frames above stack index `keep` (exclusive; SIZE_MAX: all of them)
 * innermost first, then takes the closed frames off the stack. */
static void close_above(narr_calls_t *c, uint32_t tid, size_t keep, size_t n, uint64_t at)
{
    size_t k, j;
    for (k = c->depth; k > 0 && n > 0; k--)
        if (c->st[k - 1].call.tid == tid && (keep == SIZE_MAX || k - 1 > keep)) {
            close_frame(c, k - 1, at, 0);
            n--;
        }
    for (j = 0, k = 0; k < c->depth; k++)
        if (!c->st[k].closed) c->st[j++] = c->st[k];
    c->depth = j;
}

/* Every enter carries the depth the recorder counted (traced calls open on its thread). Frames
 * of the thread above that depth were left without their exit: cut short when events were lost
 * while they were open (counted in resynced: a gap shows as calls cut short, not as deeper
 * nesting), else unwound (longjmp) and closed where the thread went on. */
static void settle(narr_calls_t *c, narr_trace_t *t, const narr_tevent_t *e)
{
    size_t k, open = 0;
    uint64_t depth;
    if (c->depth == 0 || narr_trace_enter_depth(t, e, &depth) != 0) return;
    for (k = 0; k < c->depth; k++) open += c->st[k].call.tid == e->tid;
    if (open > depth) close_above(c, e->tid, SIZE_MAX, open - (size_t)depth, e->mono);
}

static int enter(narr_calls_t *c, narr_trace_t *t, const narr_site_t *s, const narr_tevent_t *e, size_t index)
{
    struct narr__frame *f;
    size_t k, parent = SIZE_MAX, parent_enter = SIZE_MAX, root = SIZE_MAX;
    int d = 0;
    size_t pnode = SIZE_MAX, prnode = SIZE_MAX;
    settle(c, t, e);
    for (k = c->depth; k > 0; k--) /* the thread's innermost open frame, and how many it has */
        if (c->st[k - 1].call.tid == e->tid) {
            if (d++ == 0) {
                parent = c->st[k - 1].index, pnode = c->st[k - 1].node, prnode = c->st[k - 1].rnode;
                parent_enter = c->st[k - 1].call.enter;
            }
            root = k - 1; /* (the outermost, in the end) */
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
    f->call.ctx = e->ctx;
    f->losses = c->ntloss > 0 ? losses_of(c, e->tid) : 0;
    f->call.start = e->mono;
    f->call.end = UINT64_MAX; /* open */
    f->call.depth = d;
    f->call.enter = index;
    f->call.parent = c->keep ? parent : SIZE_MAX;
    f->call.parent_enter = parent_enter;
    f->call.root_enter = root == SIZE_MAX ? index : c->st[root].call.root_enter;
    f->call.root_start = root == SIZE_MAX ? e->mono : c->st[root].call.root_start;
    f->call.root_ctx = root == SIZE_MAX ? e->ctx : c->st[root].call.root_ctx;
    if (c->keep_enters) {
        f->ev = *e;
        if (e->vlen > 0) {
            if ((f->vals = malloc(e->vlen)) == NULL) return -1;
            memcpy(f->vals, e->vals, e->vlen);
            f->ev.vals = f->vals;
        }
    }
    f->index = SIZE_MAX;
    f->node = f->rnode = SIZE_MAX;
    if (c->forest != NULL) {
        f->node = forest_add(c->forest, c->forest_all ? 0 : e->tid, NULL, d == 0 ? SIZE_MAX : pnode, s->action, f->call.fn_id);
        if (f->node == SIZE_MAX) c->forest_oom = 1;
    }
    if (roots_on(c)) {
        narr_forest_t *rf = root_forest(c, e->tid);
        f->rnode = rf == NULL ? SIZE_MAX : forest_add(rf, 0, NULL, d == 0 ? SIZE_MAX : prnode, s->action, f->call.fn_id);
        if (f->rnode == SIZE_MAX) c->forest_oom = 1;
    }
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
    /* this thread's frames above the match never saw their exit (a longjmp past them, or a loss);
     * other threads' frames stay */
    if (frame_below(c, c->depth, e->tid) != match) {
        close_above(c, e->tid, match, SIZE_MAX, e->mono);
        for (match = c->depth; match > 0 && c->st[match - 1].call.tid != e->tid; match--) {}
        match--; /* the same frame, now the thread's innermost */
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
    finish(c, f, 1);
    f->closed = 1;
    for (j = 0, k = 0; k < c->depth; k++)
        if (!c->st[k].closed) c->st[j++] = c->st[k];
    c->depth = j;
}

/* "narrate throttled" (runtime/consume/throttle.c): its target is the function switched off. */
static int note_throttled(narr_calls_t *c, narr_trace_t *t, const narr_tevent_t *e)
{
    const narr_event_t *ev = narr_trace_decode(t, e);
    char *name;
    if (ev == NULL || ev->target == NULL || narr_calls_throttled(c, ev->target)) return 0;
    if (c->nthrottled == c->thcap) {
        size_t want = c->thcap ? c->thcap * 2 : 16;
        char **fresh = realloc(c->throttled, want * sizeof *fresh);
        if (fresh == NULL) return -1;
        c->throttled = fresh;
        c->thcap = want;
    }
    if ((name = strdup(ev->target)) == NULL) return -1;
    c->throttled[c->nthrottled++] = name;
    return 0;
}

int narr_calls_throttled(const narr_calls_t *c, const char *fn)
{
    size_t i;
    for (i = 0; i < c->nthrottled; i++)
        if (strcmp(c->throttled[i], fn) == 0) return 1;
    return 0;
}

int narr_calls_feed(narr_calls_t *c, narr_trace_t *t, const narr_tevent_t *e, size_t index)
{
    const narr_site_t *s = e->site < t->nsites ? t->sites[e->site] : NULL;
    struct narr__tloss *th = thread_of(c, e->tid);
    if (th == NULL) return -1;
    if (e->mono > th->last) th->last = e->mono;
    if (e->site == 0 && e->dropped > 0) { /* a drop record: this thread's stack needs checking */
        c->lost += e->dropped;
        th->n++;
        return 0;
    }
    if (e->site == 0 || s == NULL) return 0;
    if (narr__kind_enters(s->kind)) return enter(c, t, s, e, index);
    if (s->kind == NARR_KIND_LOG && s->actor != NULL && s->action != NULL && strcmp(s->actor, "narrate") == 0 &&
        strcmp(s->action, "throttled") == 0)
        return note_throttled(c, t, e);
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
    for (i = c->depth; i > 0; i--) { /* innermost first: a root's subtree is whole when it ends */
        struct narr__tloss *th = thread_of(c, c->st[i - 1].call.tid);
        close_frame(c, i - 1, th != NULL ? th->last : c->st[i - 1].call.start, 1);
    }
    for (i = 0; i < c->nroots; i++) narr_forest_free(&c->roots[i].f);
    free(c->roots);
    c->roots = NULL;
    c->nroots = 0;
    c->depth = 0;
    free(c->st);
    c->st = NULL;
    free(c->tloss);
    c->tloss = NULL;
    c->ntloss = c->tlcap = 0;
}

void narr_calls_free(narr_calls_t *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) free(c->v[i].corr);
    for (i = 0; i < c->nthrottled; i++) free(c->throttled[i]);
    free(c->throttled);
    free(c->v);
    free(c->st);
    free(c->tloss);
    memset(c, 0, sizeof *c);
}
static int same(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static uint64_t node_hash(uint32_t tid, const char *corr, size_t parent, uint32_t fn_id)
{
    uint64_t h = 1469598103934665603ull ^ tid;
    h = (h ^ (uint64_t)parent) * 1099511628211ull;
    h = (h ^ fn_id) * 1099511628211ull;
    for (; corr != NULL && *corr; corr++) h = (h ^ (unsigned char)*corr) * 1099511628211ull;
    return h ^ (h >> 29);
}

static int index_grow(narr_forest_t *f)
{
    size_t want = f->icap ? f->icap * 2 : 256, i;
    size_t *fresh = malloc(want * sizeof *fresh);
    if (fresh == NULL) return -1;
    for (i = 0; i < want; i++) fresh[i] = SIZE_MAX;
    for (i = 0; i < f->n; i++) {
        size_t at = node_hash(f->v[i].tid, f->v[i].corr, f->v[i].parent, f->v[i].fn_id) & (want - 1);
        while (fresh[at] != SIZE_MAX) at = (at + 1) & (want - 1);
        fresh[at] = i;
    }
    free(f->index);
    f->index = fresh;
    f->icap = want;
    return 0;
}

/* The node of (thread, correlation, parent, function), made when new; SIZE_MAX when memory is
 * short. Functions are told apart by the reader's number for their name. */
static size_t forest_add(narr_forest_t *f, uint32_t tid, const char *corr, size_t parent, const char *fn, uint32_t fn_id)
{
    size_t at;
    if ((f->n + 1) * 2 > f->icap && index_grow(f) != 0) return SIZE_MAX;
    at = node_hash(tid, corr, parent, fn_id) & (f->icap - 1);
    for (; f->index[at] != SIZE_MAX; at = (at + 1) & (f->icap - 1)) {
        const narr_node_t *v = &f->v[f->index[at]];
        if (v->tid == tid && v->parent == parent && v->fn_id == fn_id && same(v->corr, corr)) return f->index[at];
    }
    if (f->n == f->cap) {
        size_t want = f->cap ? f->cap * 2 : 64;
        narr_node_t *fresh = realloc(f->v, want * sizeof *fresh);
        if (fresh == NULL) return SIZE_MAX;
        f->v = fresh;
        f->cap = want;
    }
    if (f->owns_corr && corr != NULL && (corr = strdup(corr)) == NULL) return SIZE_MAX;
    memset(&f->v[f->n], 0, sizeof f->v[0]);
    f->v[f->n].fn = fn;
    f->v[f->n].fn_id = fn_id;
    f->v[f->n].tid = tid;
    f->v[f->n].corr = corr;
    f->v[f->n].parent = parent;
    f->v[f->n].depth = parent == SIZE_MAX ? 0 : f->v[parent].depth + 1;
    f->index[at] = f->n;
    return f->n++;
}

size_t narr_forest_add(narr_forest_t *f, uint32_t tid, size_t parent, const char *fn, uint32_t fn_id)
{
    return forest_add(f, tid, NULL, parent, fn, fn_id);
}

void narr_forest_count(narr_forest_t *f, size_t node, const narr_call_t *call)
{
    node_count(f, node, call);
}

/* A root call ended: its subtree joins the correlation forest under its correlation id (roots
 * without one are left out, as narr_forest_build leaves them), and the thread starts afresh. */
static void root_done(narr_calls_t *c, struct narr__frame *f)
{
    narr_forest_t *rf = root_forest(c, f->call.tid);
    size_t i, *map;
    if (rf == NULL) return;
    if (c->root_fn != NULL) c->root_fn(&f->call, rf, c->ctx);
    if (c->corr_forest != NULL && f->call.corr != NULL && rf->n > 0 && (map = malloc(rf->n * sizeof *map)) != NULL) {
        for (i = 0; i < rf->n; i++) { /* parents come before their children */
            const narr_node_t *v = &rf->v[i];
            size_t parent = v->parent == SIZE_MAX ? SIZE_MAX : map[v->parent];
            map[i] = parent == SIZE_MAX && v->parent != SIZE_MAX ? SIZE_MAX
                   : forest_add(c->corr_forest, 0, f->call.corr, parent, v->fn, v->fn_id);
            if (map[i] == SIZE_MAX) {
                c->forest_oom = 1;
                continue;
            }
            if (v->parent == SIZE_MAX && (c->corr_forest->v[map[i]].first == 0 || f->call.start < c->corr_forest->v[map[i]].first))
                c->corr_forest->v[map[i]].first = f->call.start;
            c->corr_forest->v[map[i]].calls += v->calls;
            c->corr_forest->v[map[i]].total += v->total;
            c->corr_forest->v[map[i]].self += v->self;
            c->corr_forest->v[map[i]].errors += v->errors;
        }
        free(map);
    }
    narr_forest_free(rf);
}

void narr_calls_stream_forests(narr_calls_t *c, narr_forest_t *by_thread, narr_forest_t *by_corr)
{
    c->forest = by_thread;
    c->corr_forest = by_corr;
    if (by_thread != NULL) memset(by_thread, 0, sizeof *by_thread);
    if (by_corr != NULL) {
        memset(by_corr, 0, sizeof *by_corr);
        by_corr->owns_corr = 1;
    }
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
        n = forest_add(f, by == NARR_FOREST_THREAD ? c->tid : 0, by == NARR_FOREST_CORRELATION ? corr_of[i] : NULL,
                        parent, c->fn, c->fn_id);
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
    size_t i;
    int owns = f->owns_corr;
    for (i = 0; owns && i < f->n; i++) free((void *)f->v[i].corr);
    free(f->v);
    free(f->index);
    memset(f, 0, sizeof *f);
    f->owns_corr = owns;
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

void narr_calls_say_unmatched(const narr_calls_t *c, const char *prefix)
{
    if (c->unwound)
        printf("(%s%zu calls left without an exit, by a longjmp past them, are counted up to where their thread went on)\n",
               prefix, c->unwound);
    if (c->unmatched_enter)
        printf("(%s%zu calls still open when the trace ended are counted up to their thread's last event)\n", prefix,
               c->unmatched_enter);
    if (c->unmatched_exit) printf("(%s%zu exits without an enter are not counted)\n", prefix, c->unmatched_exit);
    if (c->nthrottled)
        printf("(%s%zu functions traced by whole-project tracing were switched off once their calls averaged under "
               "NARRATE_MIN_DURATION: only their calls before it are here; stats marks them *)\n", prefix,
               c->nthrottled);
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

const char *narr_duration(char *out, size_t cap, uint64_t ns)
{
    if (ns < 1000) snprintf(out, cap, "%llu ns", (unsigned long long)ns);
    else if (ns < 1000000) snprintf(out, cap, "%.3f us", (double)ns / 1e3);
    else if (ns < 1000000000) snprintf(out, cap, "%.3f ms", (double)ns / 1e6);
    else snprintf(out, cap, "%.3f s", (double)ns / 1e9);
    return out;
}

int narr_calls_visit(narr_trace_t *t, const narr_tevent_t *e, void *ctx)
{
    narr_calls_t *c = ctx;
    return narr_calls_feed(c, t, e, t->seen - 1) != 0 || c->forest_oom;
}
