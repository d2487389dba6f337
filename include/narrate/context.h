/* narrate/context.h - correlation: ids, W3C traceparent, and a per-thread context stack that is
 * handed to other threads explicitly (capture it, enter it in the worker). Nothing global: one
 * request's context cannot leak into another's. */
#ifndef NARR_CONTEXT_H
#define NARR_CONTEXT_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

#include <stddef.h>
#include <stdint.h>

#include "detail/export.h"
#include "types.h"

NARR__EXTERN_C_BEGIN

typedef struct narr_context {
    uint8_t trace_id[16]; /* all zero: no trace */
    uint8_t span_id[8];   /* this context's span (the otlp sink exports it) */
    uint8_t parent_span_id[8]; /* all zero: a root */
    uint8_t flags;        /* W3C trace-flags: 0x01 sampled */
    uint8_t debug;        /* per-request debug level + 1; 0: none (narr_context_set_debug) */
    char correlation_id[64];
    char tracestate[256]; /* W3C tracestate, passed through untouched */
} narr_context_t;

#define NARR_TRACESTATE_MAX 255

#define NARR_UUID_LEN 36
#define NARR_TRACEPARENT_LEN 55

/* Ids: UUID v4 (random) and v7 (time-ordered), as 36 characters plus NUL. */
NARR_API int narr_uuid_v4(char out[NARR_UUID_LEN + 1]);
NARR_API int narr_uuid_v7(char out[NARR_UUID_LEN + 1]);
/* 0 when s is a UUID (8-4-4-4-12 hex, RFC 4122 variant) of that version (0: any), else NARR_EINVAL. */
NARR_API int narr_uuid_validate(const char *s, int version);

/* A new root context: random trace and span ids (never all zero), sampled, and the given
 * correlation id (a fresh UUID v7 when NULL). */
NARR_API int narr_context_new(narr_context_t *out, const char *correlation_id);
/* Same trace and correlation, a new span id whose parent is parent's span. */
NARR_API int narr_context_child(const narr_context_t *parent, narr_context_t *out);

/* "00-<32 hex trace>-<16 hex span>-<2 hex flags>" */
NARR_API int narr_traceparent_format(const narr_context_t *ctx, char out[NARR_TRACEPARENT_LEN + 1]);
NARR_API int narr_traceparent_parse(const char *header, narr_context_t *out);

/* Across processes (W3C Trace Context). Inject: the headers for an outgoing request made
 * in ctx (tracestate: may be NULL; written empty when there is none). Extract: the context of
 * an incoming request: a child of the caller's span (new span id, its parent the caller's),
 * same trace, flags and tracestate; the correlation id is the trace id in hex. A missing or
 * invalid traceparent gives NARR_EINVAL (start a new trace then); a tracestate longer than
 * NARR_TRACESTATE_MAX is dropped, as the W3C text allows. */
NARR_API int narr_context_inject(const narr_context_t *ctx, char traceparent[NARR_TRACEPARENT_LEN + 1], char *tracestate,
                                 size_t tracestate_cap);
NARR_API int narr_context_extract(const char *traceparent, const char *tracestate, narr_context_t *out);

/* Per-request debug level: while ctx is current (on any thread it is entered on, and in its
 * children), sites at level or above record whatever NARRATE_LOG says, so one request can be
 * traced in full in production. Sites compiled out by NARRATE_LEVEL stay out. NARR_LEVEL_OFF
 * clears it. While any such context is entered, sites the filter refuses cost a function call
 * instead of 3 instructions on every thread. */
NARR_API int narr_context_set_debug(narr_context_t *ctx, narr_level_t level);
/* The same from a request header's value (the opt-in debug header): a level name, or
 * 1/on/true/yes/verbose/full for trace; 0/off/false/no or empty clears. NARR_EINVAL otherwise. */
NARR_API int narr_context_set_debug_header(narr_context_t *ctx, const char *value);

/* The thread's stack: enter makes ctx current until the matching leave; current copies the top. */
NARR_API int narr_context_enter(const narr_context_t *ctx);
NARR_API int narr_context_leave(void);
NARR_API int narr_context_current(narr_context_t *out); /* NARR_ESTATE when there is none */

NARR__EXTERN_C_END

#endif /* NARR_CONTEXT_H */
