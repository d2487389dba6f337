/* tools/narrate/tree.c - narrate tree: per thread, the call tree with identical paths merged,
 * each node with its calls, total and self time:
 *   dispatch_job (3 calls, total 12.514 ms, self 0.031 ms)
 *   └── select_worker (3 calls, total 0.002 ms, self 0.002 ms) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"

/* A duration in the unit that reads best: 840 ns, 2.310 us, 12.369 ms, 3.052 s */
static const char *dur(char *buf, size_t cap, uint64_t ns)
{
    if (ns < 1000) snprintf(buf, cap, "%llu ns", (unsigned long long)ns);
    else if (ns < 1000000) snprintf(buf, cap, "%.3f us", (double)ns / 1e3);
    else if (ns < 1000000000) snprintf(buf, cap, "%.3f ms", (double)ns / 1e6);
    else snprintf(buf, cap, "%.3f s", (double)ns / 1e9);
    return buf;
}

static void print_node(const narr_forest_t *f, size_t i, const char *prefix, int last, int root, int max_depth)
{
    size_t k, nkids = 0, seen = 0, hidden = 0;
    char next[512], safe[1024], a[32], b[32];
    if (root) printf("%s", "");
    else printf("%s%s", prefix, last ? "\u2514\u2500\u2500 " : "\u251c\u2500\u2500 ");
    printf("%s (%llu call%s, total %s, self %s%s)\n", narr_safe(f->v[i].fn, safe, sizeof safe), (unsigned long long)f->v[i].calls,
           f->v[i].calls == 1 ? "" : "s", dur(a, sizeof a, f->v[i].total), dur(b, sizeof b, f->v[i].self),
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

int narrate_tree(narr_trace_t *t, int max_depth)
{
    char safe[1024];
    narr_calls_t calls;
    narr_forest_t f, byc;
    size_t i;
    uint32_t last_tid = 0;
    const char *last_corr = NULL;
    if (narr_calls_build(t, &calls) != 0 || narr_forest_build(&calls, &f, NARR_FOREST_THREAD) != 0 ||
        narr_forest_build(&calls, &byc, NARR_FOREST_CORRELATION) != 0)
        return 1;
    for (i = 0; i < f.n; i++) {
        if (f.v[i].parent != SIZE_MAX) continue;
        if (f.v[i].tid != last_tid) printf("%sthread %u\n", last_tid ? "\n" : "", f.v[i].tid);
        last_tid = f.v[i].tid;
        print_node(&f, i, "", 1, 1, max_depth);
    }
    for (i = 0; i < byc.n; i++) {
        if (byc.v[i].parent != SIZE_MAX) continue;
        if (last_corr == NULL || strcmp(byc.v[i].corr, last_corr) != 0) printf("\ncorrelation %s\n", narr_safe(byc.v[i].corr, safe, sizeof safe));
        last_corr = byc.v[i].corr;
        print_node(&byc, i, "", 1, 1, max_depth);
    }
    if (calls.unmatched_enter || calls.unmatched_exit)
        printf("(%zu calls without an exit, %zu exits without an enter)\n", calls.unmatched_enter, calls.unmatched_exit);
    {
        char why[200];
        snprintf(why, sizeof why, "%zu calls cut short by the loss were closed where the next call's depth showed it, "
                                  "and calls whose events were lost are missing", calls.resynced);
        narr_calls_say_incomplete(&calls, t, why);
    }
    narr_forest_free(&f);
    narr_forest_free(&byc);
    narr_calls_free(&calls);
    return 0;
}
