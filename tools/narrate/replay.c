/* tools/narrate/replay.c - narrate replay: every call as uftrace replay shows it, in time order,
 * nested per thread, with its arguments and its result:
 *
 *      TIME       DURATION      TID  FUNCTION
 *   0.000544                 [  1310] | dispatch_job(job_id="job-120", tokens=64) {
 *   0.000545       2.100 us  [  1310] |   select_worker(job_id="job-120") = 0x55da78e69980;
 *   0.010641      10.097 ms  [  1310] | } = "worker-cpu0-r1" (comment: dispatch_job)
 *
 * A call with nothing recorded inside it is one line. Other events show where they happened as
 * comments. Calls whose exit is not in the trace (lost, skipped by a longjmp) close where their
 * thread went on and say so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "narrate/redact.h"
#include "calls.h"

typedef struct rthread {
    uint32_t tid;
    struct rframe { uint32_t fn; const char *name; uint64_t start; } *st;
    size_t depth, cap;
    int pending;        /* the enter not printed yet (its call may be a leaf) */
    narr_tevent_t pend; /* a copy of it, its values in pend_vals (hidden callees may come between) */
    narr__buf_t pend_vals;
    uint64_t pending_at;
    int dirty;          /* a loss was seen: the next enter's recorded depth resynchronises */
} rthread_t;

static rthread_t *thread_of(rthread_t **v, size_t *n, uint32_t tid)
{
    size_t i;
    rthread_t *fresh;
    for (i = 0; i < *n; i++)
        if ((*v)[i].tid == tid) return &(*v)[i];
    fresh = realloc(*v, (*n + 1) * sizeof *fresh);
    if (fresh == NULL) return NULL;
    *v = fresh;
    memset(&fresh[*n], 0, sizeof fresh[0]);
    fresh[*n].tid = tid;
    return &fresh[(*n)++];
}


static void prefix(narr_trace_t *t, uint64_t mono, const char *dur, uint32_t tid, size_t depth)
{
    uint64_t rel = mono > t->start_mono ? mono - t->start_mono : 0;
    size_t i;
    printf("%4llu.%06llu %12s  [%6u] | ", (unsigned long long)(rel / 1000000000u),
           (unsigned long long)(rel % 1000000000u / 1000u), dur, tid);
    for (i = 0; i < depth; i++) fputs("  ", stdout);
}

/* a value as code shows it: numbers and addresses bare, anything else quoted and escaped */
static void value(const char *v, size_t n)
{
    narr__buf_t b = {0};
    size_t i = 0;
    int number = n > 0;
    if (n > 0 && (v[0] == '-' || v[0] == '+')) i = 1;
    if (n > 2 && v[0] == '0' && v[1] == 'x') i = 2;
    for (; i < n && number; i++)
        number = (v[i] >= '0' && v[i] <= '9') || v[i] == '.' || (v[1] == 'x' && ((v[i] >= 'a' && v[i] <= 'f') || (v[i] >= 'A' && v[i] <= 'F')));
    if (number || (n == 4 && memcmp(v, "true", 4) == 0) || (n == 5 && memcmp(v, "false", 5) == 0) ||
        (n == 4 && memcmp(v, "NULL", 4) == 0)) {
        narr__text_put(&b, v, n, NARR__ESC_CONSOLE, NARR_REDACT_NONE);
        fwrite(b.p, 1, b.len, stdout);
    } else {
        putchar('"');
        narr__text_put(&b, v, n, NARR__ESC_CONSOLE, NARR_REDACT_NONE); /* values were redacted when written */
        fwrite(b.p, 1, b.len, stdout);
        putchar('"');
    }
    narr__buf_free(&b);
}

static void args(const narr_event_t *ev)
{
    size_t i;
    int first = 1;
    putchar('(');
    for (i = 0; ev != NULL && i < ev->nkv; i++) {
        char safe[256];
        if (ev->kv[i].meta != NARR_KV_VALUE) continue;
        printf("%s%s=", first ? "" : ", ", narr_safe(ev->kv[i].key, safe, sizeof safe));
        value(ev->kv[i].value, ev->kv[i].value_len);
        first = 0;
    }
    putchar(')');
}

static void result(const narr_event_t *ev)
{
    size_t i;
    for (i = 0; ev != NULL && i < ev->nkv; i++)
        if (ev->kv[i].meta == NARR_KV_VALUE && strcmp(ev->kv[i].key, "result") == 0) {
            fputs(" = ", stdout);
            value(ev->kv[i].value, ev->kv[i].value_len);
        }
    if (ev != NULL && ev->error) fputs(" (error)", stdout);
}

/* The pending enter, printed as the opening of a call with callees: "fn(args) {" */
static void open_pending(narr_trace_t *t, rthread_t *th)
{
    const narr_tevent_t *e;
    char safe[256];
    if (!th->pending) return;
    e = &th->pend;
    prefix(t, e->mono, "", th->tid, th->depth - 1);
    fputs(narr_safe(th->st[th->depth - 1].name, safe, sizeof safe), stdout);
    args(narr_trace_decode(t, e));
    puts(" {");
    th->pending = 0;
}

static void close_frame(narr_trace_t *t, rthread_t *th, uint64_t mono, const narr_tevent_t *exit, const char *why)
{
    struct rframe *f = &th->st[th->depth - 1];
    char dur[32], safe[256];
    const narr_event_t *ev = exit != NULL ? narr_trace_decode(t, exit) : NULL;
    narr_duration(dur, sizeof dur, mono > f->start ? mono - f->start : 0);
    if (th->pending && exit != NULL) { /* a leaf: one line */
        const narr_event_t *in = narr_trace_decode(t, &th->pend);
        prefix(t, th->pend.mono, dur, th->tid, th->depth - 1);
        fputs(narr_safe(f->name, safe, sizeof safe), stdout);
        args(in);
        ev = narr_trace_decode(t, exit); /* decoding the enter reused the buffer */
        result(ev);
        puts(";");
        th->pending = 0;
    } else {
        open_pending(t, th);
        prefix(t, mono, dur, th->tid, th->depth - 1);
        fputs("}", stdout);
        result(ev);
        printf(" /* %s%s%s */\n", narr_safe(f->name, safe, sizeof safe), why ? ": " : "", why ? why : "");
    }
    th->depth--;
}

int narrate_replay(narr_trace_t *t, int max_depth)
{
    rthread_t *threads = NULL;
    size_t nthreads = 0, i;
    const narr_tevent_t *e;
    printf("%11s %12s  %8s   %s\n", "TIME", "DURATION", "TID", "FUNCTION");
    while ((e = narr_trace_next(t)) != NULL) {
        const narr_site_t *s = e->site < t->nsites ? t->sites[e->site] : NULL;
        rthread_t *th = thread_of(&threads, &nthreads, e->tid);
        if (th == NULL) break;
        if (e->site == 0 && e->dropped > 0) {
            open_pending(t, th);
            prefix(t, e->mono, "", th->tid, th->depth);
            printf("/* %llu events lost here */\n", (unsigned long long)e->dropped);
            th->dirty = 1;
            continue;
        }
        if (s == NULL || e->site == 0) continue;
        if (narr__kind_enters(s->kind)) {
            const narr_event_t *ev = th->dirty ? narr_trace_decode(t, e) : NULL;
            if (ev != NULL && ev->kind == NARR_KIND_FN_ENTER) {
                uint32_t recorded = ev->depth; /* (closing frames decodes other events) */
                while (th->depth > recorded) close_frame(t, th, e->mono, NULL, "exit lost");
            }
            th->dirty = 0;
            if (max_depth == 0 || th->depth < (size_t)max_depth) open_pending(t, th); /* (a hidden callee keeps it a leaf) */
            if (th->depth == th->cap) {
                size_t want = th->cap ? th->cap * 2 : 32;
                struct rframe *fresh = realloc(th->st, want * sizeof *fresh);
                if (fresh == NULL) break;
                th->st = fresh;
                th->cap = want;
            }
            th->st[th->depth].fn = t->tsites[e->site].fn;
            th->st[th->depth].name = s->action;
            th->st[th->depth].start = e->mono;
            th->depth++;
            if (max_depth > 0 && th->depth > (size_t)max_depth) continue; /* counted, not shown */
            th->pending = 1;
            th->pend = *e;
            th->pend_vals.len = 0;
            narr__buf_put(&th->pend_vals, e->vals, e->vlen);
            if (th->pend_vals.oom) break;
            th->pend.vals = (const unsigned char *)th->pend_vals.p;
        } else if (narr__kind_exits(s->kind)) {
            uint32_t fn = t->tsites[e->site].fn;
            size_t k = th->depth;
            while (k > 0 && th->st[k - 1].fn != fn) k--;
            if (k == 0) {
                open_pending(t, th);
                prefix(t, e->mono, "", th->tid, th->depth);
                printf("/* exit of %s, its enter is not in the trace */\n", s->action);
                continue;
            }
            while (th->depth > k) {
                if (max_depth > 0 && th->depth > (size_t)max_depth) th->depth--;
                else close_frame(t, th, e->mono, NULL, "no exit recorded: unwound (longjmp) or lost");
            }
            if (max_depth > 0 && th->depth > (size_t)max_depth) th->depth--;
            else close_frame(t, th, e->mono, e, NULL);
        } else if (max_depth == 0 || th->depth < (size_t)max_depth) {
            const narr_event_t *ev;
            narr__buf_t line = {0};
            open_pending(t, th); /* before decoding this event: printing the enter decodes it */
            if ((ev = narr_trace_decode(t, e)) == NULL) continue;
            prefix(t, e->mono, "", th->tid, th->depth);
            narr__console_line(&line, ev, 0, NARR_MODE_HUMAN, NARR_REDACT_DEFAULT);
            if (line.len > 0) line.p[--line.len] = '\0'; /* its newline */
            printf("/* %s */\n", line.p ? line.p : "");
            narr__buf_free(&line);
        }
    }
    for (i = 0; i < nthreads; i++) {
        while (threads[i].depth > 0) {
            if (max_depth > 0 && threads[i].depth > (size_t)max_depth) threads[i].depth--;
            else close_frame(t, &threads[i], t->last_mono, NULL, "still running when the trace ended");
        }
        free(threads[i].st);
        narr__buf_free(&threads[i].pend_vals);
    }
    free(threads);
    return 0;
}
