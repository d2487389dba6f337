/* runtime/sinks/otlp_export.c - the batch exporter of the otlp sink: a bounded queue of encoded
 * spans and one thread that posts them with libcurl, as the OpenTelemetry SDKs' batch span
 * processor does (queue 2048, batch 512, every 5 s, 30 s per batch; OTEL_BSP_*). Retries only
 * on 429, 502, 503, 504 and connection failures, with doubling backoff, +-20% jitter and
 * Retry-After honoured, inside the batch's deadline. Shutdown exports what it can before its
 * deadline and counts the rest as dropped. */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "internal.h"
#include "narrate/otlp.h"
#include "otlp_internal.h"

/* libcurl is opened when an otlp sink starts, not when the program does: linked in, every
 * traced program loaded it and its TLS stack at start-up (about 8 ms here, 30 libraries). */
static struct curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *curl);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
    time_t (*getdate)(const char *s, const time_t *unused);
    int ok;
} C;

/* A symbol into a function pointer (ISO C has no cast between the two kinds of pointer). */
static int load(void *lib, const char *name, void *fn_ptr, size_t size)
{
    void *sym = dlsym(lib, name);
    if (sym == NULL || size != sizeof sym) return -1;
    memcpy(fn_ptr, &sym, sizeof sym);
    return 0;
}
#define LOAD(lib, field, name) load((lib), (name), &C.field, sizeof C.field)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_start(void)
{
    static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"};
    void *lib = NULL;
    size_t i;
    for (i = 0; lib == NULL && i < sizeof names / sizeof names[0]; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) return;
    if (LOAD(lib, global_init, "curl_global_init") || LOAD(lib, easy_init, "curl_easy_init") ||
        LOAD(lib, easy_setopt, "curl_easy_setopt") || LOAD(lib, easy_perform, "curl_easy_perform") ||
        LOAD(lib, easy_getinfo, "curl_easy_getinfo") || LOAD(lib, easy_cleanup, "curl_easy_cleanup") ||
        LOAD(lib, slist_append, "curl_slist_append") || LOAD(lib, slist_free_all, "curl_slist_free_all") ||
        LOAD(lib, getdate, "curl_getdate"))
        return; /* (kept open: a half-loaded library is not worth unloading) */
    C.global_init(CURL_GLOBAL_DEFAULT);
    C.ok = 1;
}

int narr__otlp_curl_available(void)
{
    pthread_once(&curl_once, curl_start);
    return C.ok;
}

static uint64_t st_exported, st_dropped, st_failed, st_retried; /* atomics */

void narr_otlp_stats_get(narr_otlp_stats_t *out)
{
    out->exported = __atomic_load_n(&st_exported, __ATOMIC_RELAXED);
    out->dropped = __atomic_load_n(&st_dropped, __ATOMIC_RELAXED);
    out->failed = __atomic_load_n(&st_failed, __ATOMIC_RELAXED);
    out->retried = __atomic_load_n(&st_retried, __ATOMIC_RELAXED);
}

struct narr__otlp_exporter {
    narr__otlp_settings_t s;
    narr__buf_t resource; /* encoded resource attributes */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    narr__buf_t *q; /* ring of encoded spans */
    size_t head, count;
    int stop;
    uint64_t stop_deadline;
    pthread_t thread;
    CURL *curl;
    struct curl_slist *hdrs;
    long retry_after_ms; /* from the last response, -1: none */
    uint64_t rng;
};

static uint64_t now_ms(void)
{
    return narr__mono_ns() / 1000000u;
}

static void deadline_ts(struct timespec *ts, uint64_t at_ms)
{
    /* the condition variable waits on CLOCK_MONOTONIC (pthread_condattr_setclock) */
    ts->tv_sec = (time_t)(at_ms / 1000u);
    ts->tv_nsec = (long)(at_ms % 1000u) * 1000000L;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p, (void)ctx;
    return size * n;
}

/* Retry-After: delay-seconds or an HTTP date. */
static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    narr__otlp_exporter_t *x = ctx;
    size_t len = size * n;
    if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        char v[128];
        size_t k = len - 12 < sizeof v - 1 ? len - 12 : sizeof v - 1;
        char *end;
        long secs;
        memcpy(v, p + 12, k);
        v[k] = '\0';
        secs = strtol(v, &end, 10);
        if (end != v && secs >= 0) {
            x->retry_after_ms = secs * 1000;
        } else {
            time_t when = C.getdate(v, NULL);
            if (when > 0) x->retry_after_ms = (long)(when - time(NULL)) * 1000 > 0 ? (long)(when - time(NULL)) * 1000 : 0;
        }
    }
    return len;
}

/* One POST. Returns the HTTP status, or 0 for a connection failure (retryable), -1 for a
 * failure no retry can fix. */
static long post(narr__otlp_exporter_t *x, const narr__buf_t *body, uint64_t timeout_ms)
{
    long status = 0;
    CURLcode rc;
    x->retry_after_ms = -1;
    C.easy_setopt(x->curl, CURLOPT_POSTFIELDS, body->p);
    C.easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    C.easy_setopt(x->curl, CURLOPT_TIMEOUT_MS, (long)(timeout_ms ? timeout_ms : 1));
    rc = C.easy_perform(x->curl);
    if (rc == CURLE_OK) {
        C.easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
        return status;
    }
    switch (rc) {
    case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_HOST: case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR: case CURLE_RECV_ERROR: case CURLE_GOT_NOTHING: case CURLE_PARTIAL_FILE:
        return 0;
    default:
        return -1; /* a bad URL, TLS trouble: the same next time */
    }
}

static int retryable(long status)
{
    return status == 0 || status == 429 || status == 502 || status == 503 || status == 504;
}

/* Waits ms unless the exporter is told to stop sooner than that deadline allows. */
static void pause_ms(narr__otlp_exporter_t *x, uint64_t until)
{
    struct timespec ts;
    deadline_ts(&ts, until);
    pthread_mutex_lock(&x->mu);
    while (now_ms() < until && !(x->stop && x->stop_deadline <= until))
        if (pthread_cond_timedwait(&x->cv, &x->mu, &ts) != 0) break;
    pthread_mutex_unlock(&x->mu);
}

/* Sends n spans (one request, retried), then counts them one way or the other. */
static void export_batch(narr__otlp_exporter_t *x, narr__buf_t *spans, size_t n, uint64_t deadline)
{
    narr__buf_t body = {0};
    uint64_t backoff = x->s.retry_initial_ms;
    narr__otlp_request(&body, x->s.json, &x->resource, spans);
    for (;;) {
        uint64_t now = now_ms(), wait;
        long status;
        if (body.oom) {
            __atomic_fetch_add(&st_failed, n, __ATOMIC_RELAXED);
            break;
        }
        status = post(x, &body, now < deadline ? (deadline - now < x->s.request_timeout_ms ? deadline - now
                                                                                         : x->s.request_timeout_ms)
                                                : 1);
        if (status >= 200 && status < 300) {
            __atomic_fetch_add(&st_exported, n, __ATOMIC_RELAXED);
            break;
        }
        if (!retryable(status)) {
            __atomic_fetch_add(&st_failed, n, __ATOMIC_RELAXED);
            break;
        }
        x->rng ^= x->rng << 13, x->rng ^= x->rng >> 7, x->rng ^= x->rng << 17;
        wait = x->retry_after_ms >= 0 ? (uint64_t)x->retry_after_ms
                                      : backoff * (80u + x->rng % 41u) / 100u; /* 0.8x .. 1.2x */
        backoff = backoff * 2 < 32000 ? backoff * 2 : 32000;
        now = now_ms();
        if (now + wait >= deadline) { /* no time left for another try */
            __atomic_fetch_add(&st_failed, n, __ATOMIC_RELAXED);
            break;
        }
        __atomic_fetch_add(&st_retried, 1, __ATOMIC_RELAXED);
        pause_ms(x, now + wait);
    }
    narr__buf_free(&body);
}

/* Moves up to max spans from the queue into one list (caller holds mu). */
static size_t take(narr__otlp_exporter_t *x, narr__buf_t *list, size_t max)
{
    size_t n = 0;
    while (x->count > 0 && n < max) {
        narr__buf_t *b = &x->q[x->head];
        narr__buf_put(list, b->p, b->len);
        b->len = 0;
        x->head = (x->head + 1) % x->s.max_queue;
        x->count--;
        n++;
    }
    return n;
}

static void *exporter_main(void *arg)
{
    narr__otlp_exporter_t *x = arg;
    uint64_t next = now_ms() + x->s.schedule_ms;
    narr__buf_t list = {0};
    pthread_mutex_lock(&x->mu);
    for (;;) {
        size_t n;
        uint64_t deadline;
        while (!x->stop && x->count < x->s.max_batch && now_ms() < next) {
            struct timespec ts;
            deadline_ts(&ts, next);
            pthread_cond_timedwait(&x->cv, &x->mu, &ts);
        }
        if (x->stop && (x->count == 0 || now_ms() >= x->stop_deadline)) break;
        list.len = 0;
        n = take(x, &list, x->s.max_batch);
        deadline = now_ms() + x->s.export_timeout_ms;
        if (x->stop && x->stop_deadline < deadline) deadline = x->stop_deadline;
        pthread_mutex_unlock(&x->mu);
        if (n > 0) export_batch(x, &list, n, deadline);
        pthread_mutex_lock(&x->mu);
        if (x->count < x->s.max_batch) next = now_ms() + x->s.schedule_ms;
    }
    /* what shutdown's deadline left behind */
    __atomic_fetch_add(&st_dropped, x->count, __ATOMIC_RELAXED);
    x->count = 0;
    pthread_mutex_unlock(&x->mu);
    narr__buf_free(&list);
    return NULL;
}


narr__otlp_exporter_t *narr__otlp_exporter_start(const narr__otlp_settings_t *s, const narr__buf_t *resource)
{
    narr__otlp_exporter_t *x = calloc(1, sizeof *x);
    pthread_condattr_t ca;
    const char *p;
    if (x == NULL) return NULL;
    x->s = *s;
    x->q = calloc(s->max_queue, sizeof *x->q);
    if (!narr__otlp_curl_available()) goto fail;
    x->curl = C.easy_init();
    if (x->q == NULL || x->curl == NULL) goto fail;
    narr__buf_put(&x->resource, resource->p, resource->len);
    if (getrandom(&x->rng, sizeof x->rng, 0) != (ssize_t)sizeof x->rng || x->rng == 0) x->rng = 0x2545f4914f6cdd1dull;
    x->hdrs = C.slist_append(NULL, s->json ? "Content-Type: application/json" : "Content-Type: application/x-protobuf");
    for (p = s->headers; p != NULL && *p != '\0';) { /* k=v,k2=v2 -> "k: v" */
        const char *comma = strchr(p, ','), *eq;
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char h[1024];
        eq = memchr(p, '=', len);
        if (eq != NULL && len < sizeof h - 2) {
            snprintf(h, sizeof h, "%.*s: %.*s", (int)(eq - p), p, (int)(len - (size_t)(eq - p) - 1), eq + 1);
            x->hdrs = C.slist_append(x->hdrs, h);
        }
        p = comma ? comma + 1 : NULL;
    }
    C.easy_setopt(x->curl, CURLOPT_URL, s->endpoint);
    C.easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->hdrs);
    C.easy_setopt(x->curl, CURLOPT_NOSIGNAL, 1L);
    C.easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, discard);
    C.easy_setopt(x->curl, CURLOPT_HEADERFUNCTION, on_header);
    C.easy_setopt(x->curl, CURLOPT_HEADERDATA, x);
    C.easy_setopt(x->curl, CURLOPT_USERAGENT, "narrate/" NARR_VERSION_STRING);
    C.easy_setopt(x->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)s->request_timeout_ms);
    pthread_mutex_init(&x->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&x->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&x->thread, NULL, exporter_main, x) != 0) {
        pthread_cond_destroy(&x->cv);
        pthread_mutex_destroy(&x->mu);
        goto fail;
    }
    return x;
fail:
    if (x->curl) C.easy_cleanup(x->curl);
    C.slist_free_all(x->hdrs);
    narr__buf_free(&x->resource);
    free(x->q);
    free(x);
    return NULL;
}

int narr__otlp_exporter_push(narr__otlp_exporter_t *x, const narr__buf_t *span)
{
    int rc = 0;
    pthread_mutex_lock(&x->mu);
    if (x->count == x->s.max_queue || span->oom) {
        rc = -1;
    } else {
        narr__buf_t *b = &x->q[(x->head + x->count) % x->s.max_queue];
        b->len = 0;
        narr__buf_put(b, span->p, span->len);
        if (b->oom) rc = -1;
        else if (++x->count >= x->s.max_batch) pthread_cond_signal(&x->cv);
    }
    pthread_mutex_unlock(&x->mu);
    if (rc != 0) __atomic_fetch_add(&st_dropped, 1, __ATOMIC_RELAXED);
    return rc;
}

void narr__otlp_exporter_stop(narr__otlp_exporter_t *x)
{
    size_t i;
    narr_otlp_stats_t st;
    pthread_mutex_lock(&x->mu);
    x->stop = 1;
    x->stop_deadline = now_ms() + x->s.shutdown_ms;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
    pthread_join(x->thread, NULL);
    narr_otlp_stats_get(&st);
    if (st.dropped > 0 || st.failed > 0)
        fprintf(stderr, "narrate: otlp %s: %llu spans exported, %llu dropped, %llu failed, %llu retries\n", x->s.endpoint,
                (unsigned long long)st.exported, (unsigned long long)st.dropped, (unsigned long long)st.failed,
                (unsigned long long)st.retried);
    C.easy_cleanup(x->curl);
    C.slist_free_all(x->hdrs);
    for (i = 0; i < x->s.max_queue; i++) narr__buf_free(&x->q[i]);
    free(x->q);
    narr__buf_free(&x->resource);
    pthread_cond_destroy(&x->cv);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

void narr__otlp_exporter_abandon(narr__otlp_exporter_t *x)
{
    size_t i;
    for (i = 0; i < x->s.max_queue; i++) narr__buf_free(&x->q[i]);
    free(x->q);
    narr__buf_free(&x->resource);
    free(x); /* the curl handle may be mid-request in the parent's copy: left alone */
}
