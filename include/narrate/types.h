/* narrate/types.h - levels, event kinds and the event record that sinks receive. */
#ifndef NARR_TYPES_H
#define NARR_TYPES_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

#include <stddef.h>
#include <stdint.h>

#include "detail/export.h"

NARR__EXTERN_C_BEGIN

/* Levels, most verbose first. OFF is only meaningful as a threshold. */
typedef enum narr_level {
    NARR_LEVEL_TRACE = 0,
    NARR_LEVEL_DEBUG = 1,
    NARR_LEVEL_INFO = 2,
    NARR_LEVEL_WARN = 3,
    NARR_LEVEL_ERROR = 4,
    NARR_LEVEL_FATAL = 5,
    NARR_LEVEL_OFF = 6,
    NARR_LEVEL_MUTE = 7 /* NARR_NARRATE only: dropped before any sink */
} narr_level_t;

/* What produced an event; decides which prefix values it carries. */
typedef enum narr_kind {
    NARR_KIND_TINY = 0,  /* target */
    NARR_KIND_CORR = 1,  /* target, correlation id */
    NARR_KIND_ENTER = 2, /* function boundary, action is the function */
    NARR_KIND_EXIT = 3,
    NARR_KIND_LOOP = 4,  /* index, total */
    NARR_KIND_STATE = 5, /* action is the key; from, to */
    NARR_KIND_LOG = 6,   /* NARR_DEBUG..NARR_FATAL: target */
    NARR_KIND_DROP = 7,     /* synthesised by the consumer: events lost to a full buffer */
    NARR_KIND_FN_ENTER = 8, /* generated (NARR_TRACE_FN): parameters as named values */
    NARR_KIND_FN_EXIT = 9,  /* generated: result, elapsed time */
    NARR_KIND_NARRATE = 10, /* NARR_NARRATE: the structured full path */
    NARR_KIND_CONTEXT = 11, /* internal, never reaches sinks: a context entered (ids, flags) */
    NARR_KIND_CONTEXT_LEAVE = 12 /* internal: the thread left its current context */
} narr_kind_t;

/* How a console renders the text of an event (JSON keeps all three). */
typedef enum narr_mode { NARR_MODE_HUMAN = 0, NARR_MODE_CUTE = 1, NARR_MODE_STORY = 2 } narr_mode_t;

/* Site flags. */
#define NARR_SITE_ERROR 1u /* an exit whose result matched the function's error rule */
/* A generated function traced by whole-project tracing (narrate_instrument ALL_FUNCTIONS), not by
 * a mark: NARRATE_MIN_DURATION switches it off when its first calls are all short (its exits
 * carry the flag too, and their enter's stamp as their first value). */
#define NARR_SITE_WHOLE 2u
#define NARR_SITE_THROTTLED 4u /* such a function, switched off (set by the runtime) */
/* NARR_TRACE_ENTER's site: its one prefix value is the thread's depth ("@depth"), the rest are
 * the format's, shown as any macro's */
#define NARR_SITE_MACRO_ENTER 8u

/* One static descriptor per call site; an event refers to it by id. */
typedef struct narr_site {
    const char *actor;
    const char *action;
    const char *fmt;
    const char *file;
    const char *func;
    const unsigned char *types; /* NARR__T_* per value, prefix values first, format slot included */
    const char *const *lits;    /* per value: the string when it is a literal (NARR__T_LIT) */
    uint32_t line;
    uint8_t level;
    uint8_t kind;
    uint8_t ntypes;
    uint8_t npre;   /* prefix values before the format slot */
    int32_t state;  /* 0 unresolved or conditional, >0 enabled (id), <0 disabled (-id); atomic */
    const char *const *keys; /* generated sites: a name per prefix value; "@name" is metadata */
    uint32_t flags;          /* NARR_SITE_* */
    int32_t id;              /* the runtime's id once registered (0: not yet); atomic */
    /* Generated function enters: the exit site (whose own next is the error exit, if any),
     * registered with the enter under the ids that follow its id, so a traced call's exit is
     * recorded under the enter's id + 1 (or + 2) without a second look at a site. */
    struct narr_site *next;
} narr_site_t;

/* A key/value shown before the message (target="...", from="...", iter="3/8"). */
typedef struct narr_kv {
    const char *key;
    const char *value;
    size_t value_len;
    int meta; /* NARR_KV_VALUE, NARR_KV_OWN or NARR_KV_FIELD: where outputs put it */
} narr_kv_t;
/* A value of the program's: a parameter, a result, a key of a format or a narration extra. JSON
 * lines put these in the event's "args" object, so a parameter named like one of the event's own
 * fields (kind, level, line, ...) never hides it; the console shows them as key="value". */
#define NARR_KV_VALUE 0
/* narrate's own, not shown on the console line: caller, trace_id, span_id (JSON: top level) */
#define NARR_KV_OWN 1
/* narrate's own, shown on the console line: elapsed_ms, narration fields (job_id, ...), a loop's
 * iter, a state change's key/from/to (JSON: top level) */
#define NARR_KV_FIELD 3

/* What a sink receives. Pointers are valid only during the sink call. */
typedef struct narr_event {
    uint64_t ts_ns;          /* CLOCK_REALTIME nanoseconds */
    uint64_t mono_ns;        /* CLOCK_MONOTONIC nanoseconds, for durations */
    uint32_t tid;            /* kernel thread id of the producer */
    narr_level_t level;
    narr_kind_t kind;
    const narr_site_t *site; /* NULL for consumer-made events (drops) */
    const char *actor;
    const char *action;
    const char *target;      /* may be NULL */
    const char *correlation_id; /* may be NULL */
    const char *message;     /* formatted; may hold NUL bytes, use message_len */
    size_t message_len;
    size_t nkv;
    const narr_kv_t *kv;
    uint64_t dropped;        /* NARR_KIND_DROP: events lost on this thread since the last report */
    uint32_t depth;          /* FN_ENTER: traced calls active on the thread, this one excluded */
    uint64_t caller;         /* FN_ENTER: return address into the calling code */
    uint64_t elapsed_ns;     /* FN_EXIT: since the matching enter; valid when has_elapsed */
    int has_elapsed;
    int error;               /* FN_EXIT: the result matched the error rule */
    const char *cute;        /* NARRATE: the cute and story texts, NULL when absent */
    size_t cute_len;
    const char *story;
    size_t story_len;
    const unsigned char *raw; /* the record's values as captured (site layout), for binary sinks */
    size_t raw_len;
    const struct narr_context *context; /* the thread's context when recorded (narrate/context.h); may be NULL */
} narr_event_t;

NARR_API const char *narr_level_name(narr_level_t level);
/* Parses "trace".."fatal", "off" (any case); returns 0 or NARR_EINVAL. */
NARR_API int narr_level_parse(const char *text, size_t len, narr_level_t *out);

NARR__EXTERN_C_END

#endif /* NARR_TYPES_H */
