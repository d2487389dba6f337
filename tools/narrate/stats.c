/* tools/narrate/stats.c - narrate stats: per function calls, total, self, P50/P95/P99 of the
 * call durations (nearest rank), errors; sortable, top N. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"

typedef struct fstat {
    const char *fn;
    uint64_t calls, total, self, errors, p50, p95, p99;
    uint64_t *durs;
    size_t ndurs, cap;
} fstat_t;

static const char *sort_key = "total";

/* The k-th smallest of v[0..n) (0-based), reordering v: quickselect, linear on average. */
static uint64_t select_k(uint64_t *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint64_t pivot = v[lo + (hi - lo) / 2], tmp;
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                tmp = v[i], v[i] = v[j], v[j] = tmp;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return v[k];
    }
    return v[k];
}

static uint64_t field(const fstat_t *f)
{
    if (strcmp(sort_key, "calls") == 0) return f->calls;
    if (strcmp(sort_key, "self") == 0) return f->self;
    if (strcmp(sort_key, "p50") == 0) return f->p50;
    if (strcmp(sort_key, "p95") == 0) return f->p95;
    if (strcmp(sort_key, "p99") == 0) return f->p99;
    if (strcmp(sort_key, "errors") == 0) return f->errors;
    return f->total;
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = field(a), y = field(b);
    if (x != y) return x > y ? -1 : 1;
    return strcmp(((const fstat_t *)a)->fn, ((const fstat_t *)b)->fn);
}

/* Nearest-rank percentile. */
static uint64_t pct(uint64_t *v, size_t n, unsigned p)
{
    size_t rank = (n * p + 99) / 100;
    return n == 0 ? 0 : select_k(v, n, rank == 0 ? 0 : rank - 1);
}

/* A duration in the unit that reads best (as tree prints them): 840 ns, 2.310 us, 12.369 ms, 3.052 s */
static void ms(char *out, size_t cap, uint64_t ns)
{
    if (ns < 1000) snprintf(out, cap, "%llu ns", (unsigned long long)ns);
    else if (ns < 1000000) snprintf(out, cap, "%.3f us", (double)ns / 1e3);
    else if (ns < 1000000000) snprintf(out, cap, "%.3f ms", (double)ns / 1e6);
    else snprintf(out, cap, "%.3f s", (double)ns / 1e9);
}

/* Events stream through the call matcher; completed calls land here by function number. */
typedef struct stats_run {
    narr_calls_t calls;
    fstat_t *fs;
    size_t cap;
    int oom;
} stats_run_t;

static void add_call(const narr_call_t *c, void *ctx)
{
    stats_run_t *r = ctx;
    fstat_t *f;
    if (c->fn_id >= r->cap) {
        size_t want = (size_t)c->fn_id * 2 + 16;
        fstat_t *fresh = realloc(r->fs, want * sizeof *fresh);
        if (fresh == NULL) {
            r->oom = 1;
            return;
        }
        memset(fresh + r->cap, 0, (want - r->cap) * sizeof *fresh);
        r->fs = fresh;
        r->cap = want;
    }
    f = &r->fs[c->fn_id];
    f->fn = c->fn;
    if (f->ndurs == f->cap) {
        size_t want = f->cap ? f->cap * 2 : 64;
        uint64_t *fresh = realloc(f->durs, want * sizeof *fresh);
        if (fresh == NULL) {
            r->oom = 1;
            return;
        }
        f->durs = fresh;
        f->cap = want;
    }
    f->durs[f->ndurs++] = c->end - c->start;
    f->calls++;
    /* a recursive call's time is inside its outermost call's: counted once */
    if (!c->nested) f->total += c->end - c->start;
    f->self += c->self;
    f->errors += (uint64_t)c->error;
}

static int stats_visit(narr_trace_t *t, const narr_tevent_t *e, void *ctx)
{
    stats_run_t *r = ctx;
    return narr_calls_feed(&r->calls, t, e, t->seen - 1) != 0 || r->oom;
}

narr_trace_t *narrate_load(const char *path, narr_trace_visit_fn visit, void *ctx);

int narrate_stats(const char *path, const char *sort, size_t top)
{
    stats_run_t run;
    narr_trace_t *t;
    fstat_t *fs;
    size_t nfs = 0, i;
    int rc;
    char safe[1024];
    sort_key = sort; /* checked by the command line */
    memset(&run, 0, sizeof run);
    narr_calls_begin(&run.calls, 0, add_call, &run);
    t = narrate_load(path, stats_visit, &run);
    narr_calls_end(&run.calls);
    if (t == NULL || run.oom) {
        if (run.oom) fprintf(stderr, "narrate stats: out of memory\n");
        for (i = 0; i < run.cap; i++) free(run.fs[i].durs);
        free(run.fs);
        narr_trace_free(t);
        return 1;
    }
    fs = run.fs;
    for (i = 0; i < run.cap; i++) /* the functions that completed a call, packed */
        if (fs[i].calls > 0) fs[nfs++] = fs[i];
        else free(fs[i].durs);
    for (i = 0; i < nfs; i++) {
        fs[i].p50 = pct(fs[i].durs, fs[i].ndurs, 50);
        fs[i].p95 = pct(fs[i].durs, fs[i].ndurs, 95);
        fs[i].p99 = pct(fs[i].durs, fs[i].ndurs, 99);
    }
    if (nfs > 1) qsort(fs, nfs, sizeof *fs, by_key);
    printf("%-32s %8s %12s %12s %12s %12s %12s %7s\n", "function", "calls", "total", "self", "p50", "p95", "p99",
           "errors");
    for (i = 0; i < nfs && i < top; i++) {
        char a[32], b[32], c[32], d[32], e[32];
        ms(a, sizeof a, fs[i].total);
        ms(b, sizeof b, fs[i].self);
        ms(c, sizeof c, fs[i].p50);
        ms(d, sizeof d, fs[i].p95);
        ms(e, sizeof e, fs[i].p99);
        printf("%-32s %8llu %12s %12s %12s %12s %12s %7llu\n", narr_safe(fs[i].fn, safe, sizeof safe), (unsigned long long)fs[i].calls, a, b, c, d, e,
               (unsigned long long)fs[i].errors);
    }
    if (run.calls.unmatched_enter || run.calls.unmatched_exit)
        printf("(%zu calls without an exit, %zu exits without an enter: not counted)\n", run.calls.unmatched_enter,
               run.calls.unmatched_exit);
    {
        char why[160];
        snprintf(why, sizeof why, "%zu calls cut short by the loss are not counted, and calls whose events were lost "
                                  "are missing", run.calls.resynced);
        narr_calls_say_incomplete(&run.calls, t, why);
    }
    for (i = 0; i < nfs; i++) free(fs[i].durs);
    free(fs);
    narr_calls_free(&run.calls);
    rc = t->damaged ? 1 : 0;
    narr_trace_free(t);
    return rc;
}
