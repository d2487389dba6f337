/* tools/narrate/export.c - narrate export --format chrome|jsonl FILE -o OUT, and narrate flame.
 * Chrome trace JSON: calls as B/E per thread, every other event an instant, values as args;
 * Perfetto, chrome://tracing and speedscope open it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "narrate/redact.h"

/* Appends a string literal (its length from sizeof, never counted by hand). */
#define PUTS(b, lit) narr__buf_put((b), (lit), sizeof(lit) - 1)

static void json_str(narr__buf_t *b, const char *s, size_t n)
{
    narr__buf_putc(b, '"');
    narr__text_put(b, s, n, NARR__ESC_JSON, NARR_REDACT_DEFAULT);
    narr__buf_putc(b, '"');
}

/* ---- Chrome trace JSON ----
 * Calls are B/E pairs named by the function alone, so speedscope (whose frame key is the name
 * plus the args) and Perfetto see one frame per function; parameters and results go on the E
 * event ({"enter":{...},"exit":{...}}), which Perfetto merges into the slice and speedscope does
 * not key on. Each thread's pairs are balanced: exits lost in a drop or skipped by a longjmp
 * close their frames where the thread went on (said in the args), calls still open close at
 * the thread's last event. Each thread's timestamps strictly increase (1 ns apart at least),
 * so no importer has to guess the order of a begin and an end at the same time. */
typedef struct cframe {
    uint32_t fn;
    const char *name;
    size_t enter; /* its enter event's index */
} cframe_t;

typedef struct cthread {
    uint32_t tid;
    uint64_t last; /* the last timestamp written for it */
    int dirty;     /* a drop was seen: the next enter's recorded depth resynchronises */
    cframe_t *st;
    size_t depth, cap;
} cthread_t;

typedef struct chrome {
    narr_trace_t *t;
    FILE *out;
    narr__buf_t b;
    cthread_t *th;
    size_t nth;
    uint32_t pid;
    int first;
    size_t closed_lost, closed_open, orphan_exits;
} chrome_t;

static cthread_t *chrome_thread(chrome_t *c, uint32_t tid)
{
    size_t i;
    cthread_t *fresh;
    for (i = 0; i < c->nth; i++)
        if (c->th[i].tid == tid) return &c->th[i];
    fresh = realloc(c->th, (c->nth + 1) * sizeof *fresh);
    if (fresh == NULL) return NULL;
    c->th = fresh;
    memset(&c->th[c->nth], 0, sizeof *fresh);
    c->th[c->nth].tid = tid;
    return &c->th[c->nth++];
}

static uint64_t chrome_ts(cthread_t *th, uint64_t mono)
{
    if (th->last != 0 && mono <= th->last) mono = th->last + 1;
    th->last = mono;
    return mono;
}

static void chrome_head(chrome_t *c, const char *name, const char *cat, const char *ph, uint32_t tid, uint64_t ts)
{
    if (c->first) PUTS(&c->b, "\n");
    else PUTS(&c->b, ",\n");
    c->first = 0;
    PUTS(&c->b, "{\"name\":");
    json_str(&c->b, name, strlen(name));
    if (cat != NULL) PUTS(&c->b, ",\"cat\":"), json_str(&c->b, cat, strlen(cat));
    narr__buf_printf(&c->b, ",\"ph\":\"%s\",\"ts\":%llu.%03u,\"pid\":%u,\"tid\":%u", ph,
                     (unsigned long long)(ts / 1000), (unsigned)(ts % 1000), c->pid, tid);
}

/* "message":..., "target":..., key:value... of a decoded event, inside an object */
static void chrome_fields(narr__buf_t *b, const narr_event_t *ev)
{
    size_t i;
    PUTS(b, "\"message\":");
    json_str(b, ev->message, ev->message_len);
    if (ev->target) PUTS(b, ",\"target\":"), json_str(b, ev->target, strlen(ev->target));
    for (i = 0; i < ev->nkv; i++) { /* a value under a secret key (password, token...) never shows */
        narr__buf_putc(b, ',');
        json_str(b, ev->kv[i].key, strlen(ev->kv[i].key));
        PUTS(b, ":\"");
        narr__value_put(b, ev->kv[i].key, ev->kv[i].value, ev->kv[i].value_len, NARR__ESC_JSON, NARR_REDACT_DEFAULT);
        narr__buf_putc(b, '"');
    }
}

static void chrome_flush(chrome_t *c)
{
    fwrite(c->b.p, 1, c->b.len, c->out);
    c->b.len = 0;
}

/* Ends the thread's innermost frame: with the exit event's values (exit != NULL) or with why
 * its exit is not in the trace. */
static void chrome_end(chrome_t *c, cthread_t *th, uint64_t mono, const narr_tevent_t *exit, const char *why)
{
    cframe_t *f = &th->st[--th->depth];
    const narr_event_t *ev = narr_trace_decode(c->t, &c->t->events[f->enter]);
    chrome_head(c, f->name, NULL, "E", th->tid, chrome_ts(th, mono));
    PUTS(&c->b, ",\"args\":{\"enter\":{");
    if (ev != NULL) chrome_fields(&c->b, ev);
    PUTS(&c->b, "}");
    if (exit != NULL && (ev = narr_trace_decode(c->t, exit)) != NULL) {
        PUTS(&c->b, ",\"exit\":{");
        chrome_fields(&c->b, ev);
        if (c->t->sites[exit->site]->flags & NARR_SITE_ERROR) PUTS(&c->b, ",\"error\":true");
        PUTS(&c->b, "}");
    }
    if (why != NULL) PUTS(&c->b, ",\"narrate\":"), json_str(&c->b, why, strlen(why));
    PUTS(&c->b, "}}");
}

static int chrome_enter(chrome_t *c, cthread_t *th, const narr_tevent_t *e, size_t index)
{
    const narr_site_t *s = c->t->sites[e->site];
    if (th->dirty) { /* frames above the recorded depth lost their exits in the drop */
        const narr_event_t *ev = narr_trace_decode(c->t, e);
        th->dirty = 0;
        while (ev != NULL && ev->kind == NARR_KIND_FN_ENTER && th->depth > ev->depth) {
            chrome_end(c, th, e->mono, NULL, "exit lost: events were dropped here");
            c->closed_lost++;
        }
    }
    if (th->depth == th->cap) {
        size_t want = th->cap ? th->cap * 2 : 32;
        cframe_t *fresh = realloc(th->st, want * sizeof *fresh);
        if (fresh == NULL) return -1;
        th->st = fresh;
        th->cap = want;
    }
    th->st[th->depth].fn = c->t->tsites[e->site].fn;
    th->st[th->depth].name = s->action;
    th->st[th->depth].enter = index;
    th->depth++;
    chrome_head(c, s->action, s->actor, "B", th->tid, chrome_ts(th, e->mono));
    PUTS(&c->b, "}");
    return 0;
}

static void chrome_exit(chrome_t *c, cthread_t *th, const narr_tevent_t *e)
{
    uint32_t fn = c->t->tsites[e->site].fn;
    size_t k = th->depth;
    while (k > 0 && th->st[k - 1].fn != fn) k--;
    if (k == 0) { /* its enter is not in the trace (dropped, or before the trace began) */
        const narr_site_t *s = c->t->sites[e->site];
        const narr_event_t *ev = narr_trace_decode(c->t, e);
        c->orphan_exits++;
        chrome_head(c, s->action, s->actor, "i", th->tid, chrome_ts(th, e->mono));
        PUTS(&c->b, ",\"s\":\"t\",\"args\":{");
        if (ev != NULL) chrome_fields(&c->b, ev), narr__buf_putc(&c->b, ',');
        PUTS(&c->b, "\"narrate\":\"an exit whose enter is not in the trace\"}}");
        return;
    }
    while (th->depth > k) { /* callees left without an exit: a longjmp past them, or a loss */
        chrome_end(c, th, e->mono, NULL, "no exit recorded: unwound (longjmp) or lost");
        c->closed_lost++;
    }
    chrome_end(c, th, e->mono, e, NULL);
}

static void chrome_instant(chrome_t *c, cthread_t *th, const narr_tevent_t *e)
{
    const narr_event_t *ev = narr_trace_decode(c->t, e);
    if (ev == NULL) return;
    chrome_head(c, ev->action, ev->actor, "i", th->tid, chrome_ts(th, e->mono));
    PUTS(&c->b, ",\"s\":\"t\",\"args\":{");
    chrome_fields(&c->b, ev);
    PUTS(&c->b, "}}");
}

static int export_chrome(narr_trace_t *t, FILE *out)
{
    chrome_t c;
    size_t i;
    int rc = 0;
    memset(&c, 0, sizeof c);
    c.t = t;
    c.out = out;
    c.first = 1;
    c.pid = t->pid ? t->pid : 1;
    narr_trace_sort(t);
    fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
    for (i = 0; i < t->nevents && rc == 0; i++) {
        const narr_tevent_t *e = &t->events[i];
        const narr_site_t *s = e->site < t->nsites ? t->sites[e->site] : NULL;
        cthread_t *th = chrome_thread(&c, e->tid);
        if (th == NULL) {
            rc = -1;
            break;
        }
        if (e->site == 0 && e->dropped > 0) {
            th->dirty = 1;
            chrome_head(&c, "events lost", "narrate", "i", th->tid, chrome_ts(th, e->mono));
            narr__buf_printf(&c.b, ",\"s\":\"t\",\"args\":{\"dropped\":%llu}}", (unsigned long long)e->dropped);
        } else if (s == NULL || e->site == 0) {
            continue;
        } else if (narr__kind_enters(s->kind)) {
            rc = chrome_enter(&c, th, e, i);
        } else if (narr__kind_exits(s->kind)) {
            chrome_exit(&c, th, e);
        } else {
            chrome_instant(&c, th, e);
        }
        if (c.b.len >= 1u << 16) chrome_flush(&c);
    }
    for (i = 0; i < c.nth; i++) { /* calls open at the end, then the thread's name */
        cthread_t *th = &c.th[i];
        const char *name = narr_trace_thread_name(t, th->tid);
        char label[96];
        while (th->depth > 0) {
            chrome_end(&c, th, th->last, NULL, "still running when the trace ended");
            c.closed_open++;
        }
        snprintf(label, sizeof label, "%s", name ? name : "thread"); /* importers add the tid */
        chrome_head(&c, "thread_name", NULL, "M", th->tid, 0);
        PUTS(&c.b, ",\"args\":{\"name\":");
        json_str(&c.b, label, strlen(label));
        PUTS(&c.b, "}}");
        free(th->st);
        chrome_flush(&c);
    }
    chrome_head(&c, "process_name", NULL, "M", 0, 0);
    PUTS(&c.b, ",\"args\":{\"name\":");
    json_str(&c.b, t->program[0] ? t->program : "narrate", strlen(t->program[0] ? t->program : "narrate"));
    PUTS(&c.b, "}}");
    chrome_flush(&c);
    fputs("\n]}\n", out);
    if (c.closed_lost + c.closed_open + c.orphan_exits > 0)
        fprintf(stderr, "narrate export: %zu calls without a recorded exit closed where their thread went on, "
                        "%zu still open at the end closed there, %zu exits without an enter shown as instants "
                        "(each says so in its args)\n", c.closed_lost, c.closed_open, c.orphan_exits);
    free(c.th);
    narr__buf_free(&c.b);
    return rc;
}

static FILE *open_out(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (f == NULL) fprintf(stderr, "narrate: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

int narrate_export_otlp(narr_trace_t *t, const char *out_path);
int narrate_export_ctf(narr_trace_t *t, const char *dir);

int narrate_export(narr_trace_t *t, const char *format, const char *out_path)
{
    narr__buf_t b = {0};
    FILE *out;
    size_t i;
    if (strcmp(format, "otlp-json") == 0) return narrate_export_otlp(t, out_path);
    if (strcmp(format, "ctf") == 0) return narrate_export_ctf(t, out_path);
    if (strcmp(format, "chrome") != 0 && strcmp(format, "jsonl") != 0) {
        fprintf(stderr, "narrate export: --format takes chrome, ctf, jsonl or otlp-json\n");
        return 2;
    }
    out = open_out(out_path);
    if (out == NULL) return 1;
    if (format[0] == 'c') {
        if (export_chrome(t, out) != 0) fprintf(stderr, "narrate export: out of memory\n");
    } else {
        narr_trace_sort(t);
        for (i = 0; i < t->nevents; i++) {
            const narr_event_t *ev = narr_trace_decode(t, &t->events[i]);
            if (ev == NULL) continue;
            b.len = 0;
            narr__json_line(&b, ev, NARR_REDACT_DEFAULT);
            fwrite(b.p, 1, b.len, out);
        }
        narr__buf_free(&b);
    }
    return out == stdout ? 0 : fclose(out) == 0 ? 0 : 1;
}

/* ---- flame graph: stacks merged by path across threads, width = total time ---- */
static void xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", out);
        else if (*s == '>') fputs("&gt;", out);
        else if (*s == '&') fputs("&amp;", out);
        else if (*s == '"') fputs("&quot;", out);
        else if ((unsigned char)*s >= 0x20) fputc(*s, out);
    }
}

narr_trace_t *narrate_load(const char *path, narr_trace_visit_fn visit, void *ctx);

static int flame_visit(narr_trace_t *t, const narr_tevent_t *e, void *ctx)
{
    narr_calls_t *c = ctx;
    return narr_calls_feed(c, t, e, t->seen - 1) != 0 || c->forest_oom;
}

/* Streams the file: memory for the distinct call paths, not the events. */
int narrate_flame(const char *path, const char *out_path, int max_depth)
{
    narr_calls_t calls;
    narr_forest_t f;
    narr_node_t *nodes;
    double *x;
    size_t n, i, k;
    uint64_t all = 0;
    int maxdepth = 0;
    const double width = 1200.0, row = 18.0;
    FILE *out;
    narr_trace_t *t;
    int rc;
    narr_calls_begin(&calls, 0, NULL, NULL);
    narr_calls_stream_forests(&calls, &f, NULL);
    calls.forest_all = 1;
    t = narrate_load(path, flame_visit, &calls);
    narr_calls_end(&calls);
    if (t == NULL || calls.forest_oom) {
        if (calls.forest_oom) fprintf(stderr, "narrate flame: out of memory\n");
        narr_forest_free(&f);
        narr_calls_free(&calls);
        narr_trace_free(t);
        return 1;
    }
    nodes = f.v;
    n = f.n;
    x = calloc(n + 1, sizeof *x);
    if (x == NULL) {
        narr_forest_free(&f);
        narr_calls_free(&calls);
        narr_trace_free(t);
        return 1;
    }
    for (i = 0; i < n; i++) {
        if (nodes[i].parent == SIZE_MAX) all += nodes[i].total;
        if (nodes[i].depth > maxdepth && (max_depth == 0 || nodes[i].depth < max_depth)) maxdepth = nodes[i].depth;
    }
    /* children are laid out left to right inside their parent; roots across the whole width */
    {
        double root_x = 0;
        for (i = 0; i < n; i++) {
            double cx;
            if (nodes[i].parent == SIZE_MAX) {
                x[i] = root_x;
                root_x += all ? (double)nodes[i].total / (double)all : 0;
            }
            cx = x[i];
            for (k = i + 1; k < n; k++)
                if (nodes[k].parent == i) {
                    x[k] = cx;
                    cx += all ? (double)nodes[k].total / (double)all : 0;
                }
        }
    }
    out = open_out(out_path);
    if (out == NULL) {
        free(x);
        narr_forest_free(&f);
        narr_calls_free(&calls);
        narr_trace_free(t);
        return 1;
    }
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                 "height=\"%.0f\" font-family=\"monospace\" font-size=\"11\">\n",
            width, (maxdepth + 2) * row + 20);
    fprintf(out, "<text x=\"4\" y=\"14\">narrate flame graph: ");
    xml_text(out, t->program);
    fprintf(out, " (%.3f ms traced)</text>\n", (double)all / 1e6);
    for (i = 0; i < n; i++) {
        double w = all ? (double)nodes[i].total / (double)all * width : 0;
        if (max_depth > 0 && nodes[i].depth >= max_depth) continue; /* --depth */
        double y = (maxdepth + 1 - nodes[i].depth) * row + 20;
        unsigned hue = 0;
        const char *p;
        for (p = nodes[i].fn; *p; p++) hue = hue * 31 + (unsigned char)*p;
        fprintf(out, "<g><title>");
        xml_text(out, nodes[i].fn);
        fprintf(out, " (%.3f ms, %.1f%%)</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                     "fill=\"hsl(%u,70%%,60%%)\" stroke=\"white\"/>",
                (double)nodes[i].total / 1e6, all ? 100.0 * (double)nodes[i].total / (double)all : 0.0,
                x[i] * width, y, w, row - 1, 10 + hue % 50);
        if (w > 40) {
            fprintf(out, "<text x=\"%.2f\" y=\"%.1f\">", x[i] * width + 3, y + row - 5);
            xml_text(out, nodes[i].fn);
            fprintf(out, "</text>");
        }
        fprintf(out, "</g>\n");
    }
    fputs("</svg>\n", out);
    free(x);
    narr_forest_free(&f);
    narr_calls_free(&calls);
    rc = t->damaged ? 1 : 0;
    narr_trace_free(t);
    return out == stdout ? rc : fclose(out) == 0 ? rc : 1;
}

/* ---- OTLP JSON (ExportTraceServiceRequest): calls as spans ---- */
static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void id8(uint8_t *out, uint64_t v)
{
    int i;
    if (v == 0) v = 1;
    for (i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* The file holds no span ids: they are derived from the calls (a root's correlation id, else
 * its start), so the same file always exports the same ids. Encoded by the otlp sink's encoder. */
/* OTLP/JSON as JSON lines: an ExportTraceServiceRequest per line with up to this many spans, so
 * neither the writer nor a reader holds the whole export as one document. */
#define OTLP_BATCH 1000u

int narrate_export_otlp(narr_trace_t *t, const char *out_path)
{
    narr_calls_t calls;
    narr__buf_t spans = {0}, res = {0}, out_buf = {0};
    uint64_t *trace_hi, *trace_lo;
    const char *service = t->program[0] ? t->program : "unknown";
    size_t i, batch = 0, written = 0;
    FILE *out;
    int rc = 0;
    if (narr_calls_build(t, &calls) != 0) return 1;
    trace_hi = calloc(calls.n + 1, sizeof *trace_hi);
    trace_lo = calloc(calls.n + 1, sizeof *trace_lo);
    if (trace_hi == NULL || trace_lo == NULL) return 1;
    for (i = 0; i < calls.n; i++) {
        const narr_call_t *c = &calls.v[i];
        if (c->parent == SIZE_MAX) {
            uint64_t seed = c->corr ? hash_str(c->corr) : mix(c->start, i);
            trace_hi[i] = mix(seed, 1);
            trace_lo[i] = mix(seed, 2);
        } else {
            trace_hi[i] = trace_hi[c->parent];
            trace_lo[i] = trace_lo[c->parent];
        }
    }
    out = open_out(out_path);
    if (out == NULL) return 1;
    narr__otlp_attr_str(&res, 1, 1, "service.name", service, strlen(service), SIZE_MAX);
    for (i = 0; i < calls.n; i++) {
        const narr_call_t *c = &calls.v[i];
        const narr_event_t *ev;
        narr__otlp_span_t sp;
        size_t k;
        narr__buf_t red = {0};
        if (c->end == UINT64_MAX) continue; /* a span needs its end */
        memset(&sp, 0, sizeof sp);
        id8(sp.trace_id, trace_hi[i]);
        id8(sp.trace_id + 8, trace_lo[i]);
        id8(sp.span_id, mix(trace_lo[i], i + 1));
        if (c->parent != SIZE_MAX) id8(sp.parent_span_id, mix(trace_lo[i], c->parent + 1));
        sp.name = c->fn;
        sp.kind = 1;
        sp.start_ns = narr_trace_real_ns(t, c->start);
        sp.end_ns = narr_trace_real_ns(t, c->end);
        sp.error = c->error;
        narr__otlp_attr_int(&sp.attrs, 1, 9, "thread.id", c->tid);
        ev = narr_trace_decode(t, &t->events[c->enter]);
        for (k = 0; ev != NULL && k < ev->nkv; k++)
            if (ev->kv[k].meta != NARR_KV_OWN) { /* redacted as every other output is */
                red.len = 0;
                narr__value_put(&red, ev->kv[k].key, ev->kv[k].value, ev->kv[k].value_len, NARR__ESC_NONE, NARR_REDACT_DEFAULT);
                narr__otlp_attr_str(&sp.attrs, 1, 9, ev->kv[k].key, red.p ? red.p : "", red.len, SIZE_MAX);
            }
        narr__otlp_span(&spans, 1, &sp);
        narr__buf_free(&red);
        narr__buf_free(&sp.attrs);
        if (++batch == OTLP_BATCH) { /* one request per line, as OpenTelemetry's file exporter writes */
            out_buf.len = 0;
            narr__otlp_request(&out_buf, 1, &res, &spans);
            if (fwrite(out_buf.p, 1, out_buf.len, out) != out_buf.len) rc = 1;
            spans.len = 0;
            batch = 0;
            written++;
        }
    }
    if (batch > 0 || written == 0) {
        out_buf.len = 0;
        narr__otlp_request(&out_buf, 1, &res, &spans);
        if (fwrite(out_buf.p, 1, out_buf.len, out) != out_buf.len) rc = 1;
    }
    narr__buf_free(&out_buf);
    narr__buf_free(&spans);
    narr__buf_free(&res);
    free(trace_hi);
    free(trace_lo);
    narr_calls_free(&calls);
    return out == stdout ? rc : fclose(out) == 0 ? rc : 1;
}
