/* runtime/sinks/otlp_sink.c - the otlp sink, on the consumer thread: contexts and traced calls
 * become spans (a context's span is the parent of the calls made in it; a call's is the parent
 * of its callees), parameters and results become attributes, error exits set the status, and
 * other events become span events of the innermost open span of their thread. Finished spans
 * are encoded at once and queued for the exporter (otlp_export.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "internal.h"
#include "narrate/otlp.h"
#include "narrate/redact.h"
#include "otlp_internal.h"

#define SPAN_ATTRS_MAX 128  /* OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT's default */
#define SPAN_EVENTS_MAX 128 /* OTEL_SPAN_EVENT_COUNT_LIMIT's default */

typedef struct open_span {
    narr__otlp_span_t s;
    char *name;
    char *status;
    int is_context;
    unsigned nattrs, nevents;
} open_span_t;

typedef struct thread_spans {
    uint32_t tid;
    open_span_t *v;
    size_t n, cap;
} thread_spans_t;

typedef struct otlp_sink {
    narr__otlp_settings_t s;
    char *headers;
    narr__otlp_exporter_t *ex;
    thread_spans_t *threads;
    size_t nthreads, cap;
    uint64_t rng[2];
    narr__buf_t scratch, one;
} otlp_sink_t;

static uint64_t next_random(otlp_sink_t *k) /* xorshift128+ */
{
    uint64_t a = k->rng[0], b = k->rng[1];
    k->rng[0] = b;
    a ^= a << 23;
    k->rng[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
    return k->rng[1] + b;
}

static void random_id(otlp_sink_t *k, uint8_t *id, size_t n)
{
    size_t i;
    do {
        for (i = 0; i < n; i += 8) {
            uint64_t r = next_random(k);
            memcpy(id + i, &r, n - i < 8 ? n - i : 8);
        }
    } while (memcmp(id, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", n) == 0); /* never all zero */
}

static thread_spans_t *thread_of(otlp_sink_t *k, uint32_t tid)
{
    size_t i;
    for (i = 0; i < k->nthreads; i++)
        if (k->threads[i].tid == tid) return &k->threads[i];
    if (k->nthreads == k->cap) {
        size_t want = k->cap ? k->cap * 2 : 16;
        thread_spans_t *fresh = realloc(k->threads, want * sizeof *fresh);
        if (fresh == NULL) return NULL;
        k->threads = fresh;
        k->cap = want;
    }
    memset(&k->threads[k->nthreads], 0, sizeof k->threads[0]);
    k->threads[k->nthreads].tid = tid;
    return &k->threads[k->nthreads++];
}

static void attr_str(otlp_sink_t *k, open_span_t *o, narr__buf_t *list, unsigned field, const char *key, const char *v,
                     size_t n)
{
    if (o != NULL && o->nattrs >= SPAN_ATTRS_MAX) return;
    k->scratch.len = 0;
    /* secret-named keys lose their value; values lose the secrets they hold */
    narr__value_put(&k->scratch, key, v, n, NARR__ESC_NONE, NARR_REDACT_DEFAULT);
    narr__otlp_attr_str(list, k->s.json, field, key, k->scratch.p ? k->scratch.p : "", k->scratch.len,
                        k->s.value_limit);
    if (o != NULL) o->nattrs++;
}

static void attrs_of_event(otlp_sink_t *k, open_span_t *o, narr__buf_t *list, unsigned field, const narr_event_t *ev)
{
    size_t i;
    for (i = 0; i < ev->nkv; i++)
        if (ev->kv[i].meta != NARR_KV_OWN) attr_str(k, o, list, field, ev->kv[i].key, ev->kv[i].value, ev->kv[i].value_len);
}

static open_span_t *push_span(otlp_sink_t *k, thread_spans_t *t, const narr_event_t *ev, const char *name)
{
    open_span_t *o, *top;
    if (t->n == t->cap) {
        size_t want = t->cap ? t->cap * 2 : 8;
        open_span_t *fresh = realloc(t->v, want * sizeof *fresh);
        if (fresh == NULL) return NULL;
        t->v = fresh;
        t->cap = want;
    }
    top = t->n ? &t->v[t->n - 1] : NULL;
    o = &t->v[t->n++];
    memset(o, 0, sizeof *o);
    o->name = strdup(name);
    o->s.name = o->name ? o->name : "?";
    o->s.kind = 1; /* SPAN_KIND_INTERNAL */
    o->s.start_ns = ev->ts_ns;
    if (top != NULL) { /* a callee of the innermost open span */
        memcpy(o->s.trace_id, top->s.trace_id, 16);
        memcpy(o->s.parent_span_id, top->s.span_id, 8);
    } else if (ev->context != NULL) { /* made in a context whose span began before this sink */
        memcpy(o->s.trace_id, ev->context->trace_id, 16);
        memcpy(o->s.parent_span_id, ev->context->span_id, 8);
    } else {
        random_id(k, o->s.trace_id, 16); /* a root call outside any context: a trace of its own */
    }
    random_id(k, o->s.span_id, 8);
    return o;
}

/* Encodes and queues a finished span, and frees what it owned. */
static void finish(otlp_sink_t *k, open_span_t *o, uint64_t end_ns, int incomplete)
{
    o->s.end_ns = end_ns > o->s.start_ns ? end_ns : o->s.start_ns;
    if (incomplete) narr__otlp_attr_int(&o->s.attrs, k->s.json, 9, "narrate.incomplete", 1);
    o->s.status_message = o->status;
    k->one.len = 0;
    narr__otlp_span(&k->one, k->s.json, &o->s);
    narr__otlp_exporter_push(k->ex, &k->one);
    free(o->name);
    free(o->status);
    narr__buf_free(&o->s.attrs);
    narr__buf_free(&o->s.events);
}

static void on_call(otlp_sink_t *k, thread_spans_t *t, const narr_event_t *ev)
{
    open_span_t *o = push_span(k, t, ev, ev->action);
    if (o == NULL) return;
    narr__otlp_attr_str(&o->s.attrs, k->s.json, 9, "code.function", ev->action, strlen(ev->action), k->s.value_limit);
    if (ev->site != NULL) {
        narr__otlp_attr_str(&o->s.attrs, k->s.json, 9, "code.filepath", ev->site->file, strlen(ev->site->file),
                            k->s.value_limit);
        narr__otlp_attr_int(&o->s.attrs, k->s.json, 9, "code.lineno", ev->site->line);
    }
    narr__otlp_attr_int(&o->s.attrs, k->s.json, 9, "thread.id", ev->tid);
    o->nattrs = 4;
    attrs_of_event(k, o, &o->s.attrs, 9, ev);
}

static void on_leave(otlp_sink_t *k, thread_spans_t *t, const narr_event_t *ev)
{
    size_t i = t->n, j;
    while (i > 0 && (t->v[i - 1].is_context || strcmp(t->v[i - 1].name ? t->v[i - 1].name : "", ev->action) != 0)) i--;
    if (i == 0) return; /* its enter came before this sink: nothing to close */
    i--;
    for (j = t->n; j > i + 1; j--) /* calls inside it that never returned */
        if (!t->v[j - 1].is_context) finish(k, &t->v[j - 1], ev->ts_ns, 1), t->v[j - 1].name = NULL;
    {
        open_span_t *o = &t->v[i];
        attrs_of_event(k, o, &o->s.attrs, 9, ev);
        if (ev->error) {
            o->s.error = 1;
            o->status = strndup(ev->message, ev->message_len);
        }
        finish(k, o, ev->ts_ns, 0);
    }
    /* keep the contexts that were above it; drop what was closed */
    for (j = i + 1; j < t->n; j++)
        if (t->v[j].is_context) t->v[i++] = t->v[j];
    t->n = i;
}

static void on_context(otlp_sink_t *k, thread_spans_t *t, const narr_event_t *ev)
{
    const narr_context_t *c = ev->context;
    if (ev->kind == NARR_KIND_CONTEXT) {
        open_span_t *o = push_span(k, t, ev, c->correlation_id[0] ? c->correlation_id : "context");
        if (o == NULL) return;
        o->is_context = 1; /* its ids are the context's own: what traceparent carried or will carry */
        memcpy(o->s.span_id, c->span_id, 8);
        /* entered inside an open span of the same trace (a call that makes an outgoing request):
         * that span is its parent, which only this sink knows; else its parent is the one the
         * context names (the remote caller, or none) */
        if (!(t->n > 1 && memcmp(t->v[t->n - 2].s.trace_id, c->trace_id, 16) == 0))
            memcpy(o->s.parent_span_id, c->parent_span_id, 8);
        memcpy(o->s.trace_id, c->trace_id, 16);
        if (c->correlation_id[0])
            narr__otlp_attr_str(&o->s.attrs, k->s.json, 9, "correlation_id", c->correlation_id,
                                strlen(c->correlation_id), k->s.value_limit);
        narr__otlp_attr_int(&o->s.attrs, k->s.json, 9, "thread.id", ev->tid);
        o->nattrs = 2;
    } else {
        size_t i = t->n;
        while (i > 0 && !(t->v[i - 1].is_context && memcmp(t->v[i - 1].s.span_id, c->span_id, 8) == 0)) i--;
        if (i == 0) return;
        finish(k, &t->v[i - 1], ev->ts_ns, 0);
        memmove(&t->v[i - 1], &t->v[i], (t->n - i) * sizeof *t->v);
        t->n--;
    }
}

static void on_other(otlp_sink_t *k, thread_spans_t *t, const narr_event_t *ev)
{
    open_span_t *o = t->n ? &t->v[t->n - 1] : NULL;
    narr__buf_t attrs = {0};
    if (o == NULL || o->nevents >= SPAN_EVENTS_MAX) return; /* outside any span: not part of a trace */
    attrs_of_event(k, NULL, &attrs, 3, ev);
    if (ev->correlation_id) attr_str(k, NULL, &attrs, 3, "correlation_id", ev->correlation_id, strlen(ev->correlation_id));
    attr_str(k, NULL, &attrs, 3, "message", ev->message, ev->message_len);
    narr__otlp_attr_str(&attrs, k->s.json, 3, "level", narr_level_name(ev->level), strlen(narr_level_name(ev->level)),
                        k->s.value_limit);
    narr__otlp_event(&o->s.events, k->s.json, ev->ts_ns, ev->action, &attrs);
    o->nevents++;
    if (ev->level >= NARR_LEVEL_ERROR && !o->s.error) {
        o->s.error = 1;
        o->status = strndup(ev->message, ev->message_len);
    }
    narr__buf_free(&attrs);
}

static void otlp_write(const narr_event_t *ev, void *user)
{
    otlp_sink_t *k = user;
    thread_spans_t *t;
    if (ev->kind == NARR_KIND_DROP) return;
    t = thread_of(k, ev->tid);
    if (t == NULL) return;
    switch (ev->kind) {
    case NARR_KIND_FN_ENTER: case NARR_KIND_ENTER: on_call(k, t, ev); break;
    case NARR_KIND_FN_EXIT: case NARR_KIND_EXIT: on_leave(k, t, ev); break;
    case NARR_KIND_CONTEXT: case NARR_KIND_CONTEXT_LEAVE: if (ev->context) on_context(k, t, ev); break;
    default: on_other(k, t, ev);
    }
}

static void otlp_ctl(void *user, narr_sink_op_t op)
{
    otlp_sink_t *k = user;
    size_t i, j;
    if (op == NARR_SINK_FLUSH) return; /* the exporter keeps its own schedule */
    if (op == NARR__SINK_ABANDON) { /* a forked child: the exporter thread is the parent's */
        for (i = 0; i < k->nthreads; i++) {
            for (j = 0; j < k->threads[i].n; j++) {
                free(k->threads[i].v[j].name);
                free(k->threads[i].v[j].status);
                narr__buf_free(&k->threads[i].v[j].s.attrs);
                narr__buf_free(&k->threads[i].v[j].s.events);
            }
            free(k->threads[i].v);
        }
        narr__otlp_exporter_abandon(k->ex);
    } else {
        uint64_t now = narr__clock_mono_to_real(narr__mono_ns());
        for (i = 0; i < k->nthreads; i++) { /* open spans go out marked incomplete: nothing is lost */
            for (j = k->threads[i].n; j > 0; j--) finish(k, &k->threads[i].v[j - 1], now, 1);
            free(k->threads[i].v);
        }
        narr__otlp_exporter_stop(k->ex);
    }
    free(k->threads);
    free(k->headers);
    narr__buf_free(&k->scratch);
    narr__buf_free(&k->one);
    free(k);
}

static unsigned env_uint(const char *name, unsigned given, unsigned dflt)
{
    const char *v = getenv(name);
    char *end;
    unsigned long n;
    if (given) return given;
    if (v == NULL || v[0] == '\0') return dflt;
    n = strtoul(v, &end, 10);
    if (*end != '\0' || n == 0 || n > 100000000ul) {
        fprintf(stderr, "narrate: %s='%s' ignored (a positive number)\n", name, v);
        return dflt;
    }
    return (unsigned)n;
}

static const char *env_str(const char *given, const char *name)
{
    const char *v = given ? given : getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* OTEL_RESOURCE_ATTRIBUTES: k=v pairs, comma separated, values percent-encoded. */
static void resource_attrs(narr__buf_t *out, int json, const char *service, const char *list)
{
    char prog[256], from_list[1024] = "";
    const char *p;
    for (p = list; p != NULL && *p != '\0';) {
        const char *comma = strchr(p, ','), *eq;
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        eq = memchr(p, '=', len);
        if (eq != NULL && eq > p) {
            char key[256], val[1024];
            size_t kl = (size_t)(eq - p), vi = 0, i;
            if (kl >= sizeof key) kl = sizeof key - 1;
            memcpy(key, p, kl);
            key[kl] = '\0';
            for (i = kl + 1; i < len && vi < sizeof val - 1; i++) {
                unsigned x;
                if (p[i] == '%' && i + 2 < len && sscanf(p + i + 1, "%2x", &x) == 1) val[vi++] = (char)x, i += 2;
                else val[vi++] = p[i];
            }
            if (strcmp(key, "service.name") == 0) snprintf(from_list, sizeof from_list, "%.*s", (int)vi, val);
            else narr__otlp_attr_str(out, json, 1, key, val, vi, SIZE_MAX);
        }
        p = comma ? comma + 1 : NULL;
    }
    /* OTEL_SERVICE_NAME, else the list's service.name, else unknown_service:<program> */
    if (service == NULL && from_list[0] != '\0') service = from_list;
    if (service == NULL) {
        const char *name = narr__program_name(), *at = strchr(name, '@');
        snprintf(prog, sizeof prog, "unknown_service:%.*s", at ? (int)(at - name) : (int)strlen(name), name);
        service = prog;
    }
    narr__otlp_attr_str(out, json, 1, "service.name", service, strlen(service), SIZE_MAX);
    narr__otlp_attr_str(out, json, 1, "telemetry.sdk.name", "narrate", 7, SIZE_MAX);
    narr__otlp_attr_str(out, json, 1, "telemetry.sdk.language", "c", 1, SIZE_MAX);
    narr__otlp_attr_str(out, json, 1, "telemetry.sdk.version", NARR_VERSION_STRING, strlen(NARR_VERSION_STRING), SIZE_MAX);
}

int narr_sink_otlp_add(const narr_otlp_config_t *cfg, narr_level_t min_level)
{
    narr_otlp_config_t none;
    otlp_sink_t *k;
    narr__buf_t res = {0};
    const char *v;
    int id;
    if (cfg == NULL) {
        memset(&none, 0, sizeof none);
        cfg = &none;
    }
    k = calloc(1, sizeof *k);
    if (k == NULL) return NARR_ENOMEM;
    if (cfg->endpoint != NULL) snprintf(k->s.endpoint, sizeof k->s.endpoint, "%s", cfg->endpoint);
    else if ((v = env_str(NULL, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != NULL)
        snprintf(k->s.endpoint, sizeof k->s.endpoint, "%s", v);
    else if ((v = env_str(NULL, "OTEL_EXPORTER_OTLP_ENDPOINT")) != NULL) /* one '/' between */
        snprintf(k->s.endpoint, sizeof k->s.endpoint, "%s%sv1/traces", v, v[strlen(v) - 1] == '/' ? "" : "/");
    else snprintf(k->s.endpoint, sizeof k->s.endpoint, "http://localhost:4318/v1/traces");
    v = env_str(NULL, "OTEL_EXPORTER_OTLP_PROTOCOL");
    k->s.json = cfg->json || (v != NULL && strcmp(v, "http/json") == 0);
    if (v != NULL && strcmp(v, "http/json") != 0 && strcmp(v, "http/protobuf") != 0)
        fprintf(stderr, "narrate: OTEL_EXPORTER_OTLP_PROTOCOL='%s' not supported; http/protobuf used\n", v);
    v = env_str(cfg->headers, "OTEL_EXPORTER_OTLP_HEADERS");
    k->headers = v ? strdup(v) : NULL;
    k->s.headers = k->headers;
    k->s.max_queue = env_uint("OTEL_BSP_MAX_QUEUE_SIZE", cfg->max_queue, 2048);
    k->s.max_batch = env_uint("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", cfg->max_batch, 512);
    if (k->s.max_batch > k->s.max_queue) k->s.max_batch = k->s.max_queue;
    k->s.schedule_ms = env_uint("OTEL_BSP_SCHEDULE_DELAY", cfg->schedule_ms, 5000);
    k->s.export_timeout_ms = env_uint("OTEL_BSP_EXPORT_TIMEOUT", cfg->export_timeout_ms, 30000);
    k->s.request_timeout_ms = env_uint("OTEL_EXPORTER_OTLP_TIMEOUT", cfg->request_timeout_ms, 10000);
    k->s.retry_initial_ms = env_uint("NARRATE_OTLP_RETRY_MS", cfg->retry_initial_ms, 1000);
    k->s.shutdown_ms = env_uint("NARRATE_OTLP_SHUTDOWN_MS", cfg->shutdown_ms, 5000);
    k->s.value_limit = env_uint("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", cfg->value_limit, 4096);
    if (getrandom(k->rng, sizeof k->rng, 0) != (ssize_t)sizeof k->rng || (k->rng[0] | k->rng[1]) == 0)
        k->rng[0] = 0x9e3779b97f4a7c15ull, k->rng[1] = (uint64_t)(uintptr_t)k;
    resource_attrs(&res, k->s.json, env_str(cfg->service_name, "OTEL_SERVICE_NAME"),
                   env_str(cfg->resource_attributes, "OTEL_RESOURCE_ATTRIBUTES"));
    k->ex = narr__otlp_curl_available() ? narr__otlp_exporter_start(&k->s, &res) : NULL;
    narr__buf_free(&res);
    if (k->ex == NULL) {
        free(k->headers);
        free(k);
        return narr__otlp_curl_available() ? NARR_ETHREAD : NARR_EUNSUPPORTED;
    }
    id = narr__sink_add_ex(otlp_write, otlp_ctl, k, min_level, NARR__SINK_CONTEXTS | NARR__SINK_ABANDONS);
    if (id < 0) otlp_ctl(k, NARR_SINK_CLOSE);
    return id;
}
