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

static void ms(char *out, size_t cap, uint64_t ns)
{
    snprintf(out, cap, "%.3f", (double)ns / 1e6);
}

int narrate_stats(narr_trace_t *t, int argc, char **argv)
{
    narr_calls_t calls;
    fstat_t *fs = NULL;
    size_t nfs = 0, cap = 0, i, top = SIZE_MAX;
    for (i = 0; i < (size_t)argc; i++) {
        if (strcmp(argv[i], "--sort") == 0 && i + 1 < (size_t)argc) sort_key = argv[++i];
        else if (strcmp(argv[i], "--top") == 0 && i + 1 < (size_t)argc) top = (size_t)strtoul(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "narrate stats: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (strcmp(sort_key, "total") && strcmp(sort_key, "calls") && strcmp(sort_key, "self") && strcmp(sort_key, "p50") &&
        strcmp(sort_key, "p95") && strcmp(sort_key, "p99") && strcmp(sort_key, "errors")) {
        fprintf(stderr, "narrate stats: --sort takes calls, total, self, p50, p95, p99 or errors\n");
        return 2;
    }
    if (narr_calls_build(t, &calls) != 0) return 1;
    for (i = 0; i < calls.n; i++) {
        const narr_call_t *c = &calls.v[i];
        size_t k;
        if (c->end == UINT64_MAX) continue;
        for (k = 0; k < nfs && strcmp(fs[k].fn, c->fn) != 0; k++) {}
        if (k == nfs) {
            if (nfs == cap) fs = realloc(fs, (cap = cap ? cap * 2 : 32) * sizeof *fs);
            if (fs == NULL) return 1;
            memset(&fs[nfs], 0, sizeof fs[0]);
            fs[nfs++].fn = c->fn;
        }
        if (fs[k].ndurs == fs[k].cap) fs[k].durs = realloc(fs[k].durs, (fs[k].cap = fs[k].cap ? fs[k].cap * 2 : 64) * 8);
        if (fs[k].durs == NULL) return 1;
        fs[k].durs[fs[k].ndurs++] = c->end - c->start;
        fs[k].calls++;
        fs[k].total += c->end - c->start;
        fs[k].self += c->self;
        fs[k].errors += (uint64_t)c->error;
    }
    for (i = 0; i < nfs; i++) {
        fs[i].p50 = pct(fs[i].durs, fs[i].ndurs, 50);
        fs[i].p95 = pct(fs[i].durs, fs[i].ndurs, 95);
        fs[i].p99 = pct(fs[i].durs, fs[i].ndurs, 99);
    }
    if (nfs > 1) qsort(fs, nfs, sizeof *fs, by_key);
    printf("%-32s %8s %12s %12s %10s %10s %10s %7s\n", "function", "calls", "total_ms", "self_ms", "p50_ms", "p95_ms",
           "p99_ms", "errors");
    for (i = 0; i < nfs && i < top; i++) {
        char a[32], b[32], c[32], d[32], e[32];
        ms(a, sizeof a, fs[i].total);
        ms(b, sizeof b, fs[i].self);
        ms(c, sizeof c, fs[i].p50);
        ms(d, sizeof d, fs[i].p95);
        ms(e, sizeof e, fs[i].p99);
        printf("%-32s %8llu %12s %12s %10s %10s %10s %7llu\n", fs[i].fn, (unsigned long long)fs[i].calls, a, b, c, d, e,
               (unsigned long long)fs[i].errors);
    }
    if (calls.unmatched_enter || calls.unmatched_exit)
        printf("(%zu calls without an exit, %zu exits without an enter: not counted)\n", calls.unmatched_enter,
               calls.unmatched_exit);
    for (i = 0; i < nfs; i++) free(fs[i].durs);
    free(fs);
    narr_calls_free(&calls);
    return 0;
}
