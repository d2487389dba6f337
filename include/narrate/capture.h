/* narrate/capture.h - an in-memory sink for tests. Each capture is an object its test owns;
 * captures in parallel tests do not see each other's events (scoped to threads). */
#ifndef NARR_CAPTURE_H
#define NARR_CAPTURE_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

#include <stddef.h>
#include <stdio.h>

#include "detail/export.h"
#include "types.h"

NARR__EXTERN_C_BEGIN

typedef struct narr_capture narr_capture_t;

/* One recorded event, owned by the capture. */
typedef struct narr_captured {
    narr_level_t level;
    narr_kind_t kind;
    uint32_t tid;
    const char *actor;
    const char *action;
    const char *target;         /* "" when absent */
    const char *correlation_id; /* "" when absent */
    const char *message;
    size_t message_len;
    const char *kv;             /* key="value" pairs as the console shows them, space separated */
    const char *file;
    unsigned line;
    uint64_t dropped;
    const char *cute;           /* NULL when the event has none */
    const char *story;
    const char *fields;         /* every key/value, as "key\0value\0...\0" (narr_captured_field) */
} narr_captured_t;

/* A captured event's field by key (target, job_id, tokens_in, an extra, ...), or NULL. Values
 * are redacted as the console redacts them. */
NARR_API const char *narr_captured_field(const narr_captured_t *e, const char *key);

/* Which events a capture sees. */
#define NARR_CAPTURE_THIS_THREAD 0u /* events recorded by the thread that began the capture */
#define NARR_CAPTURE_ALL 1u         /* every event while the capture lives */

NARR_API narr_capture_t *narr_capture_begin(unsigned flags);
/* Adds a thread (e.g. a worker the test started) to a THIS_THREAD capture. */
NARR_API int narr_capture_add_thread(narr_capture_t *c, uint32_t tid);
NARR_API void narr_capture_end(narr_capture_t *c);

/* All readers flush first, so every event recorded before the call is visible. */
NARR_API size_t narr_capture_count(narr_capture_t *c);
NARR_API const narr_captured_t *narr_capture_at(narr_capture_t *c, size_t i);
/* Events matching every non-NULL criterion; message_sub is a substring of the message. */
NARR_API size_t narr_capture_count_matching(narr_capture_t *c, const char *actor, const char *action,
                                            const char *message_sub);
/* Index of the first match at or after `from`, or -1. */
NARR_API long narr_capture_find(narr_capture_t *c, size_t from, const char *actor, const char *action,
                                const char *message_sub);
NARR_API uint64_t narr_capture_dropped(narr_capture_t *c);
NARR_API void narr_capture_dump(narr_capture_t *c, FILE *out);

/* Assertion helpers: on failure print what was expected and every captured event, return 0. */
NARR_API int narr_capture_expect(narr_capture_t *c, const char *file, int line, const char *actor,
                                 const char *action, const char *message_sub, size_t want_count);
NARR_API int narr_capture_expect_order(narr_capture_t *c, const char *file, int line,
                                       const char *const *message_subs, size_t n);
#define NARR_CAPTURE_EXPECT(c, actor, action, sub, n) \
    narr_capture_expect((c), __FILE__, __LINE__, (actor), (action), (sub), (n))
#define NARR_CAPTURE_EXPECT_NONE(c, actor, action, sub) \
    narr_capture_expect((c), __FILE__, __LINE__, (actor), (action), (sub), 0)
/* Events whose field `key` equals `value` (NULL value: events that have the field at all). */
NARR_API size_t narr_capture_count_field(narr_capture_t *c, const char *key, const char *value);
NARR_API int narr_capture_expect_field(narr_capture_t *c, const char *file, int line, const char *key,
                                       const char *value, size_t want_count);
#define NARR_CAPTURE_EXPECT_FIELD(c, key, value, n) \
    narr_capture_expect_field((c), __FILE__, __LINE__, (key), (value), (n))

NARR__EXTERN_C_END

#endif /* NARR_CAPTURE_H */
