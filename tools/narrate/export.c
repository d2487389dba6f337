/* tools/narrate/export.c - narrate export --format chrome|jsonl FILE -o OUT, and narrate flame.
 * Chrome trace JSON: enter/exit as B/E per thread, every other event an instant, values as args;
 * Perfetto, chrome://tracing and speedscope open it. */
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

static void chrome_event(narr__buf_t *b, const narr_event_t *ev, const narr_site_t *s, int *first)
{
    size_t i;
    const char *ph = "i";
    if (s->kind == NARR_KIND_FN_ENTER || s->kind == NARR_KIND_ENTER) ph = "B";
    else if (s->kind == NARR_KIND_FN_EXIT || s->kind == NARR_KIND_EXIT) ph = "E";
    if (*first) PUTS(b, "\n");
    else PUTS(b, ",\n");
    *first = 0;
    PUTS(b, "{\"name\":");
    json_str(b, ev->action, strlen(ev->action));
    PUTS(b, ",\"cat\":");
    json_str(b, ev->actor, strlen(ev->actor));
    narr__buf_printf(b, ",\"ph\":\"%s\",\"ts\":%.3f,\"pid\":1,\"tid\":%u", ph, (double)ev->mono_ns / 1e3, ev->tid);
    if (ph[0] == 'i') PUTS(b, ",\"s\":\"t\"");
    PUTS(b, ",\"args\":{\"message\":");
    json_str(b, ev->message, ev->message_len);
    if (ev->target) PUTS(b, ",\"target\":"), json_str(b, ev->target, strlen(ev->target));
    for (i = 0; i < ev->nkv; i++) {
        narr__buf_putc(b, ',');
        json_str(b, ev->kv[i].key, strlen(ev->kv[i].key));
        narr__buf_putc(b, ':');
        json_str(b, ev->kv[i].value, ev->kv[i].value_len);
    }
    PUTS(b, "}}");
}

static FILE *open_out(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (f == NULL) fprintf(stderr, "narrate: cannot write %s\n", path);
    return f;
}

int narrate_export_otlp(narr_trace_t *t, const char *out_path);
int narrate_export_ctf(narr_trace_t *t, const char *dir);

int narrate_export(narr_trace_t *t, const char *format, const char *out_path)
{
    narr__buf_t b = {0};
    FILE *out;
    size_t i;
    int first = 1;
    if (strcmp(format, "otlp-json") == 0) return narrate_export_otlp(t, out_path);
    if (strcmp(format, "ctf") == 0) return narrate_export_ctf(t, out_path);
    if (strcmp(format, "chrome") != 0 && strcmp(format, "jsonl") != 0) {
        fprintf(stderr, "narrate export: --format takes chrome, ctf, jsonl or otlp-json\n");
        return 2;
    }
    out = open_out(out_path);
    if (out == NULL) return 1;
    narr_trace_sort(t);
    if (format[0] == 'c') fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
    for (i = 0; i < t->nevents; i++) {
        const narr_tevent_t *e = &t->events[i];
        const narr_event_t *ev = narr_trace_decode(t, e);
        if (ev == NULL) continue;
        b.len = 0;
        if (format[0] == 'c') chrome_event(&b, ev, t->sites[e->site], &first);
        else narr__json_line(&b, ev, NARR_REDACT_DEFAULT);
        fwrite(b.p, 1, b.len, out);
    }
    if (format[0] == 'c') fputs("\n]}\n", out);
    narr__buf_free(&b);
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

int narrate_flame(narr_trace_t *t, const char *out_path)
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
    if (narr_calls_build(t, &calls) != 0 || narr_forest_build(&calls, &f, NARR_FOREST_ALL) != 0) return 1;
    nodes = f.v;
    n = f.n;
    x = calloc(n + 1, sizeof *x);
    if (x == NULL) return 1;
    for (i = 0; i < n; i++) {
        if (nodes[i].parent == SIZE_MAX) all += nodes[i].total;
        if (nodes[i].depth > maxdepth) maxdepth = nodes[i].depth;
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
    if (out == NULL) return 1;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                 "height=\"%.0f\" font-family=\"monospace\" font-size=\"11\">\n",
            width, (maxdepth + 2) * row + 20);
    fprintf(out, "<text x=\"4\" y=\"14\">narrate flame graph: ");
    xml_text(out, t->program);
    fprintf(out, " (%.3f ms traced)</text>\n", (double)all / 1e6);
    for (i = 0; i < n; i++) {
        double w = all ? (double)nodes[i].total / (double)all * width : 0;
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
    return out == stdout ? 0 : fclose(out) == 0 ? 0 : 1;
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
int narrate_export_otlp(narr_trace_t *t, const char *out_path)
{
    narr_calls_t calls;
    narr__buf_t spans = {0}, res = {0}, out_buf = {0};
    uint64_t *trace_hi, *trace_lo;
    const char *service = t->program[0] ? t->program : "unknown";
    size_t i;
    FILE *out;
    int rc;
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
            if (ev->kv[k].meta != NARR_KV_OWN)
                narr__otlp_attr_str(&sp.attrs, 1, 9, ev->kv[k].key, ev->kv[k].value, ev->kv[k].value_len, SIZE_MAX);
        narr__otlp_span(&spans, 1, &sp);
        narr__buf_putc(&spans, '\n');
        narr__buf_free(&sp.attrs);
    }
    narr__otlp_request(&out_buf, 1, &res, &spans);
    rc = fwrite(out_buf.p, 1, out_buf.len, out) == out_buf.len ? 0 : 1;
    narr__buf_free(&out_buf);
    narr__buf_free(&spans);
    narr__buf_free(&res);
    free(trace_hi);
    free(trace_lo);
    narr_calls_free(&calls);
    return out == stdout ? rc : fclose(out) == 0 ? rc : 1;
}
