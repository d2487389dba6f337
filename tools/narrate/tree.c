/* tools/narrate/tree.c - narrate tree: per thread, the call tree with identical paths merged,
 * each node with its calls, total and self time:
 *   dispatch_job (3 calls, total 12.514 ms, self 0.031 ms)
 *   └── select_worker (3 calls, total 0.002 ms, self 0.002 ms) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"


static void print_node(const narr_forest_t *f, size_t i, const char *prefix, int last, int root, int max_depth)
{
    size_t k, nkids = 0, seen = 0, hidden = 0;
    char next[512], safe[1024], a[32], b[32];
    if (root) printf("%s", "");
    else printf("%s%s", prefix, last ? "\u2514\u2500\u2500 " : "\u251c\u2500\u2500 ");
    printf("%s (%llu call%s, total %s, self %s%s)\n", narr_safe(f->v[i].fn, safe, sizeof safe), (unsigned long long)f->v[i].calls,
           f->v[i].calls == 1 ? "" : "s", narr_duration(a, sizeof a, f->v[i].total), narr_duration(b, sizeof b, f->v[i].self),
           f->v[i].errors ? ", errors" : "");
    snprintf(next, sizeof next, "%s%s", prefix, root ? "" : last ? "    " : "\u2502   ");
    for (k = 0; k < f->n; k++) nkids += f->v[k].parent == i;
    if (max_depth > 0 && f->v[i].depth + 1 >= max_depth) { /* --depth: say what is below, not show it */
        hidden = nkids;
        nkids = 0;
    }
    for (k = 0; k < f->n && nkids > 0; k++)
        if (f->v[k].parent == i) print_node(f, k, next, ++seen == nkids, 0, max_depth);
    if (hidden > 0) printf("%s\u2514\u2500\u2500 ... (%zu callee%s below --depth)\n", next, hidden, hidden == 1 ? "" : "s");
}

narr_trace_t *narrate_load(const char *path, narr_trace_visit_fn visit, void *ctx);

static const narr_forest_t *by_first_forest;

static int by_first(const void *a, const void *b)
{
    const narr_node_t *x = &by_first_forest->v[*(const size_t *)a], *y = &by_first_forest->v[*(const size_t *)b];
    if (x->first != y->first) return x->first < y->first ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Streams the file: memory for the open calls and the distinct call paths, not the events. */
int narrate_tree(const char *path, int max_depth)
{
    char safe[1024];
    narr_calls_t calls;
    narr_forest_t f, byc;
    narr_trace_t *t;
    size_t i;
    uint32_t last_tid = 0;
    const char *last_corr = NULL;
    int rc;
    narr_calls_begin(&calls, 0, NULL, NULL);
    narr_calls_stream_forests(&calls, &f, &byc);
    t = narrate_load(path, narr_calls_visit, &calls);
    narr_calls_end(&calls);
    if (t == NULL || calls.forest_oom) {
        if (calls.forest_oom) fprintf(stderr, "narrate tree: out of memory\n");
        narr_forest_free(&f);
        narr_forest_free(&byc);
        narr_calls_free(&calls);
        narr_trace_free(t);
        return 1;
    }
    for (i = 0; i < f.n; i++) {
        if (f.v[i].parent != SIZE_MAX) continue;
        if (f.v[i].tid != last_tid) printf("%sthread %u\n", last_tid ? "\n" : "", f.v[i].tid);
        last_tid = f.v[i].tid;
        print_node(&f, i, "", 1, 1, max_depth);
    }
    { /* correlation roots in the order their first calls began */
        size_t *roots = malloc((byc.n + 1) * sizeof *roots), nr = 0, k;
        for (i = 0; roots != NULL && i < byc.n; i++)
            if (byc.v[i].parent == SIZE_MAX) roots[nr++] = i;
        by_first_forest = &byc;
        if (nr > 1) qsort(roots, nr, sizeof *roots, by_first);
        for (k = 0; k < nr; k++) {
            i = roots[k];
            if (last_corr == NULL || strcmp(byc.v[i].corr, last_corr) != 0) printf("\ncorrelation %s\n", narr_safe(byc.v[i].corr, safe, sizeof safe));
            last_corr = byc.v[i].corr;
            print_node(&byc, i, "", 1, 1, max_depth);
        }
        free(roots);
    }
    narr_calls_say_unmatched(&calls, "");
    {
        char why[200];
        snprintf(why, sizeof why, "%zu calls cut short by the loss were closed where the next call's depth showed it, "
                                  "and calls whose events were lost are missing", calls.resynced);
        narr_calls_say_incomplete(&calls, t, why);
    }
    if (narr_trace_filter.on) fprintf(stderr, "narrate: filters kept %zu of %zu events\n", t->seen - t->filtered_out, t->seen);
    rc = t->damaged ? 1 : 0;
    narr_forest_free(&f);
    narr_forest_free(&byc);
    narr_calls_free(&calls);
    narr_trace_free(t);
    return rc;
}

/* ---- Several processes, one request: calls linked by traceparent ----
 * A process's root call whose context's parent span is a span another process entered (the
 * client's context for an outgoing request, passed in the traceparent header) continues that
 * process's call: the innermost call open on the thread that entered the span, when it did.
 * Streamed: a first read of each file finds its contexts and which of them root calls began in;
 * the links follow; a second read keeps, of each root call, its subtree's paths when it leads to
 * another process or continues one (memory: those paths, not the calls). */
typedef struct llink {
    size_t aproc;       /* the process that entered the span */
    uint32_t atid;      /* on this thread, */
    uint64_t amono;     /* at this time */
    size_t bproc;       /* the process whose root calls began in a context continuing it */
    uint32_t bctx;      /* that context (index + 1 in its trace's contexts) */
    size_t xnode;       /* A's call open then: its node in A's kept paths (SIZE_MAX: none) */
    size_t anchor;      /* B's node its continuing root calls hang under (SIZE_MAX: none kept) */
} llink_t;

typedef struct lproc {
    const char *path;
    narr_trace_t *t;       /* the first read's: contexts, program, pid */
    unsigned char *rooted; /* by context: a root call began in it */
    size_t *cont;          /* by context: the link its root calls continue, + 1 (0: none) */
    size_t *roots, nroots; /* (the first read's list of those contexts) */
    narr_forest_t kept;    /* kept root calls' paths: at the top, or under a link's anchor */
    size_t *first_kid, *next_kid;
    unsigned char *busy;   /* being copied (a path that would lead back to itself is not followed) */
} lproc_t;

typedef struct lmark {
    uint32_t tid;
    size_t node; /* in the thread's open root call's subtree */
    size_t link;
} lmark_t;

typedef struct linked {
    lproc_t *p;
    size_t np;
    llink_t *links;
    size_t nlinks;
    char **labels; /* interned node names ("fn", or "[program pid] fn" where a process begins) */
    size_t nlabels;
    narr_forest_t f;
    int oom;
    /* the second read of one process */
    size_t pi;
    narr_calls_t calls;
    size_t *due;        /* links whose span this process entered, by (thread, time) */
    size_t ndue;
    struct ldue { uint32_t tid; size_t at, end; } *dthreads; /* due's range per thread, by tid */
    size_t ndthreads;
    lmark_t *marks;     /* spans entered while a root call is open: its node then */
    size_t nmarks;
} linked_t;

static uint32_t label_id(linked_t *L, const char *text, const char **stored)
{
    size_t i;
    char **fresh;
    for (i = 0; i < L->nlabels; i++)
        if (strcmp(L->labels[i], text) == 0) {
            *stored = L->labels[i];
            return (uint32_t)i;
        }
    fresh = realloc(L->labels, (L->nlabels + 1) * sizeof *fresh);
    if (fresh == NULL || (fresh[L->nlabels] = strdup(text)) == NULL) {
        if (fresh != NULL) L->labels = fresh;
        L->oom = 1;
        *stored = "?";
        return UINT32_MAX;
    }
    L->labels = fresh;
    *stored = L->labels[L->nlabels];
    return (uint32_t)L->nlabels++;
}

/* First read: the contexts root calls began in (a list, made a map once the contexts are known). */
static void note_root(const narr_call_t *c, void *ctx)
{
    lproc_t *P = ctx;
    size_t *fresh;
    if (c->depth != 0 || c->ctx == 0) return;
    if ((fresh = realloc(P->roots, (P->nroots + 1) * sizeof *fresh)) == NULL) return;
    P->roots = fresh;
    P->roots[P->nroots++] = c->ctx;
}

static const linked_t *due_of;
static int by_due(const void *a, const void *b)
{
    const llink_t *x = &due_of->links[*(const size_t *)a], *y = &due_of->links[*(const size_t *)b];
    if (x->atid != y->atid) return x->atid < y->atid ? -1 : 1;
    if (x->amono != y->amono) return x->amono < y->amono ? -1 : 1;
    return 0;
}

/* Spans this process entered on thread tid before `before` (all: every one left): the call open
 * on the thread then is the call they continue (X); none open, no X. */
static void mark_due(linked_t *L, uint32_t tid, uint64_t before, int all)
{
    size_t lo = 0, hi = L->ndthreads;
    struct ldue *d;
    while (lo < hi) { /* the thread's range */
        size_t mid = (lo + hi) / 2;
        if (L->dthreads[mid].tid < tid) lo = mid + 1;
        else hi = mid;
    }
    if (lo == L->ndthreads || L->dthreads[lo].tid != tid) return;
    d = &L->dthreads[lo];
    for (; d->at < d->end; d->at++) {
        size_t link = L->due[d->at], node;
        lmark_t *fresh;
        if (!all && L->links[link].amono >= before) break;
        if ((node = narr_calls_open_node(&L->calls, tid)) == SIZE_MAX) continue;
        if ((fresh = realloc(L->marks, (L->nmarks + 1) * sizeof *fresh)) == NULL) {
            L->oom = 1;
            return;
        }
        L->marks = fresh;
        L->marks[L->nmarks].tid = tid;
        L->marks[L->nmarks].node = node;
        L->marks[L->nmarks++].link = link;
    }
}

static int linked_second(narr_trace_t *t, const narr_tevent_t *e, void *ctx)
{
    linked_t *L = ctx;
    if (L->ndthreads > 0) mark_due(L, e->tid, e->mono, 0);
    return narr_calls_feed(&L->calls, t, e, t->seen - 1);
}

/* A root call ended: its subtree's paths are kept when it leads to another process (a span it
 * entered is continued) or continues one; else they go. */
static void linked_root(const narr_call_t *root, const narr_forest_t *rf, void *ctx)
{
    linked_t *L = ctx;
    lproc_t *P = &L->p[L->pi];
    size_t j, i, k, parent = SIZE_MAX, cont = SIZE_MAX, *map;
    int marked = 0;
    char text[512];
    for (k = 0; k < L->nmarks; k++) marked |= L->marks[k].tid == root->tid;
    if (root->ctx != 0 && root->ctx <= P->t->nctxs && P->cont != NULL && P->cont[root->ctx - 1] != 0)
        cont = P->cont[root->ctx - 1] - 1;
    if ((!marked && cont == SIZE_MAX) || rf->n == 0 || (map = malloc(rf->n * sizeof *map)) == NULL) {
        for (k = 0, j = 0; k < L->nmarks; k++) /* this thread's marks went with its root call */
            if (L->marks[k].tid != root->tid) L->marks[j++] = L->marks[k];
        L->nmarks = j;
        return;
    }
    if (cont != SIZE_MAX) {
        if (L->links[cont].anchor == SIZE_MAX) /* a node of its own per link: never merged with another */
            L->links[cont].anchor = narr_forest_add(&P->kept, 0, SIZE_MAX, "", UINT32_MAX - (uint32_t)cont);
        parent = L->links[cont].anchor;
    }
    for (i = 0; i < rf->n && !L->oom; i++) { /* parents come before their children */
        const narr_node_t *v = &rf->v[i];
        const char *name;
        uint32_t id;
        size_t up = v->parent == SIZE_MAX ? parent : map[v->parent];
        if (v->parent == SIZE_MAX)
            snprintf(text, sizeof text, "[%s pid %u] %s", P->t->program[0] ? P->t->program : "?", P->t->pid, v->fn);
        else
            snprintf(text, sizeof text, "%s", v->fn);
        id = label_id(L, text, &name);
        map[i] = (v->parent != SIZE_MAX && up == SIZE_MAX) || (cont != SIZE_MAX && parent == SIZE_MAX)
                     ? SIZE_MAX : narr_forest_add(&P->kept, 0, up, name, id);
        if (map[i] == SIZE_MAX) {
            L->oom = 1;
            break;
        }
        P->kept.v[map[i]].calls += v->calls;
        P->kept.v[map[i]].total += v->total;
        P->kept.v[map[i]].self += v->self;
        P->kept.v[map[i]].errors += v->errors;
    }
    for (k = 0, j = 0; k < L->nmarks; k++) {
        if (L->marks[k].tid != root->tid) {
            L->marks[j++] = L->marks[k];
            continue;
        }
        if (!L->oom && L->marks[k].node < rf->n) L->links[L->marks[k].link].xnode = map[L->marks[k].node];
    }
    L->nmarks = j;
    free(map);
}

/* Node n of process pi's kept paths into the linked tree under parent: its callees, and the
 * calls of other processes that continue it. */
static void link_copy(linked_t *L, size_t pi, size_t n, size_t parent)
{
    lproc_t *P = &L->p[pi];
    const narr_node_t *v = &P->kept.v[n];
    size_t node, k, j;
    if (P->busy[n] || L->oom) return;
    node = narr_forest_add(&L->f, 0, parent, v->fn, v->fn_id);
    if (node == SIZE_MAX) {
        L->oom = 1;
        return;
    }
    L->f.v[node].calls += v->calls;
    L->f.v[node].total += v->total;
    L->f.v[node].self += v->self;
    L->f.v[node].errors += v->errors;
    P->busy[n] = 1;
    for (k = P->first_kid[n]; k != SIZE_MAX; k = P->next_kid[k]) link_copy(L, pi, k, node);
    for (j = 0; j < L->nlinks; j++) {
        const llink_t *l = &L->links[j];
        if (l->aproc != pi || l->xnode != n || l->anchor == SIZE_MAX) continue;
        for (k = L->p[l->bproc].first_kid[l->anchor]; k != SIZE_MAX; k = L->p[l->bproc].next_kid[k]) link_copy(L, l->bproc, k, node);
    }
    P->busy[n] = 0;
}

static const narr_tctx_t *ctx_span_of(const linked_t *L, const size_t *at)
{
    return &L->p[at[0]].t->ctxs[at[1]];
}

static const linked_t *by_span_of;
static int by_span(const void *a, const void *b)
{
    const narr_tctx_t *x = ctx_span_of(by_span_of, a), *y = ctx_span_of(by_span_of, b);
    return x->span != y->span ? (x->span < y->span ? -1 : 1) : 0;
}

int narrate_tree_linked(char **files, size_t count, int max_depth)
{
    linked_t L;
    size_t pi, k, j, nall = 0, (*all)[2] = NULL;
    int rc = 0;
    memset(&L, 0, sizeof L);
    if ((L.p = calloc(count, sizeof *L.p)) == NULL) return 1;
    /* 1. each process's contexts, and the ones root calls began in */
    for (pi = 0; pi < count; pi++) {
        lproc_t *P = &L.p[L.np];
        narr_calls_t calls;
        narr_calls_begin(&calls, 0, note_root, P);
        calls.on_cut = note_root;
        P->path = files[pi];
        P->t = narrate_load(files[pi], narr_calls_visit, &calls);
        narr_calls_end(&calls);
        narr_calls_free(&calls);
        if (P->t == NULL) {
            free(P->roots);
            memset(P, 0, sizeof *P);
            continue;
        }
        if (P->t->nctxs > 0 && (P->rooted = calloc(P->t->nctxs, 1)) == NULL) L.oom = 1;
        for (k = 0; P->rooted != NULL && k < P->nroots; k++)
            if (P->roots[k] <= P->t->nctxs) P->rooted[P->roots[k] - 1] = 1;
        free(P->roots);
        P->roots = NULL;
        nall += P->t->nctxs;
        L.np++;
    }
    /* 2. links: a context a root call began in whose parent span another process entered */
    if (!L.oom && nall > 0 && (all = malloc(nall * sizeof *all)) == NULL) L.oom = 1;
    for (pi = 0, nall = 0; all != NULL && pi < L.np; pi++)
        for (k = 0; k < L.p[pi].t->nctxs; k++) all[nall][0] = pi, all[nall++][1] = k;
    by_span_of = &L;
    if (all != NULL && nall > 1) qsort(all, nall, sizeof *all, by_span);
    for (pi = 0; all != NULL && !L.oom && pi < L.np; pi++) {
        lproc_t *B = &L.p[pi];
        for (k = 0; B->rooted != NULL && k < B->t->nctxs; k++) {
            const narr_tctx_t *cb = &B->t->ctxs[k];
            size_t lo = 0, hi = nall;
            if (!B->rooted[k] || cb->parent == 0) continue;
            if (B->cont == NULL && (B->cont = calloc(B->t->nctxs, sizeof *B->cont)) == NULL) {
                L.oom = 1;
                break;
            }
            while (lo < hi) { /* the first context whose span is cb's parent */
                size_t mid = (lo + hi) / 2;
                if (ctx_span_of(&L, all[mid])->span < cb->parent) lo = mid + 1;
                else hi = mid;
            }
            for (; lo < nall && ctx_span_of(&L, all[lo])->span == cb->parent; lo++) {
                const narr_tctx_t *ca = ctx_span_of(&L, all[lo]);
                llink_t *fresh;
                if (all[lo][0] == pi || ca->trace_hi != cb->trace_hi || ca->trace_lo != cb->trace_lo) continue;
                if ((fresh = realloc(L.links, (L.nlinks + 1) * sizeof *fresh)) == NULL) {
                    L.oom = 1;
                    break;
                }
                L.links = fresh;
                L.links[L.nlinks].aproc = all[lo][0];
                L.links[L.nlinks].atid = ca->tid;
                L.links[L.nlinks].amono = ca->mono;
                L.links[L.nlinks].bproc = pi;
                L.links[L.nlinks].bctx = (uint32_t)(k + 1);
                L.links[L.nlinks].xnode = SIZE_MAX;
                L.links[L.nlinks++].anchor = SIZE_MAX;
                B->cont[k] = L.nlinks;
                break;
            }
        }
    }
    free(all);
    /* 3. each process again: the paths of root calls that lead to another process or continue one */
    for (pi = 0; L.nlinks > 0 && !L.oom && pi < L.np; pi++) {
        narr_trace_t *t;
        char err[512];
        L.pi = pi;
        L.ndue = L.ndthreads = 0;
        free(L.due);
        free(L.dthreads);
        L.dthreads = NULL;
        if ((L.due = malloc(L.nlinks * sizeof *L.due)) == NULL || (L.dthreads = malloc(L.nlinks * sizeof *L.dthreads)) == NULL) {
            L.oom = 1;
            break;
        }
        for (j = 0; j < L.nlinks; j++)
            if (L.links[j].aproc == pi) L.due[L.ndue++] = j;
        due_of = &L;
        if (L.ndue > 1) qsort(L.due, L.ndue, sizeof *L.due, by_due);
        for (j = 0; j < L.ndue; j++) {
            if (L.ndthreads == 0 || L.dthreads[L.ndthreads - 1].tid != L.links[L.due[j]].atid) {
                L.dthreads[L.ndthreads].tid = L.links[L.due[j]].atid;
                L.dthreads[L.ndthreads++].at = j;
            }
            L.dthreads[L.ndthreads - 1].end = j + 1;
        }
        narr_calls_begin(&L.calls, 0, NULL, &L);
        L.calls.root_fn = linked_root;
        t = narr_trace_load_visit(L.p[pi].path, linked_second, &L, err, sizeof err);
        for (j = 0; j < L.ndthreads; j++) mark_due(&L, L.dthreads[j].tid, 0, 1); /* spans entered after the last event */
        narr_calls_end(&L.calls);
        narr_calls_free(&L.calls);
        narr_trace_free(t);
        L.nmarks = 0;
    }
    /* 4. the requests as one tree: from the kept root calls that continue no other process */
    for (pi = 0; L.nlinks > 0 && !L.oom && pi < L.np; pi++) {
        lproc_t *P = &L.p[pi];
        size_t n = P->kept.n;
        P->first_kid = malloc((n + 1) * sizeof(size_t));
        P->next_kid = malloc((n + 1) * sizeof(size_t));
        P->busy = calloc(n + 1, 1);
        if (!P->first_kid || !P->next_kid || !P->busy) {
            L.oom = 1;
            break;
        }
        for (k = 0; k < n; k++) P->first_kid[k] = P->next_kid[k] = SIZE_MAX;
        for (k = n; k > 0; k--) /* in the order they were made */
            if (P->kept.v[k - 1].parent != SIZE_MAX) {
                P->next_kid[k - 1] = P->first_kid[P->kept.v[k - 1].parent];
                P->first_kid[P->kept.v[k - 1].parent] = k - 1;
            }
    }
    for (pi = 0; L.nlinks > 0 && !L.oom && pi < L.np; pi++)
        for (k = 0; k < L.p[pi].kept.n; k++)
            if (L.p[pi].kept.v[k].parent == SIZE_MAX && L.p[pi].kept.v[k].fn[0] != '\0') link_copy(&L, pi, k, SIZE_MAX);
    if (L.f.n > 0 && !L.oom) {
        printf("\n== linked by traceparent: calls of one process continued in another\n");
        for (k = 0; k < L.f.n; k++)
            if (L.f.v[k].parent == SIZE_MAX) print_node(&L.f, k, "", 1, 1, max_depth);
    }
    if (L.oom) {
        fprintf(stderr, "narrate tree: out of memory\n");
        rc = 1;
    }
    for (pi = 0; pi < L.np; pi++) {
        free(L.p[pi].first_kid);
        free(L.p[pi].next_kid);
        free(L.p[pi].busy);
        free(L.p[pi].rooted);
        free(L.p[pi].cont);
        narr_forest_free(&L.p[pi].kept);
        narr_trace_free(L.p[pi].t);
    }
    for (k = 0; k < L.nlabels; k++) free(L.labels[k]);
    free(L.labels);
    free(L.links);
    free(L.due);
    free(L.dthreads);
    free(L.marks);
    free(L.p);
    narr_forest_free(&L.f);
    return rc;
}
