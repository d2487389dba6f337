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
 * process's call: the innermost call open on the thread that entered the span, when it did. */
typedef struct lproc {
    narr_trace_t *t;
    narr_calls_t calls;
    size_t *first_kid, *next_kid; /* children of each call: a list through next_kid */
    size_t *first_remote;         /* calls of other processes continuing each call: a list of links (index + 1) */
    unsigned char *marked;        /* the call or one below it continues in another process */
} lproc_t;

typedef struct llink {
    size_t proc, call;   /* the remote root call */
    size_t pproc, pcall; /* the call it continues */
    size_t next;         /* the next remote call under the same parent: index in links + 1 (0: none) */
} llink_t;

typedef struct linked {
    lproc_t *p;
    size_t np;
    llink_t *links;
    size_t nlinks;
    char **labels; /* interned node names ("fn", or "[program pid] fn" where a process begins) */
    size_t nlabels;
    narr_forest_t f;
    int oom;
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

/* The call k of process pi, its callees and the calls of other processes that continue it. */
static void link_add(linked_t *L, size_t pi, size_t k, size_t parent, int new_process)
{
    lproc_t *P = &L->p[pi];
    const narr_call_t *c = &P->calls.v[k];
    char text[512];
    const char *name;
    uint32_t id;
    size_t node, kid, r;
    if (new_process)
        snprintf(text, sizeof text, "[%s pid %u] %s", P->t->program[0] ? P->t->program : "?", P->t->pid, c->fn);
    else
        snprintf(text, sizeof text, "%s", c->fn);
    id = label_id(L, text, &name);
    node = narr_forest_add(&L->f, 0, parent, name, id);
    if (node == SIZE_MAX) {
        L->oom = 1;
        return;
    }
    if (!c->cut && c->end != UINT64_MAX) narr_forest_count(&L->f, node, c);
    for (kid = P->first_kid[k]; kid != SIZE_MAX; kid = P->next_kid[kid]) link_add(L, pi, kid, node, 0);
    for (r = P->first_remote[k]; r != 0; r = L->links[r - 1].next) link_add(L, L->links[r - 1].proc, L->links[r - 1].call, node, 1);
}

/* The call of process pi that was innermost on tid at mono (SIZE_MAX: none). */
static size_t call_at(const lproc_t *P, uint32_t tid, uint64_t mono)
{
    size_t k, best = SIZE_MAX;
    for (k = 0; k < P->calls.n; k++) {
        const narr_call_t *c = &P->calls.v[k];
        if (c->tid != tid || c->start > mono || (c->end != UINT64_MAX && c->end < mono)) continue;
        if (best == SIZE_MAX || c->depth >= P->calls.v[best].depth) best = k;
    }
    return best;
}

int narrate_tree_linked(char **files, size_t count, int max_depth)
{
    linked_t L;
    size_t pi, k, j, q;
    int rc = 0;
    memset(&L, 0, sizeof L);
    if ((L.p = calloc(count, sizeof *L.p)) == NULL) return 1;
    for (pi = 0; pi < count; pi++) {
        lproc_t *P = &L.p[L.np];
        narr_calls_begin(&P->calls, 1, NULL, NULL);
        P->t = narrate_load(files[pi], narr_calls_visit, &P->calls);
        narr_calls_end(&P->calls);
        if (P->t == NULL) {
            narr_calls_free(&P->calls);
            continue;
        }
        L.np++;
    }
    /* each process's root calls whose context continues a span of another process */
    for (pi = 0; pi < L.np; pi++) {
        lproc_t *B = &L.p[pi];
        for (k = 0; k < B->calls.n; k++) {
            const narr_call_t *c = &B->calls.v[k];
            const narr_tctx_t *cb;
            if (c->depth != 0 || c->ctx == 0) continue;
            cb = &B->t->ctxs[c->ctx - 1];
            if (cb->parent == 0) continue;
            for (q = 0; q < L.np; q++) {
                lproc_t *A = &L.p[q];
                if (q == pi) continue;
                for (j = 0; j < A->t->nctxs; j++) {
                    const narr_tctx_t *ca = &A->t->ctxs[j];
                    llink_t *fresh;
                    size_t at;
                    if (ca->span != cb->parent || ca->trace_hi != cb->trace_hi || ca->trace_lo != cb->trace_lo) continue;
                    if ((at = call_at(A, ca->tid, ca->mono)) == SIZE_MAX) continue;
                    if ((fresh = realloc(L.links, (L.nlinks + 1) * sizeof *fresh)) == NULL) {
                        L.oom = 1;
                        break;
                    }
                    L.links = fresh;
                    L.links[L.nlinks].proc = pi;
                    L.links[L.nlinks].call = k;
                    L.links[L.nlinks].pproc = q;
                    L.links[L.nlinks].pcall = at;
                    L.links[L.nlinks++].next = 0;
                    break;
                }
            }
        }
    }
    if (L.nlinks > 0 && !L.oom) {
        /* children lists, remote children, and which calls lead to another process */
        for (pi = 0; pi < L.np && !L.oom; pi++) {
            lproc_t *P = &L.p[pi];
            size_t n = P->calls.n;
            P->first_kid = malloc((n + 1) * sizeof(size_t));
            P->next_kid = malloc((n + 1) * sizeof(size_t));
            P->first_remote = calloc(n + 1, sizeof(size_t));
            P->marked = calloc(n + 1, 1);
            if (!P->first_kid || !P->next_kid || !P->first_remote || !P->marked) {
                L.oom = 1;
                break;
            }
            for (k = 0; k < n; k++) P->first_kid[k] = SIZE_MAX;
            for (k = n; k > 0; k--) { /* in enter order */
                const narr_call_t *c = &P->calls.v[k - 1];
                P->next_kid[k - 1] = SIZE_MAX;
                if (c->parent != SIZE_MAX) {
                    P->next_kid[k - 1] = P->first_kid[c->parent];
                    P->first_kid[c->parent] = k - 1;
                }
            }
        }
        for (j = 0; j < L.nlinks && !L.oom; j++) {
            size_t at = L.links[j].pcall;
            lproc_t *A = &L.p[L.links[j].pproc];
            L.links[j].next = A->first_remote[at];
            A->first_remote[at] = j + 1;
            for (; at != SIZE_MAX && !A->marked[at]; at = A->calls.v[at].parent) A->marked[at] = 1;
        }
        /* the requests as one tree: from the roots that lead to another process and are not
         * themselves the continuation of one */
        for (pi = 0; pi < L.np && !L.oom; pi++) {
            lproc_t *P = &L.p[pi];
            for (k = 0; k < P->calls.n; k++) {
                int continued = 0;
                if (P->calls.v[k].depth != 0 || !P->marked[k]) continue;
                for (j = 0; j < L.nlinks; j++) continued |= L.links[j].proc == pi && L.links[j].call == k;
                if (!continued) link_add(&L, pi, k, SIZE_MAX, 1);
            }
        }
        if (!L.oom) {
            printf("\n== linked by traceparent: calls of one process continued in another\n");
            for (k = 0; k < L.f.n; k++)
                if (L.f.v[k].parent == SIZE_MAX) print_node(&L.f, k, "", 1, 1, max_depth);
        }
    }
    if (L.oom) {
        fprintf(stderr, "narrate tree: out of memory\n");
        rc = 1;
    }
    for (pi = 0; pi < L.np; pi++) {
        free(L.p[pi].first_kid);
        free(L.p[pi].next_kid);
        free(L.p[pi].first_remote);
        free(L.p[pi].marked);
        narr_calls_free(&L.p[pi].calls);
        narr_trace_free(L.p[pi].t);
    }
    for (k = 0; k < L.nlabels; k++) free(L.labels[k]);
    free(L.labels);
    free(L.links);
    free(L.p);
    narr_forest_free(&L.f);
    return rc;
}
