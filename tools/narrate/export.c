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
 * not key on. Calls are the ones tree and stats count (calls.c decides, the same rules): calls a
 * longjmp unwound close where their thread went on (said in the args), calls cut short by a
 * loss are left out (their callees stay, under the caller above), calls still open close at the
 * thread's last event. Each thread's pairs are balanced and its timestamps strictly increase
 * (1 ns apart at least), so no importer has to guess the order of a begin and an end. */
typedef struct cframe {
    uint32_t fn;
    const char *name;
    narr__buf_t args; /* its enter's fields, written on its E (the enter event is gone by then) */
    int hidden;       /* cut short by a loss: no B, no E */
} cframe_t;

typedef struct cthread {
    uint32_t tid;
    uint64_t last; /* the last timestamp written for it */
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
    size_t *cut, ncut, cutcap, cutat; /* enter event indexes of calls cut short by a loss (calls.c), sorted */
    size_t closed_lost, closed_open, orphan_exits, cut_short;
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
    const narr_event_t *ev;
    if (f->hidden) return;
    chrome_head(c, f->name, NULL, "E", th->tid, chrome_ts(th, mono));
    PUTS(&c->b, ",\"args\":{\"enter\":{");
    narr__buf_put(&c->b, f->args.p, f->args.len);
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
    const narr_event_t *ev;
    int cut;
    cframe_t *f;
    uint64_t depth;
    /* frames above the recorded depth were left without their exit (cut ones are hidden) */
    if (narr_trace_enter_depth(c->t, e, &depth) == 0)
        while (th->depth > depth) {
            c->closed_lost += !th->st[th->depth - 1].hidden;
            chrome_end(c, th, e->mono, NULL, "no exit recorded: unwound (longjmp)");
        }
    if (th->depth == th->cap) {
        size_t want = th->cap ? th->cap * 2 : 32;
        cframe_t *fresh = realloc(th->st, want * sizeof *fresh);
        if (fresh == NULL) return -1;
        memset(fresh + th->cap, 0, (want - th->cap) * sizeof *fresh);
        th->st = fresh;
        th->cap = want;
    }
    /* enters come in index order: the cut list is read once, front to back */
    while (c->cutat < c->ncut && c->cut[c->cutat] < index) c->cutat++;
    cut = c->cutat < c->ncut && c->cut[c->cutat] == index;
    f = &th->st[th->depth++];
    f->fn = c->t->tsites[e->site].fn;
    f->name = s->action;
    f->hidden = cut;
    f->args.len = 0;
    if (cut) {
        c->cut_short++;
        return 0;
    }
    if ((ev = narr_trace_decode(c->t, e)) != NULL) chrome_fields(&f->args, ev);
    if (f->args.oom) return -1;
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
    while (th->depth > k) { /* callees left without an exit: a longjmp past them (cut ones are hidden) */
        c->closed_lost += !th->st[th->depth - 1].hidden;
        chrome_end(c, th, e->mono, NULL, "no exit recorded: unwound (longjmp)");
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

static void note_cut(const narr_call_t *call, void *ctx)
{
    chrome_t *c = ctx;
    if (c->ncut == c->cutcap) {
        size_t want = c->cutcap ? c->cutcap * 2 : 64;
        size_t *fresh = c->cutcap == SIZE_MAX ? NULL : realloc(c->cut, want * sizeof *fresh);
        if (fresh == NULL) {
            c->cutcap = SIZE_MAX; /* (reported as out of memory) */
            return;
        }
        c->cut = fresh;
        c->cutcap = want;
    }
    c->cut[c->ncut++] = call->enter;
}

static int by_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* A first pass through the events in the export's order: the enter indexes of the calls
 * calls.c cuts short (a loss while they were open), so the export shows the calls tree and
 * stats count. Memory: the cut calls, not the events. */
static int calls_cut_short(chrome_t *c)
{
    narr_calls_t calls;
    const narr_tevent_t *e;
    size_t i = 0;
    int rc = 0;
    narr_calls_begin(&calls, 0, NULL, c);
    calls.on_cut = note_cut;
    while (rc == 0 && (e = narr_trace_next(c->t)) != NULL) rc = narr_calls_feed(&calls, c->t, e, i++);
    narr_calls_end(&calls);
    narr_calls_free(&calls);
    narr_trace_rewind(c->t);
    if (rc != 0 || c->cutcap == SIZE_MAX) return -1;
    if (c->ncut > 1) qsort(c->cut, c->ncut, sizeof *c->cut, by_index);
    return 0;
}

static int export_chrome(narr_trace_t *t, FILE *out)
{
    narr_progress_t prog = {"exporting", 0, 0};
    chrome_t c;
    const narr_tevent_t *e;
    size_t i, k;
    int rc = 0;
    memset(&c, 0, sizeof c);
    c.t = t;
    c.out = out;
    c.first = 1;
    c.pid = t->pid ? t->pid : 1;
    if (calls_cut_short(&c) != 0) {
        free(c.cut);
        return -1;
    }
    fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
    for (i = 0; rc == 0 && (e = narr_trace_next(t)) != NULL; i++) {
        const narr_site_t *s = e->site < t->nsites ? t->sites[e->site] : NULL;
        cthread_t *th = chrome_thread(&c, e->tid);
        if (th == NULL) {
            rc = -1;
            break;
        }
        if (e->site == 0 && e->dropped > 0) {
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
        if ((i & 0xffff) == 0) narr_progress_step(&prog, t->stream_done, t->stream_events);
    }
    narr_progress_step(&prog, t->stream_events, t->stream_events);
    for (i = 0; i < c.nth; i++) { /* calls open at the end, then the thread's name */
        cthread_t *th = &c.th[i];
        const char *name = narr_trace_thread_name(t, th->tid);
        char label[96];
        while (th->depth > 0) {
            c.closed_open += !th->st[th->depth - 1].hidden;
            chrome_end(&c, th, th->last, NULL, "still running when the trace ended");
        }
        snprintf(label, sizeof label, "%s", name ? name : "thread"); /* importers add the tid */
        chrome_head(&c, "thread_name", NULL, "M", th->tid, 0);
        PUTS(&c.b, ",\"args\":{\"name\":");
        json_str(&c.b, label, strlen(label));
        PUTS(&c.b, "}}");
        for (k = 0; k < th->cap; k++) narr__buf_free(&th->st[k].args);
        free(th->st);
        chrome_flush(&c);
    }
    chrome_head(&c, "process_name", NULL, "M", 0, 0);
    PUTS(&c.b, ",\"args\":{\"name\":");
    json_str(&c.b, t->program[0] ? t->program : "narrate", strlen(t->program[0] ? t->program : "narrate"));
    PUTS(&c.b, "}}");
    chrome_flush(&c);
    fputs("\n]}\n", out);
    if (c.closed_lost + c.closed_open + c.orphan_exits + c.cut_short > 0)
        fprintf(stderr, "narrate export: %zu calls unwound by a longjmp closed where their thread went on, "
                        "%zu still open at the end closed there (each says so in its args), %zu exits without an "
                        "enter shown as instants, %zu calls cut short by lost events left out\n",
                c.closed_lost, c.closed_open, c.orphan_exits, c.cut_short);
    free(c.cut);
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
        narr_progress_t prog = {"exporting", 0, 0};
        const narr_tevent_t *e;
        for (i = 0; (e = narr_trace_next(t)) != NULL; i++) {
            const narr_event_t *ev = narr_trace_decode(t, e);
            if ((i & 0xffff) == 0) narr_progress_step(&prog, t->stream_done, t->stream_events);
            if (ev == NULL) continue;
            b.len = 0;
            narr__json_line(&b, ev, NARR_REDACT_DEFAULT);
            fwrite(b.p, 1, b.len, out);
        }
        narr_progress_step(&prog, t->stream_events, t->stream_events);
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

/* Streams the file: memory for the distinct call paths, not the events. */
/* The SVG's script: click a frame to zoom to it (its callers span the width, its callees scale
 * with it), "Reset zoom" to go back, "Search" to highlight frames by regular expression and
 * show the share of time they cover, as flamegraph.pl's graphs do. Frames carry their place as
 * fractions of their band (data-x, data-w), their depth (data-d) and band (data-b). */
static const char flame_script[] =
    "<script type=\"text/ecmascript\"><![CDATA[\n"
    "var W = 1200;\n"
    "function frames() { return document.querySelectorAll('g.f'); }\n"
    "function place(g, x, w) {\n"
    "  var r = g.querySelector('rect'), t = g.querySelector('text');\n"
    "  r.setAttribute('x', x * W); r.setAttribute('width', Math.max(0, w * W));\n"
    "  g.style.display = w > 0 ? '' : 'none';\n"
    "  if (t) { t.setAttribute('x', x * W + 3); t.style.display = w * W > 40 ? '' : 'none'; }\n"
    "}\n"
    "function zoom(g) {\n"
    "  var b = g.dataset.b, x0 = +g.dataset.x, w0 = +g.dataset.w, d0 = +g.dataset.d;\n"
    "  frames().forEach(function (f) {\n"
    "    if (f.dataset.b !== b) return;\n"
    "    var x = +f.dataset.x, w = +f.dataset.w, d = +f.dataset.d;\n"
    "    if (d < d0 && x <= x0 + 1e-12 && x + w >= x0 + w0 - 1e-12) place(f, 0, 1);\n"
    "    else if (d >= d0 && x >= x0 - 1e-12 && x + w <= x0 + w0 + 1e-12) place(f, (x - x0) / w0, w / w0);\n"
    "    else place(f, 0, 0);\n"
    "  });\n"
    "}\n"
    "function unzoom() { frames().forEach(function (f) { place(f, +f.dataset.x, +f.dataset.w); }); }\n"
    "function search() {\n"
    "  var term = prompt('Search for (a regular expression):', ''), re, total = {}, hit = {}, shown = [];\n"
    "  if (term === null) return;\n"
    "  try { re = new RegExp(term); } catch (e) { alert('Not a regular expression: ' + e); return; }\n"
    "  frames().forEach(function (f) {\n"
    "    var r = f.querySelector('rect'), name = f.dataset.n, b = f.dataset.b;\n"
    "    if (!r.dataset.fill) r.dataset.fill = r.getAttribute('fill');\n"
    "    if (+f.dataset.d === 0) total[b] = (total[b] || 0) + +f.dataset.w;\n"
    "    if (term !== '' && re.test(name)) { r.setAttribute('fill', 'rgb(230,0,230)'); shown.push(f); }\n"
    "    else r.setAttribute('fill', r.dataset.fill);\n"
    "  });\n"
    "  /* time covered: matching frames not inside another matching frame */\n"
    "  shown.forEach(function (f) {\n"
    "    var inner = shown.some(function (o) { return o !== f && o.dataset.b === f.dataset.b && +o.dataset.d < +f.dataset.d &&\n"
    "      +o.dataset.x <= +f.dataset.x && +o.dataset.x + +o.dataset.w >= +f.dataset.x + +f.dataset.w; });\n"
    "    if (!inner) hit[f.dataset.b] = (hit[f.dataset.b] || 0) + +f.dataset.w;\n"
    "  });\n"
    "  var m = document.getElementById('matched'), parts = [];\n"
    "  Object.keys(hit).forEach(function (b) { parts.push((100 * hit[b] / (total[b] || 1)).toFixed(1) + '%'); });\n"
    "  m.textContent = term === '' ? '' : 'Matched: ' + (parts.join(', ') || '0%');\n"
    "}\n"
    "]]></script>\n";

typedef struct flame_band {
    const char *label;
    uint32_t tid;
    const char *corr;
    uint64_t total;
    int maxdepth;
    double y0;
} flame_band_t;

/* Streams the file: memory for the distinct call paths, not the events. by: "all" (threads
 * merged), "thread" (a band per thread) or "corr" (a band per correlation id). */
int narrate_flame(const char *path, const char *out_path, int max_depth, const char *by)
{
    narr_calls_t calls;
    narr_forest_t f, byc, *use;
    narr_node_t *nodes;
    double *x;
    size_t n, i, k, *band_of = NULL, nb = 0;
    flame_band_t *bands = NULL;
    const double width = 1200.0, row = 18.0;
    double height = 40;
    FILE *out = NULL;
    narr_trace_t *t;
    int rc = 1, per_corr = strcmp(by, "corr") == 0, per_thread = strcmp(by, "thread") == 0;
    narr_calls_begin(&calls, 0, NULL, NULL);
    narr_calls_stream_forests(&calls, &f, per_corr ? &byc : NULL);
    calls.forest_all = !per_thread;
    t = narrate_load(path, narr_calls_visit, &calls);
    narr_calls_end(&calls);
    use = per_corr ? &byc : &f;
    nodes = use->v;
    n = use->n;
    x = calloc(n + 1, sizeof *x);
    band_of = calloc(n + 1, sizeof *band_of);
    bands = calloc(n + 1, sizeof *bands);
    if (t == NULL || calls.forest_oom || x == NULL || band_of == NULL || bands == NULL) {
        if (calls.forest_oom || (t != NULL && (x == NULL || band_of == NULL || bands == NULL)))
            fprintf(stderr, "narrate flame: out of memory\n");
        goto done;
    }
    /* bands: one per thread or correlation (nodes of a band share it with their root) */
    for (i = 0; i < n; i++) {
        if (nodes[i].parent != SIZE_MAX) {
            band_of[i] = band_of[nodes[i].parent];
        } else {
            for (k = 0; k < nb; k++)
                if ((!per_thread || bands[k].tid == nodes[i].tid) &&
                    (!per_corr || strcmp(bands[k].corr, nodes[i].corr) == 0))
                    break;
            if (k == nb) {
                bands[nb].tid = nodes[i].tid;
                bands[nb].corr = nodes[i].corr;
                nb++;
            }
            band_of[i] = k;
            bands[k].total += nodes[i].total;
        }
        if (nodes[i].depth > bands[band_of[i]].maxdepth && (max_depth == 0 || nodes[i].depth < max_depth))
            bands[band_of[i]].maxdepth = nodes[i].depth;
    }
    /* children left to right inside their parent; a band's roots across the width */
    {
        double *root_x = calloc(nb + 1, sizeof *root_x);
        if (root_x == NULL) goto done;
        for (i = 0; i < n; i++) {
            flame_band_t *bd = &bands[band_of[i]];
            double cx;
            if (nodes[i].parent == SIZE_MAX) {
                x[i] = root_x[band_of[i]];
                root_x[band_of[i]] += bd->total ? (double)nodes[i].total / (double)bd->total : 0;
            }
            cx = x[i];
            for (k = i + 1; k < n; k++)
                if (nodes[k].parent == i) {
                    x[k] = cx;
                    cx += bd->total ? (double)nodes[k].total / (double)bd->total : 0;
                }
        }
        free(root_x);
    }
    for (k = 0; k < nb; k++) {
        bands[k].y0 = height + (nb > 1 ? row : 0);
        height = bands[k].y0 + (bands[k].maxdepth + 1) * row + 8;
    }
    out = open_out(out_path);
    if (out == NULL) goto done;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                 "height=\"%.0f\" font-family=\"monospace\" font-size=\"11\">\n%s",
            width, height + 10, flame_script);
    fprintf(out, "<text x=\"4\" y=\"14\">narrate flame graph: ");
    xml_text(out, t->program);
    {
        uint64_t all = 0;
        for (k = 0; k < nb; k++) all += bands[k].total;
        fprintf(out, " (%.3f ms traced%s)</text>\n", (double)all / 1e6,
                per_thread ? ", a band per thread" : per_corr ? ", a band per correlation id" : "");
    }
    fprintf(out, "<text x=\"4\" y=\"30\" style=\"cursor:pointer\" onclick=\"unzoom()\">[Reset zoom]</text>"
                 "<text x=\"100\" y=\"30\" style=\"cursor:pointer\" onclick=\"search()\">[Search]</text>"
                 "<text id=\"matched\" x=\"180\" y=\"30\"></text>\n");
    for (k = 0; k < nb && nb > 1; k++) {
        const char *name = per_thread ? narr_trace_thread_name(t, bands[k].tid) : NULL;
        fprintf(out, "<text x=\"4\" y=\"%.1f\" font-weight=\"bold\">", bands[k].y0 - 4);
        if (per_corr) {
            fputs("correlation ", out);
            xml_text(out, bands[k].corr);
        } else {
            fprintf(out, "thread %u", bands[k].tid);
            if (name) fputs(" (", out), xml_text(out, name), fputs(")", out);
        }
        fprintf(out, " - %.3f ms</text>\n", (double)bands[k].total / 1e6);
    }
    for (i = 0; i < n; i++) {
        const flame_band_t *bd = &bands[band_of[i]];
        double frac = bd->total ? (double)nodes[i].total / (double)bd->total : 0, w = frac * width, y;
        unsigned hue = 0;
        const char *p;
        if (max_depth > 0 && nodes[i].depth >= max_depth) continue; /* --depth */
        y = bd->y0 + (bd->maxdepth - nodes[i].depth) * row;
        for (p = nodes[i].fn; *p; p++) hue = hue * 31 + (unsigned char)*p;
        fprintf(out, "<g class=\"f\" data-b=\"%zu\" data-d=\"%d\" data-x=\"%.9f\" data-w=\"%.9f\" data-n=\"", band_of[i],
                nodes[i].depth, x[i], frac);
        xml_text(out, nodes[i].fn);
        fprintf(out, "\" onclick=\"zoom(this)\" style=\"cursor:pointer\"><title>");
        xml_text(out, nodes[i].fn);
        fprintf(out, " (%.3f ms, %.1f%%, %llu call%s)</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                     "fill=\"hsl(%u,70%%,60%%)\" stroke=\"white\"/>",
                (double)nodes[i].total / 1e6, 100.0 * frac, (unsigned long long)nodes[i].calls,
                nodes[i].calls == 1 ? "" : "s", x[i] * width, y, w, row - 1, 10 + hue % 50);
        fprintf(out, "<text x=\"%.2f\" y=\"%.1f\"%s>", x[i] * width + 3, y + row - 5, w > 40 ? "" : " style=\"display:none\"");
        xml_text(out, nodes[i].fn);
        fprintf(out, "</text></g>\n");
    }
    fputs("</svg>\n", out);
    rc = t->damaged ? 1 : 0;
done:
    free(x);
    free(band_of);
    free(bands);
    narr_forest_free(&f);
    if (per_corr) narr_forest_free(&byc);
    narr_calls_free(&calls);
    narr_trace_free(t);
    if (out != NULL && out != stdout && fclose(out) != 0) rc = 1;
    return rc;
}

/* ---- OTLP JSON (ExportTraceServiceRequest): calls as spans ---- */
static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
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

typedef struct otlp_run {
    narr_trace_t *t;
    FILE *out;
    narr__buf_t spans, res, out_buf, red;
    size_t batch, written;
    int rc;
} otlp_run_t;

static void otlp_flush(otlp_run_t *r)
{
    r->out_buf.len = 0;
    narr__otlp_request(&r->out_buf, 1, &r->res, &r->spans);
    if (fwrite(r->out_buf.p, 1, r->out_buf.len, r->out) != r->out_buf.len) r->rc = 1;
    r->spans.len = 0;
    r->batch = 0;
    r->written++;
}

/* A call ended (calls.c): its span. Ids are derived, so the same file always exports the same
 * ones: the trace's from the root call it runs under (its context's W3C trace id when it ran
 * in one, else its start and place), the span's from its enter event's place, its parent's
 * from its caller's. */
static void otlp_call(const narr_call_t *c, void *ctx)
{
    otlp_run_t *r = ctx;
    narr_trace_t *t = r->t;
    const narr_event_t *ev;
    narr__otlp_span_t sp;
    uint64_t hi, lo;
    size_t k;
    if (c->root_ctx != 0 && c->root_ctx <= t->nctxs) {
        hi = t->ctxs[c->root_ctx - 1].trace_hi;
        lo = t->ctxs[c->root_ctx - 1].trace_lo;
    } else {
        uint64_t seed = mix(c->root_start, c->root_enter);
        hi = mix(seed, 1);
        lo = mix(seed, 2);
    }
    memset(&sp, 0, sizeof sp);
    id8(sp.trace_id, hi);
    id8(sp.trace_id + 8, lo);
    id8(sp.span_id, mix(lo, c->enter + 1));
    if (c->parent_enter != SIZE_MAX) id8(sp.parent_span_id, mix(lo, c->parent_enter + 1));
    sp.name = c->fn;
    sp.kind = 1;
    sp.start_ns = narr_trace_real_ns(t, c->start);
    sp.end_ns = narr_trace_real_ns(t, c->end);
    sp.error = c->error;
    narr__otlp_attr_int(&sp.attrs, 1, 9, "thread.id", c->tid);
    ev = c->enter_ev != NULL ? narr_trace_decode(t, c->enter_ev) : NULL;
    for (k = 0; ev != NULL && k < ev->nkv; k++)
        if (ev->kv[k].meta != NARR_KV_OWN) { /* redacted as every other output is */
            r->red.len = 0;
            narr__value_put(&r->red, ev->kv[k].key, ev->kv[k].value, ev->kv[k].value_len, NARR__ESC_NONE, NARR_REDACT_DEFAULT);
            narr__otlp_attr_str(&sp.attrs, 1, 9, ev->kv[k].key, r->red.p ? r->red.p : "", r->red.len, SIZE_MAX);
        }
    narr__otlp_span(&r->spans, 1, &sp);
    narr__buf_free(&sp.attrs);
    if (++r->batch == OTLP_BATCH) otlp_flush(r); /* one request per line, as OpenTelemetry's file exporter writes */
}

/* Calls as spans, written as they end (callees before their callers): memory is the open calls
 * (with a copy of each one's enter event), not the events. */
int narrate_export_otlp(narr_trace_t *t, const char *out_path)
{
    narr_calls_t calls;
    otlp_run_t r;
    const char *service = t->program[0] ? t->program : "unknown";
    const narr_tevent_t *e;
    size_t i;
    int fed = 0;
    narr_progress_t prog = {"exporting", 0, 0};
    memset(&r, 0, sizeof r);
    r.t = t;
    r.out = open_out(out_path);
    if (r.out == NULL) return 1;
    narr__otlp_attr_str(&r.res, 1, 1, "service.name", service, strlen(service), SIZE_MAX);
    narr_calls_begin(&calls, 0, otlp_call, &r);
    calls.keep_enters = 1;
    for (i = 0; fed == 0 && (e = narr_trace_next(t)) != NULL; i++) {
        fed = narr_calls_feed(&calls, t, e, i);
        if ((i & 0xffff) == 0) narr_progress_step(&prog, t->stream_done, t->stream_events);
    }
    narr_calls_end(&calls); /* calls still open end at their thread's last event, as stats counts them */
    narr_progress_step(&prog, t->stream_events, t->stream_events);
    if (fed != 0) {
        fprintf(stderr, "narrate export: out of memory\n");
        r.rc = 1;
    }
    if (r.batch > 0 || r.written == 0) otlp_flush(&r);
    narr_calls_free(&calls);
    narr__buf_free(&r.out_buf);
    narr__buf_free(&r.spans);
    narr__buf_free(&r.res);
    narr__buf_free(&r.red);
    return r.out == stdout ? r.rc : fclose(r.out) == 0 ? r.rc : 1;
}
