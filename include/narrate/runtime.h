/* narrate/runtime.h - start, configure, flush and stop the runtime; add sinks; read counters.
 * Every call here is for set-up and tear-down, never for the hot path. */
#ifndef NARR_RUNTIME_H
#define NARR_RUNTIME_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

#include <stddef.h>
#include <stdint.h>

#include "detail/export.h"
#include "types.h"

NARR__EXTERN_C_BEGIN

/* Error codes: 0 or a negative NARR_E* value; narr_strerror() names it. */
#define NARR_ERRNO_MAP(X)                                   \
    X(EINVAL, -1, "invalid argument")                       \
    X(ENOMEM, -2, "out of memory")                          \
    X(ESTATE, -3, "runtime is not in the right state")      \
    X(EIO, -4, "input/output error")                        \
    X(ENOSPC, -5, "no room left")                           \
    X(ETHREAD, -6, "could not start the consumer thread")  \
    X(EUNSUPPORTED, -7, "not in this build")
#define NARR__ERR_ENUM(name, code, text) NARR_##name = (code),
enum { NARR_ERRNO_MAP(NARR__ERR_ENUM) NARR__ELAST };
#undef NARR__ERR_ENUM
NARR_API const char *narr_strerror(int err);

/* Optional explicit start. Fields left 0/NULL take the environment, then the defaults.
 * Without a call, the first event starts the runtime from the environment. */
typedef struct narr_config {
    size_t ring_bytes;     /* per-thread ring, power of two; NARRATE_RING_SIZE; default 1 MiB */
    const char *filter;    /* NARRATE_LOG syntax; default "trace" (all recorded sites pass) */
    const char *outputs;   /* NARRATE_OUTPUT syntax ("console,jsonl:PATH"); "none" for no sink */
    const char *program;   /* name@version shown in JSON as emitted_by; default the executable */
    int no_atexit;         /* 1: do not flush and stop at exit() */
    unsigned max_depth;    /* traced calls deeper than this are counted, not recorded; NARRATE_MAX_DEPTH; 0: no limit */
    const char *recover_dir; /* rings in files there, so `narrate recover DIR` gets back what a
                                kill -9 left unwritten; NARRATE_RECOVER_DIR; NULL: memory */
    int no_crash_handler;  /* 1: leave SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT alone; NARRATE_CRASH=off */
    const char *overload;  /* a full ring: "auto" (default, NULL): wait for the consumer (1 s at most) while an
                              output that keeps every event is written (a trace file, a text file), else drop;
                              "drop" the event, never wait; "block" until there is room; "block:MS" up to MS ms
                              then drop; or "overwrite" the oldest (a flight recorder); NARRATE_OVERLOAD */
    size_t ring_grow_bytes; /* a thread whose ring the consumer finds half full gets one 8x larger, up to
                              this; NARRATE_RING_GROW; 0: default 32 MiB; (size_t)-1: never grow */
    const char *min_duration; /* functions traced by whole-project tracing (ALL_FUNCTIONS, not marked) whose
                              calls average less than this over 256 in a row are switched off: "1us"
                              (default), "500ns", "2ms", "0" (every call recorded); NARRATE_MIN_DURATION */
} narr_config_t;

NARR_API int narr_init(const narr_config_t *cfg);
/* Blocks until every event published before the call has reached every sink. */
NARR_API int narr_flush(void);
/* Flushes, stops the consumer, closes sinks. Later events are counted as dropped. */
NARR_API int narr_shutdown(void);

/* Replace the run-time filter (NARRATE_LOG syntax); every site is re-resolved. A directive that
 * cannot be read is reported on stderr and left out, the others apply; NARR_EINVAL says that
 * one was left out. */
NARR_API int narr_filter_set(const char *spec);
/* The level a site with this actor and function would need to pass the filter. */
NARR_API narr_level_t narr_filter_level(const char *actor, const char *func);

/* Sinks: a function, its user data and a minimum level. Drop reports reach every sink.
 * The function runs on the consumer thread, one event at a time, never concurrently with
 * itself; it must not add or remove sinks. ctl (optional) is told when the consumer has
 * delivered a batch (write out what you buffer) and when the sink is removed (free user). */
typedef void (*narr_sink_fn)(const narr_event_t *ev, void *user);
typedef enum narr_sink_op { NARR_SINK_FLUSH = 0, NARR_SINK_CLOSE = 1 } narr_sink_op_t;
typedef void (*narr_sink_ctl_fn)(void *user, narr_sink_op_t op);
/* Returns the sink's id (> 0) or a negative NARR_E* code. */
NARR_API int narr_sink_add(narr_sink_fn fn, narr_sink_ctl_fn ctl, void *user, narr_level_t min_level);
NARR_API int narr_sink_remove(int sink_id);

/* Per sink: the console's text (human, cute or story; human when the event has no such text;
 * default from NARRATE_MODE) and which secrets are redacted (NARR_REDACT_*, narrate/redact.h;
 * default NARR_REDACT_DEFAULT). narr_sink_redactions counts the secrets a sink removed. */
NARR_API int narr_sink_set_mode(int sink_id, narr_mode_t mode);
NARR_API int narr_sink_set_redaction(int sink_id, unsigned policy);
NARR_API uint64_t narr_sink_redactions(int sink_id);
/* For custom sinks, during their call: their mode and policy; count what you redact. */
typedef struct narr_sink_options {
    narr_mode_t mode;
    unsigned redaction;
    uint64_t redactions;
} narr_sink_options_t;
NARR_API narr_sink_options_t *narr_sink_current_options(void);

/* Built-in sinks. */
typedef enum narr_color { NARR_COLOR_AUTO = 0, NARR_COLOR_NEVER = 1, NARR_COLOR_ALWAYS = 2 } narr_color_t;
NARR_API int narr_sink_console_add(int fd, narr_color_t color, narr_level_t min_level);
NARR_API int narr_sink_jsonl_add(const char *path, narr_level_t min_level);
/* A compact binary trace for the narrate command (cat, tree, stats, ...). */
NARR_API int narr_sink_trace_add(const char *path, narr_level_t min_level);

/* Formatting helpers the built-in sinks use, public for custom sinks (human mode, default
 * redaction). Both return bytes written (excluding NUL) or the size needed when out is too small. */
NARR_API size_t narr_format_console(const narr_event_t *ev, int color, char *out, size_t cap);
NARR_API size_t narr_format_json(const narr_event_t *ev, char *out, size_t cap);

typedef struct narr_stats {
    uint64_t events;   /* events delivered to sinks */
    uint64_t dropped;  /* events lost to full rings, all threads, since start (overwritten included) */
    uint64_t overwritten; /* of those, older events overwritten (NARRATE_OVERLOAD=overwrite) */
    uint64_t echo_dropped; /* events sinks recorded while handling events sinks had recorded */
    uint64_t threads;  /* rings ever attached */
    uint64_t text_skipped; /* events text sinks did not show because they fell behind while a trace
                              file took every event (the file has them; see docs/design.md) */
    uint64_t rings_grown;  /* times a thread moved to a larger ring (NARRATE_RING_GROW) */
    uint64_t throttled;    /* whole-project functions switched off for short calls (NARRATE_MIN_DURATION) */
    uint64_t block_waits;   /* NARRATE_OVERLOAD=block: times a thread waited for room in its ring */
    uint64_t block_wait_ns; /* the time those waits took, all threads together */
    uint64_t block_wait_max_ns; /* the longest one */
} narr_stats_t;
NARR_API void narr_stats_get(narr_stats_t *out);

/* Sampling (NARRATE_SAMPLE, or OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG): each root call's
 * tree is kept by the ratio (decided on its context's trace id, so processes agree), and always
 * when any part of it failed, when it ran slow_ns or longer (NARRATE_SAMPLE_SLOW_MS, default
 * 100 ms) or when its context has a debug level. Decided on the consumer thread; events outside
 * traced calls are always kept. A ratio of 1 turns sampling off. */
NARR_API int narr_sample_set(double ratio, uint64_t slow_ns);
typedef struct narr_sample_stats {
    uint64_t sampled_out;      /* events of trees left out */
    uint64_t trees_kept, trees_dropped;
    uint64_t trees_overflowed; /* kept because they outgrew NARRATE_SAMPLE_BUFFER before returning */
} narr_sample_stats_t;
NARR_API void narr_sample_stats_get(narr_sample_stats_t *out);

/* FATAL events (NARR_FATAL, NARR_NARRATE at FATAL) flush every sink and then call this hook
 * (default: none, the program goes on; pass abort for the classic behaviour). */
typedef void (*narr_fatal_hook_fn)(void);
NARR_API void narr_set_fatal_hook(narr_fatal_hook_fn hook);
NARR_API void narr__fatal(void);

/* The kernel thread id events carry (narr_event_t.tid) for the calling thread. */
NARR_API uint32_t narr_thread_id(void);

NARR__EXTERN_C_END

#endif /* NARR_RUNTIME_H */
