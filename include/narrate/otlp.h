/* narrate/otlp.h - the otlp sink: traced calls and contexts as OpenTelemetry spans, narration
 * as their span events, sent over OTLP/HTTP (protobuf, or JSON) to a collector by a batch
 * exporter thread. Present when narrate was built with libcurl (NARRATE_OTLP, on by default
 * when libcurl's development files are found); otherwise narr_sink_otlp_add says
 * NARR_EUNSUPPORTED. Nothing here runs on the application's threads. */
#ifndef NARR_OTLP_H
#define NARR_OTLP_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

#include <stddef.h>
#include <stdint.h>

#include "detail/export.h"
#include "types.h"

NARR__EXTERN_C_BEGIN

/* Every field 0 / NULL takes the OpenTelemetry variable named, then the SDKs' default. */
typedef struct narr_otlp_config {
    const char *endpoint;     /* full traces URL; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else
                                 OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/traces"; http://localhost:4318/v1/traces */
    int json;                 /* 1: http/json; OTEL_EXPORTER_OTLP_PROTOCOL; default http/protobuf */
    const char *headers;      /* "k=v,k2=v2"; OTEL_EXPORTER_OTLP_HEADERS */
    const char *service_name; /* OTEL_SERVICE_NAME; default unknown_service:<program> */
    const char *resource_attributes; /* "k=v,..." (percent-encoded); OTEL_RESOURCE_ATTRIBUTES */
    unsigned max_queue;       /* spans waiting; OTEL_BSP_MAX_QUEUE_SIZE; 2048 */
    unsigned max_batch;       /* spans per request; OTEL_BSP_MAX_EXPORT_BATCH_SIZE; 512 */
    unsigned schedule_ms;     /* between exports; OTEL_BSP_SCHEDULE_DELAY; 5000 */
    unsigned export_timeout_ms; /* one batch, retries included; OTEL_BSP_EXPORT_TIMEOUT; 30000 */
    unsigned request_timeout_ms; /* one HTTP request; OTEL_EXPORTER_OTLP_TIMEOUT; 10000 */
    unsigned retry_initial_ms;   /* first backoff; NARRATE_OTLP_RETRY_MS; 1000 (doubles, +-20% jitter) */
    unsigned shutdown_ms;     /* narr_shutdown waits this long for the queue; NARRATE_OTLP_SHUTDOWN_MS; 5000 */
    unsigned value_limit;     /* attribute value bytes; OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT; 4096 */
} narr_otlp_config_t;

/* Adds the sink (cfg NULL: all from the environment). NARRATE_OUTPUT=otlp does the same. */
NARR_API int narr_sink_otlp_add(const narr_otlp_config_t *cfg, narr_level_t min_level);

/* Spans, since start, summed over otlp sinks. Printed on stderr at shutdown when any were
 * dropped or failed. */
typedef struct narr_otlp_stats {
    uint64_t exported; /* accepted by the collector */
    uint64_t dropped;  /* the queue was full, or shutdown's deadline passed */
    uint64_t failed;   /* refused (4xx but 429) or still failing when retries ran out */
    uint64_t retried;  /* requests sent again (429, 502, 503, 504, connection failures) */
} narr_otlp_stats_t;
NARR_API void narr_otlp_stats_get(narr_otlp_stats_t *out);

NARR__EXTERN_C_END

#endif /* NARR_OTLP_H */
