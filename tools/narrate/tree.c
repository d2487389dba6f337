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
