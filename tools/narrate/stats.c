/* tools/narrate/stats.c - narrate stats: per function calls, total, self, P50/P95/P99 of the
 * call durations (nearest rank), errors; sortable, top N. Memory does not grow with the number
 * of calls: a function's first EXACT_CALLS durations are kept (its percentiles exact), beyond
 * that they go into a log-linear histogram (64 buckets per power of two: each percentile within
 * 0.8% of the exact one), whose size depends on the range of the durations only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"

#define EXACT_CALLS 1024u

/* Bucket of a duration: d itself below 64; above, 64 per power of two (the 6 bits after the
 * leading one), so a bucket is at most 1/64 of its lower bound wide. */
static unsigned bucket_of(uint64_t d)
{
    unsigned e;
    if (d < 64) return (unsigned)d;
    e = 63u - (unsigned)__builtin_clzll(d); /* 6..63 */
    return 64u + (e - 6u) * 64u + (unsigned)((d >> (e - 6u)) - 64u);
}

/* A bucket's middle: within 1/128 of every duration it counts. */
static uint64_t bucket_value(unsigned b)
{
    unsigned e, sub;
    uint64_t low, width;
    if (b < 64) return b;
    e = (b - 64u) / 64u + 6u;
    sub = (b - 64u) % 64u;
    low = (uint64_t)(64u + sub) << (e - 6u);
    width = (uint64_t)1 << (e - 6u);
    return low + width / 2;
}

/* Counts of buckets [lo, lo + n): grown on either side as durations arrive. */
typedef struct hist {
    uint64_t *n;
    unsigned lo, len;
} hist_t;

static int hist_add(hist_t *h, uint64_t d)
{
    unsigned b = bucket_of(d);
    if (h->len == 0) {
        if ((h->n = calloc(16, sizeof *h->n)) == NULL) return -1;
        h->lo = b >= 8 ? b - 8 : 0;
        h->len = 16;
    }
    if (b < h->lo || b >= h->lo + h->len) { /* grow to cover b, with room to spare */
        unsigned lo = b < h->lo ? (b >= 16 ? b - 16 : 0) : h->lo;
        unsigned hi = b >= h->lo + h->len ? b + 17 : h->lo + h->len;
        uint64_t *fresh = calloc(hi - lo, sizeof *fresh);
        if (fresh == NULL) return -1;
        memcpy(fresh + (h->lo - lo), h->n, h->len * sizeof *fresh);
        free(h->n);
        h->n = fresh;
        h->lo = lo;
        h->len = hi - lo;
    }
    h->n[b - h->lo]++;
    return 0;
}

/* The nearest-rank duration of rank (1-based) by the histogram. */
static uint64_t hist_rank(const hist_t *h, uint64_t rank)
{
    uint64_t seen = 0;
    unsigned i;
    for (i = 0; i < h->len; i++)
        if ((seen += h->n[i]) >= rank) return bucket_value(h->lo + i);
    return h->len ? bucket_value(h->lo + h->len - 1) : 0;
}

typedef struct fstat {
    const char *fn;
    uint64_t calls, total, self, errors, p50, p95, p99;
    uint64_t *durs; /* the first EXACT_CALLS durations; then NULL and hist counts them all */
    size_t ndurs, cap;
    hist_t hist;
} fstat_t;

static void fstat_free(fstat_t *f)
{
    free(f->durs);
    free(f->hist.n);
}

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

/* Nearest-rank percentile: exact while every duration is kept, else by the histogram. */
static uint64_t pct(fstat_t *f, unsigned p)
{
    uint64_t n = f->hist.len ? f->calls : f->ndurs, rank = (n * p + 99) / 100;
    if (n == 0) return 0;
    if (f->hist.len) return hist_rank(&f->hist, rank == 0 ? 1 : rank);
    return select_k(f->durs, (size_t)n, rank == 0 ? 0 : (size_t)rank - 1);
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
    if (f->hist.len == 0 && f->ndurs == EXACT_CALLS) { /* from here on, the histogram */
        size_t i;
        for (i = 0; i < f->ndurs; i++)
            if (hist_add(&f->hist, f->durs[i]) != 0) r->oom = 1;
        free(f->durs);
        f->durs = NULL;
        f->ndurs = f->cap = 0;
    }
    if (f->hist.len) {
        if (hist_add(&f->hist, c->end - c->start) != 0) r->oom = 1;
    } else {
        if (f->ndurs == f->cap) {
            size_t want = f->cap ? f->cap * 2 : 16;
            uint64_t *fresh = realloc(f->durs, want * sizeof *fresh);
            if (fresh == NULL) {
                r->oom = 1;
                return;
            }
            f->durs = fresh;
            f->cap = want;
        }
        f->durs[f->ndurs++] = c->end - c->start;
    }
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

/* One trace's per-function figures: fs packed (functions with a completed call), t kept open (the
 * names point into it). 0, or 1 with the trace freed. */
static int stats_table(const char *path, stats_run_t *run, size_t *nfs, narr_trace_t **tp)
{
    narr_trace_t *t;
    fstat_t *fs;
    size_t i, n = 0;
    memset(run, 0, sizeof *run);
    narr_calls_begin(&run->calls, 0, add_call, run);
    t = narrate_load(path, stats_visit, run);
    narr_calls_end(&run->calls);
    if (t == NULL || run->oom) {
        if (run->oom) fprintf(stderr, "narrate stats: out of memory\n");
        for (i = 0; i < run->cap; i++) fstat_free(&run->fs[i]);
        free(run->fs);
        narr_calls_free(&run->calls);
        narr_trace_free(t);
        return 1;
    }
    fs = run->fs;
    for (i = 0; i < run->cap; i++) /* the functions that completed a call, packed */
        if (fs[i].calls > 0) fs[n++] = fs[i];
        else fstat_free(&fs[i]);
    for (i = 0; i < n; i++) {
        fs[i].p50 = pct(&fs[i], 50);
        fs[i].p95 = pct(&fs[i], 95);
        fs[i].p99 = pct(&fs[i], 99);
    }
    if (n > 1) qsort(fs, n, sizeof *fs, by_key);
    *nfs = n;
    *tp = t;
    return 0;
}

static void stats_free(stats_run_t *run, size_t nfs, narr_trace_t *t)
{
    size_t i;
    for (i = 0; i < nfs; i++) fstat_free(&run->fs[i]);
    free(run->fs);
    narr_calls_free(&run->calls);
    narr_trace_free(t);
}

static void say_unmatched_and_losses(stats_run_t *run, narr_trace_t *t, const char *which)
{
    char why[160];
    narr_calls_say_unmatched(&run->calls, which);
    snprintf(why, sizeof why, "%zu calls cut short by the loss are not counted, and calls whose events were lost "
                              "are missing", run->calls.resynced);
    if (which[0] != '\0' && (run->calls.lost > 0 || t->skipped_regions > 0)) printf("%s", which);
    narr_calls_say_incomplete(&run->calls, t, why);
}

int narrate_stats(const char *path, const char *sort, size_t top)
{
    stats_run_t run;
    narr_trace_t *t;
    fstat_t *fs;
    size_t nfs = 0, i;
    int rc;
    char safe[1024];
    sort_key = sort; /* checked by the command line */
    if (stats_table(path, &run, &nfs, &t) != 0) return 1;
    fs = run.fs;
    printf("%-32s %8s %12s %12s %12s %12s %12s %7s\n", "function", "calls", "total", "self", "p50", "p95", "p99",
           "errors");
    for (i = 0; i < nfs && i < top; i++) {
        char a[32], b[32], c[32], d[32], e[32];
        narr_duration(a, sizeof a, fs[i].total);
        narr_duration(b, sizeof b, fs[i].self);
        narr_duration(c, sizeof c, fs[i].p50);
        narr_duration(d, sizeof d, fs[i].p95);
        narr_duration(e, sizeof e, fs[i].p99);
        char name[1040];
        /* '*': switched off by whole-project tracing, its calls after that are not counted */
        snprintf(name, sizeof name, "%s%s", narr_safe(fs[i].fn, safe, sizeof safe),
                 narr_calls_throttled(&run.calls, fs[i].fn) ? "*" : "");
        printf("%-32s %8llu %12s %12s %12s %12s %12s %7llu\n", name, (unsigned long long)fs[i].calls, a, b, c, d, e,
               (unsigned long long)fs[i].errors);
    }
    for (i = 0; i < nfs && fs[i].hist.len == 0; i++) {}
    if (i < nfs) printf("p50, p95 and p99 of functions with more than %u calls are within 0.8%% (a histogram, not every duration)\n", EXACT_CALLS);
    say_unmatched_and_losses(&run, t, "");
    rc = t->damaged ? 1 : 0;
    stats_free(&run, nfs, t);
    return rc;
}

/* "+12.5%", "-3.0%", "new", "gone", "=" */
static void change(char *out, size_t cap, uint64_t a, uint64_t b, int have_a, int have_b)
{
    if (!have_a) snprintf(out, cap, "new");
    else if (!have_b) snprintf(out, cap, "gone");
    else if (a == b) snprintf(out, cap, "=");
    else if (a == 0) snprintf(out, cap, "+inf");
    else snprintf(out, cap, "%+.1f%%", ((double)b - (double)a) * 100.0 / (double)a);
}

/* narrate diff A B: each function's figures in A and in B and the change, sorted by B's key
 * (then A's for functions gone in B). */
int narrate_diff(const char *path_a, const char *path_b, const char *sort, size_t top)
{
    stats_run_t ra, rb;
    narr_trace_t *ta, *tb;
    size_t na = 0, nb = 0, i, j, shown = 0;
    char safe[1024];
    int rc;
    sort_key = sort;
    if (stats_table(path_a, &ra, &na, &ta) != 0) return 1;
    if (stats_table(path_b, &rb, &nb, &tb) != 0) {
        stats_free(&ra, na, ta);
        return 1;
    }
    printf("%-32s %17s %8s %25s %8s %25s %8s\n", "function", "calls A -> B", "", "total A -> B", "", "p99 A -> B", "");
    for (i = 0; i < nb + na && shown < top; i++) {
        const fstat_t *a = NULL, *b = NULL;
        char c1[16], c2[16], c3[16], ta_[32], tb_[32], pa[32], pb[32], tot[80], p99[80];
        if (i < nb) { /* B's functions, with A's figures when A has them */
            b = &rb.fs[i];
            for (j = 0; j < na && a == NULL; j++)
                if (strcmp(ra.fs[j].fn, b->fn) == 0) a = &ra.fs[j];
        } else { /* A's functions that B no longer calls */
            int in_b = 0;
            a = &ra.fs[i - nb];
            for (j = 0; j < nb && !in_b; j++) in_b = strcmp(rb.fs[j].fn, a->fn) == 0;
            if (in_b) continue;
        }
        change(c1, sizeof c1, a ? a->calls : 0, b ? b->calls : 0, a != NULL, b != NULL);
        change(c2, sizeof c2, a ? a->total : 0, b ? b->total : 0, a != NULL, b != NULL);
        change(c3, sizeof c3, a ? a->p99 : 0, b ? b->p99 : 0, a != NULL, b != NULL);
        narr_duration(ta_, sizeof ta_, a ? a->total : 0);
        narr_duration(tb_, sizeof tb_, b ? b->total : 0);
        narr_duration(pa, sizeof pa, a ? a->p99 : 0);
        narr_duration(pb, sizeof pb, b ? b->p99 : 0);
        snprintf(tot, sizeof tot, "%s -> %s", a ? ta_ : "-", b ? tb_ : "-");
        snprintf(p99, sizeof p99, "%s -> %s", a ? pa : "-", b ? pb : "-");
        printf("%-32s %8llu -> %-5llu %8s %25s %8s %25s %8s\n", narr_safe(b ? b->fn : a->fn, safe, sizeof safe),
               (unsigned long long)(a ? a->calls : 0), (unsigned long long)(b ? b->calls : 0), c1, tot, c2, p99, c3);
        shown++;
    }
    say_unmatched_and_losses(&ra, ta, "A: ");
    say_unmatched_and_losses(&rb, tb, "B: ");
    rc = ta->damaged || tb->damaged ? 1 : 0;
    stats_free(&ra, na, ta);
    stats_free(&rb, nb, tb);
    return rc;
}
