/* runtime/otlp_internal.h - the otlp sink's parts: settings, the batch exporter. */
#ifndef NARR_RUNTIME_OTLP_INTERNAL_H
#define NARR_RUNTIME_OTLP_INTERNAL_H

#include "internal.h"

typedef struct narr__otlp_settings {
    char endpoint[1024];
    int json;
    const char *headers; /* owned by the sink */
    unsigned max_queue, max_batch, schedule_ms, export_timeout_ms, request_timeout_ms, retry_initial_ms, shutdown_ms;
    unsigned value_limit;
} narr__otlp_settings_t;

typedef struct narr__otlp_exporter narr__otlp_exporter_t;
/* Starts the exporter thread; resource: the encoded resource attributes. NULL on failure. */
narr__otlp_exporter_t *narr__otlp_exporter_start(const narr__otlp_settings_t *s, const narr__buf_t *resource);
/* Queues one encoded span; -1 (counted as dropped) when the queue is full. Never blocks on I/O. */
int narr__otlp_exporter_push(narr__otlp_exporter_t *x, const narr__buf_t *span);
/* Exports what the shutdown deadline allows, stops the thread, frees. */
void narr__otlp_exporter_stop(narr__otlp_exporter_t *x);
/* In a forked child: frees what can be freed; the thread and its connection were the parent's. */
void narr__otlp_exporter_abandon(narr__otlp_exporter_t *x);

/* 1 when libcurl could be opened (the first call tries; otlp_export.c). */
int narr__otlp_curl_available(void);

#endif /* NARR_RUNTIME_OTLP_INTERNAL_H */
