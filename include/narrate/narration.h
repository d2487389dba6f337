/* narrate/narration.h - the full structured path: NARR_NARRATE(level, .actor = ..., ...).
 * Fields are designated initializers over narr_fields_t; human, cute and story are printf
 * formats with arguments (NARR_FMT), formatted and redacted on the consumer thread. C only:
 * it is built on compound literals. */
#ifndef NARR_NARRATION_H
#define NARR_NARRATION_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

#include <stdint.h>

#include "detail/export.h"
#include "detail/fastpath.h"
#include "types.h"

NARR__EXTERN_C_BEGIN

/* A text: a printf format and its arguments, held until the record is written. */
typedef struct narr_text {
    const char *fmt;
    unsigned n;
    const unsigned char *types;
    const narr__val_t *vals;
} narr_text_t;

/* An optional number: NARR_V(x) sets it; zero-initialised means unset. */
typedef struct narr_num {
    long long v;
    int set;
} narr_num_t;

/* One extra key/value (any number, NARR_EXTRA ends the list). */
typedef struct narr_extra {
    const char *key;
    const char *value;
} narr_extra_t;

typedef struct narr_fields {
    const char *actor;  /* required, like action */
    const char *action;
    const char *target;
    narr_text_t human;  /* <= 100 characters; cute <= 150; story <= 200: longer is cut and marked */
    narr_text_t cute;
    narr_text_t story;
    /* identity */
    const char *correlation_id; /* default: the current context's */
    const char *session_id, *job_id, *task_id, *pool_id, *replica_id, *worker_id;
    /* context */
    const char *error_kind;
    narr_num_t retry_after_ms, backoff_ms, duration_ms, queue_position, predicted_start_ms;
    /* engine and model */
    const char *engine, *engine_version, *model_ref, *device;
    /* tokens */
    narr_num_t tokens_in, tokens_out, decode_time_ms;
    const narr_extra_t *extra;
} narr_fields_t;

#define NARR_V(x) {(long long)(x), 1}

/* NARR_FMT("Accepted %s at position %d", job, pos): checked like printf, evaluated once. */
#define NARR__FMT_T(d, i, x) NARR__TC(x),
#define NARR__FMT_V(d, i, x) NARR__TOVAL(x),
#define NARR__FMT_REST(fmt, ...) __VA_ARGS__
#define NARR_FMT(...) NARR__CAT(NARR__FMT_, NARR__FMT_HAS_ARGS(__VA_ARGS__))(__VA_ARGS__)
#define NARR__FMT_HAS_ARGS(...) NARR__NARG_(__VA_ARGS__, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, ~)
#define NARR__FMT_0(fmt) ((narr_text_t){(fmt), 0, 0, 0})
#define NARR__FMT_1(fmt, ...)                                                                   \
    (0 ? narr__check_fmt(fmt, __VA_ARGS__) : (void)0,                                           \
     (narr_text_t){(fmt), NARR__NARG(__VA_ARGS__),                                              \
                   (const unsigned char[]){NARR__FE(NARR__FMT_T, ~, __VA_ARGS__)},              \
                   (const narr__val_t[]){NARR__FE(NARR__FMT_V, ~, __VA_ARGS__)}})

/* NARR_EXTRA({"gpu", "0"}, {"zone", zone}) */
#define NARR_EXTRA(...) ((const narr_extra_t[]){__VA_ARGS__, {0, 0}})

NARR_API void narr__narrate(narr_site_t *site, int32_t st, int level, const narr_fields_t *f);

NARR__EXTERN_C_END

/* NARR_NARRATE(level, .actor = "orchestratord", .action = "admit", .human = NARR_FMT(...), ...)
 * level is a narr_level_t (or NARR_LEVEL_MUTE: dropped before any sink). A constant level below
 * the build level compiles to nothing. */
#define NARR_NARRATE(level, ...) do {                                                             \
    if ((int)(level) >= NARR_BUILD_LEVEL && (int)(level) < NARR_LEVEL_OFF) {                     \
        static narr_site_t narr__site = {"", "", "", __FILE__, __func__, 0, 0, __LINE__,          \
            NARR_LEVEL_TRACE, NARR_KIND_NARRATE, 0, 0, 0, 0, 0, 0, 0};                             \
        int32_t narr__st = narr__site_enabled(&narr__site);                                       \
        if (narr__st >= 0) narr__narrate(&narr__site, narr__st, (int)(level),                     \
                                         &(const narr_fields_t){__VA_ARGS__});                   \
    }                                                                                             \
} while (0)

#endif /* NARR_NARRATION_H */
