/* tools/narrate/tree.c - narrate tree: per thread, the call tree with identical paths merged,
 * each node with its calls, total and self time:
 *   dispatch_job (3 calls, total 12.514 ms, self 0.031 ms)
 *   └── select_worker (3 calls, total 0.002 ms, self 0.002 ms) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"

typedef struct node {
    const char *fn;
    uint32_t tid;   /* per thread; 0 in the per-correlation forest */
    const char *corr; /* roots of the per-correlation forest */
    size_t parent; /* SIZE_MAX: a root */
    uint64_t calls, total, self, errors;
} node_t;

typedef struct forest {
    node_t *v;
    size_t n, cap;
} forest_t;

static int same(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static size_t find_or_add(forest_t *f, uint32_t tid, const char *corr, size_t parent, const char *fn)
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
    return f->n++;
}

static void print_node(const forest_t *f, size_t i, const char *prefix, int last, int root)
{
    size_t k, nkids = 0, seen = 0;
    char next[512];
    if (root) printf("%s", "");
    else printf("%s%s", prefix, last ? "\u2514\u2500\u2500 " : "\u251c\u2500\u2500 ");
    printf("%s (%llu call%s, total %.3f ms, self %.3f ms%s)\n", f->v[i].fn, (unsigned long long)f->v[i].calls,
           f->v[i].calls == 1 ? "" : "s", (double)f->v[i].total / 1e6, (double)f->v[i].self / 1e6,
           f->v[i].errors ? ", errors" : "");
    snprintf(next, sizeof next, "%s%s", prefix, root ? "" : last ? "    " : "\u2502   ");
    for (k = 0; k < f->n; k++) nkids += f->v[k].parent == i;
    for (k = 0; k < f->n; k++)
        if (f->v[k].parent == i) print_node(f, k, next, ++seen == nkids, 0);
}

/* Merges calls into a forest: by thread (by_corr 0) or by the roots' correlation ids. */
static int build(const narr_calls_t *calls, forest_t *f, int by_corr)
{
    size_t *node_of = calloc(calls->n + 1, sizeof *node_of), i;
    const char **corr_of = calloc(calls->n + 1, sizeof *corr_of);
    if (node_of == NULL || corr_of == NULL) return -1;
    for (i = 0; i < calls->n; i++) {
        const narr_call_t *c = &calls->v[i];
        size_t parent = c->parent == SIZE_MAX ? SIZE_MAX : node_of[c->parent], n;
        corr_of[i] = c->parent == SIZE_MAX ? c->corr : corr_of[c->parent];
        if (by_corr && corr_of[i] == NULL) {
            node_of[i] = SIZE_MAX;
            continue;
        }
        if (by_corr && c->parent != SIZE_MAX && parent == SIZE_MAX) continue;
        n = find_or_add(f, by_corr ? 0 : c->tid, by_corr ? corr_of[i] : NULL, parent, c->fn);
        if (n == SIZE_MAX) return -1;
        node_of[i] = n;
        if (c->end == UINT64_MAX) continue; /* never exited: shown without time */
        f->v[n].calls++;
        f->v[n].total += c->end - c->start;
        f->v[n].self += c->self;
        f->v[n].errors += (uint64_t)c->error;
    }
    free(node_of);
    free(corr_of);
    return 0;
}

int narrate_tree(narr_trace_t *t)
{
    narr_calls_t calls;
    forest_t f = {0}, byc = {0};
    size_t i;
    uint32_t last_tid = 0;
    const char *last_corr = NULL;
    if (narr_calls_build(t, &calls) != 0 || build(&calls, &f, 0) != 0 || build(&calls, &byc, 1) != 0) return 1;
    for (i = 0; i < f.n; i++) {
        if (f.v[i].parent != SIZE_MAX) continue;
        if (f.v[i].tid != last_tid) printf("%sthread %u\n", last_tid ? "\n" : "", f.v[i].tid);
        last_tid = f.v[i].tid;
        print_node(&f, i, "", 1, 1);
    }
    for (i = 0; i < byc.n; i++) {
        if (byc.v[i].parent != SIZE_MAX) continue;
        if (!same(byc.v[i].corr, last_corr)) printf("\ncorrelation %s\n", byc.v[i].corr);
        last_corr = byc.v[i].corr;
        print_node(&byc, i, "", 1, 1);
    }
    if (calls.unmatched_enter || calls.unmatched_exit)
        printf("(%zu calls without an exit, %zu exits without an enter)\n", calls.unmatched_enter, calls.unmatched_exit);
    free(f.v);
    free(byc.v);
    narr_calls_free(&calls);
    return 0;
}
