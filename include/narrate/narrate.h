/* narrate/narrate.h - the public macros. Include this; <narrate/short.h> adds short names.
 *
 * Build level: NARRATE_LEVEL (TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF), defined before this
 * include or on the command line, else NARRATE_BUILD_LEVEL (set by the CMake target), else TRACE.
 * A macro below the build level expands to code that type-checks its arguments, checks its
 * format, and never evaluates anything: the object code is the same as without it.
 *
 * actor and action (and fn, key) must be string literals or static arrays: they live in the
 * call site's static descriptor. Other values are captured by type; `fmt` is printf-style and
 * is formatted later, on the consumer thread. Arguments are evaluated exactly once when the
 * site is enabled (even if the buffer then turns out full), never when it is disabled; an
 * argument may itself record events. */
#ifndef NARR_NARRATE_H
#define NARR_NARRATE_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

#include "detail/export.h"
#include "detail/fastpath.h"
#include "runtime.h"
#include "types.h"

/* ---- build level ---- */
/* Offset by one so an unknown name (which #if reads as 0) can be caught. */
#define NARR__LVL_TRACE 1
#define NARR__LVL_DEBUG 2
#define NARR__LVL_INFO 3
#define NARR__LVL_WARN 4
#define NARR__LVL_ERROR 5
#define NARR__LVL_FATAL 6
#define NARR__LVL_OFF 7
#define NARR__LVL_OF(x) NARR__LVL_OF_(x)
#define NARR__LVL_OF_(x) NARR__LVL_##x

#if defined(NARRATE_LEVEL)
#define NARR__BUILD_LEVEL NARR__LVL_OF(NARRATE_LEVEL)
#elif defined(NARRATE_BUILD_LEVEL)
#define NARR__BUILD_LEVEL NARR__LVL_OF(NARRATE_BUILD_LEVEL)
#else
#define NARR__BUILD_LEVEL NARR__LVL_TRACE
#endif
#if NARR__BUILD_LEVEL < 1 || NARR__BUILD_LEVEL > 7
#error "NARRATE_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF"
#endif
/* The build level as a narr_level_t value, for code that wants to ask. */
#define NARR_BUILD_LEVEL (NARR__BUILD_LEVEL - 1)

/* Counting and per-argument expansion for up to 20 values (prefix values + format + arguments). */
/* 21 to 40 values: NARR__FE_MANY, whose error names the limit (not "macro passed 23 arguments") */
#define NARR__NARG(...) NARR__NARG40_(__VA_ARGS__, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, \
                                    MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, 20, 19, 18, 17, 16, 15, 14, \
                                    13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, ~)
#define NARR__NARG_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, n, ...) n
#define NARR__NARG40_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, \
                    a22, a23, a24, a25, a26, a27, a28, a29, a30, a31, a32, a33, a34, a35, a36, a37, a38, a39, a40, n, \
                    ...) n
#define NARR__FE_MANY(M, d, ...) narr_error_too_many_values_in_one_event_at_most_20_counting_target_and_format
#define NARR__CAT(a, b) NARR__CAT_(a, b)
#define NARR__CAT_(a, b) a##b
/* NARR__FE(M, d, x...) expands to M(d, 0, x1) M(d, 1, x2) ... */
#define NARR__FE(M, d, ...) NARR__CAT(NARR__FE_, NARR__NARG(__VA_ARGS__))(M, d, __VA_ARGS__)
#define NARR__FE_1(M, d, x1) M(d, 0, x1)
#define NARR__FE_2(M, d, x1, x2) M(d, 0, x1) M(d, 1, x2)
#define NARR__FE_3(M, d, x1, x2, x3) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3)
#define NARR__FE_4(M, d, x1, x2, x3, x4) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4)
#define NARR__FE_5(M, d, x1, x2, x3, x4, x5) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5)
#define NARR__FE_6(M, d, x1, x2, x3, x4, x5, x6) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6)
#define NARR__FE_7(M, d, x1, x2, x3, x4, x5, x6, x7) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7)
#define NARR__FE_8(M, d, x1, x2, x3, x4, x5, x6, x7, x8) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8)
#define NARR__FE_9(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9)
#define NARR__FE_10(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10)
#define NARR__FE_11(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10) M(d, 10, x11)
#define NARR__FE_12(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10) M(d, 10, x11) M(d, 11, x12)
#define NARR__FE_13(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10) M(d, 10, x11) M(d, 11, x12) M(d, 12, x13)
#define NARR__FE_14(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10) M(d, 10, x11) M(d, 11, x12) M(d, 12, x13) M(d, 13, x14)
#define NARR__FE_15(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10) M(d, 10, x11) M(d, 11, x12) M(d, 12, x13) M(d, 13, x14) M(d, 14, x15)
#define NARR__FE_16(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10) M(d, 10, x11) M(d, 11, x12) M(d, 12, x13) M(d, 13, x14) M(d, 14, x15) M(d, 15, x16)
#define NARR__FE_17(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10) M(d, 10, x11) M(d, 11, x12) M(d, 12, x13) M(d, 13, x14) M(d, 14, x15) M(d, 15, x16) M(d, 16, x17)
#define NARR__FE_18(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, x18) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10) M(d, 10, x11) M(d, 11, x12) M(d, 12, x13) M(d, 13, x14) M(d, 14, x15) M(d, 15, x16) M(d, 16, x17) M(d, 17, x18)
#define NARR__FE_19(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, x18, x19) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10) M(d, 10, x11) M(d, 11, x12) M(d, 12, x13) M(d, 13, x14) M(d, 14, x15) M(d, 15, x16) M(d, 16, x17) M(d, 17, x18) M(d, 18, x19)
#define NARR__FE_20(M, d, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, x18, x19, x20) M(d, 0, x1) M(d, 1, x2) M(d, 2, x3) M(d, 3, x4) M(d, 4, x5) M(d, 5, x6) M(d, 6, x7) M(d, 7, x8) M(d, 8, x9) M(d, 9, x10) M(d, 10, x11) M(d, 11, x12) M(d, 12, x13) M(d, 13, x14) M(d, 14, x15) M(d, 15, x16) M(d, 16, x17) M(d, 17, x18) M(d, 18, x19) M(d, 19, x20)

/* ---- recording ---- */
#define NARR__ARG_0(a, ...) a
#define NARR__ARG_1(a, b, ...) b
#define NARR__ARG_2(a, b, c, ...) c
#define NARR__TC_ITEM(d, i, x) NARR__TCL(x),
#define NARR__LIT_ITEM(d, i, x) NARR__LIT(x),
#define NARR__SZ_ITEM(d, i, x) +((i) == (d) || narr__types[i] == NARR__T_LIT ? 0u : NARR__MAXSZ(x))
#define NARR__HOLD(d, i) ((i) != (d) && narr__types[i] != NARR__T_LIT)
#define NARR__VAL_ITEM(d, i, x) narr__val_t NARR__CAT(narr__v, i) = NARR__HOLD(d, i) ? NARR__TOVAL(x) : narr__val_none();
#define NARR__PUT_ITEM(d, i, x) if (NARR__HOLD(d, i)) narr__p = narr__put_val(narr__p, narr__types[i], NARR__CAT(narr__v, i));

/* __VA_ARGS__ = npre prefix values, the format, the format's arguments. */
#define NARR__REC(lvl, kind, actor_, action_, npre_, ...)                                           \
    NARR__REC_X(lvl, kind, actor_, action_, 0, 0, (void)0, npre_, __VA_ARGS__)
/* keys_: a name per prefix value (or 0); flags_: NARR_SITE_*; on: a statement run once the site
 * records */
#define NARR__REC_X(lvl, kind, actor_, action_, keys_, flags_, on, npre_, ...) do {                  \
    static const unsigned char narr__types[] = {NARR__FE(NARR__TC_ITEM, npre_, __VA_ARGS__)};      \
    static const char *const narr__lits[] = {NARR__FE(NARR__LIT_ITEM, npre_, __VA_ARGS__)};        \
    static narr_site_t narr__site = {actor_, action_, NARR__CAT(NARR__ARG_, npre_)(__VA_ARGS__, ~), \
        __FILE__, __func__, narr__types, narr__lits, __LINE__, (lvl), (kind),                       \
        (unsigned char)sizeof(narr__types), (npre_), 0, keys_, flags_, 0, 0};                             \
    narr__rec_t narr__g;                                                                            \
    unsigned char *narr__p;                                                                         \
    int32_t narr__st = narr__site_enabled(&narr__site);                                             \
    if (narr__st < 0) break;                                                                        \
    on;                                                                                             \
    {                                                                                               \
        NARR__FE(NARR__VAL_ITEM, npre_, __VA_ARGS__)                                                \
        narr__p = narr__rec_reserve(narr__st,                                                       \
            NARR__REC_HDR NARR__FE(NARR__SZ_ITEM, npre_, __VA_ARGS__), &narr__g);                   \
        if (narr__p == NULL) break;                                                                 \
        NARR__FE(NARR__PUT_ITEM, npre_, __VA_ARGS__)                                                \
        narr__commit(&narr__g, narr__p);                       \
    }                                                                                               \
} while (0)

/* Type-checks everything and evaluates nothing. pre is a parenthesised list of prefix values. */
#define NARR__DEAD(actor_, action_, pre, ...) do {                                                   \
    if (0) {                                                                                        \
        narr__check_names(actor_, action_);                                                         \
        narr__check_vals pre;                                                                       \
        narr__check_fmt(__VA_ARGS__);                                                               \
    }                                                                                               \
} while (0)

/* NARR__AT_<LEVEL>(check, record): record only at or above the build level. */
#if NARR__BUILD_LEVEL <= NARR__LVL_TRACE
#define NARR__AT_TRACE(check, record) do { check; record; } while (0)
#else
#define NARR__AT_TRACE(check, record) check
#endif
#if NARR__BUILD_LEVEL <= NARR__LVL_DEBUG
#define NARR__AT_DEBUG(check, record) do { check; record; } while (0)
#else
#define NARR__AT_DEBUG(check, record) check
#endif
#if NARR__BUILD_LEVEL <= NARR__LVL_INFO
#define NARR__AT_INFO(check, record) do { check; record; } while (0)
#else
#define NARR__AT_INFO(check, record) check
#endif
#if NARR__BUILD_LEVEL <= NARR__LVL_WARN
#define NARR__AT_WARN(check, record) do { check; record; } while (0)
#else
#define NARR__AT_WARN(check, record) check
#endif
#if NARR__BUILD_LEVEL <= NARR__LVL_ERROR
#define NARR__AT_ERROR(check, record) do { check; record; } while (0)
#else
#define NARR__AT_ERROR(check, record) check
#endif
#if NARR__BUILD_LEVEL <= NARR__LVL_FATAL
#define NARR__AT_FATAL(check, record) do { check; record; } while (0)
#else
#define NARR__AT_FATAL(check, record) check
#endif

/* ---- the macros of SPEC.md ---- */

/* Marks a function for the generator (narrate_instrument in CMake): it emits a traced version
 * with an enter event (every parameter by its type) and an exit event (result, elapsed time).
 * Options: "skip=a,b; level=trace|debug|info; err=neg|null|nonzero". The marker is an annotate
 * attribute while the generator parses (and under clang) and nothing otherwise. */
#if defined(NARR__GENERATING) || defined(__clang__)
#define NARR_TRACE_FN __attribute__((annotate("narrate:trace")))
#define NARR_TRACE_FN_WITH(opts) __attribute__((annotate("narrate:trace:" opts)))
#else
#define NARR_TRACE_FN
#define NARR_TRACE_FN_WITH(opts)
#endif

/* One hot-path event: TRACE actor action target="..." "message" */
#define NARR_TRACE_TINY(actor, action, target, ...)                                                 \
    NARR__AT_TRACE(NARR__DEAD(actor, action, (0, target), __VA_ARGS__),                             \
                   NARR__REC(NARR_LEVEL_TRACE, NARR_KIND_TINY, actor, action, 1, target, __VA_ARGS__))

/* Same, with a correlation id (a string). */
#define NARR_TRACE_CORR(actor, action, target, correlation_id, ...)                                 \
    NARR__AT_TRACE(NARR__DEAD(actor, action, (0, target, correlation_id), __VA_ARGS__),             \
                   NARR__REC(NARR_LEVEL_TRACE, NARR_KIND_CORR, actor, action, 2, target,             \
                             correlation_id, __VA_ARGS__))

/* Hand-written function boundaries; fn is a literal (or __func__). */
/* The enter records the thread's depth of traced calls (as generated functions do), so readers
 * rebuild calls soundly after a loss; the exit gives it back. */
#define NARR_TRACE_ENTER(actor, fn, ...)                                                            \
    NARR__AT_TRACE(NARR__DEAD(actor, fn, (0), __VA_ARGS__),                                         \
                   NARR__REC_X(NARR_LEVEL_TRACE, NARR_KIND_ENTER, actor, fn, narr__enter_keys,      \
                               NARR_SITE_MACRO_ENTER,                                                \
                               narr__depth++, 1, narr__depth - 1u, __VA_ARGS__))
#define NARR_TRACE_EXIT(actor, fn, ...)                                                             \
    NARR__AT_TRACE(NARR__DEAD(actor, fn, (0), __VA_ARGS__),                                         \
                   NARR__REC_X(NARR_LEVEL_TRACE, NARR_KIND_EXIT, actor, fn, 0, 0,                    \
                               narr__depth -= narr__depth != 0, 0, __VA_ARGS__))

/* One loop iteration: TRACE actor action iter="index/total" "message" */
#define NARR_TRACE_LOOP(actor, action, index, total, ...)                                           \
    NARR__AT_TRACE(NARR__DEAD(actor, action, (0, index, total), __VA_ARGS__),                       \
                   NARR__REC(NARR_LEVEL_TRACE, NARR_KIND_LOOP, actor, action, 2, index, total,       \
                             __VA_ARGS__))

/* A state transition; key is a literal: TRACE actor state_change key="k" from="a" to="b" "..." */
#define NARR_TRACE_STATE(actor, key, from, to, ...)                                                 \
    NARR__AT_TRACE(NARR__DEAD(actor, key, (0, from, to), __VA_ARGS__),                              \
                   NARR__REC(NARR_LEVEL_TRACE, NARR_KIND_STATE, actor, key, 2, from, to, __VA_ARGS__))

/* Leveled narration: LEVEL actor action target="..." "message" */
#define NARR_DEBUG(actor, action, target, ...)                                                         \
    NARR__AT_DEBUG(NARR__DEAD(actor, action, (0, target), __VA_ARGS__),                                \
                NARR__REC(NARR_LEVEL_DEBUG, NARR_KIND_LOG, actor, action, 1, target, __VA_ARGS__))
#define NARR_INFO(actor, action, target, ...)                                                         \
    NARR__AT_INFO(NARR__DEAD(actor, action, (0, target), __VA_ARGS__),                                \
                NARR__REC(NARR_LEVEL_INFO, NARR_KIND_LOG, actor, action, 1, target, __VA_ARGS__))
#define NARR_WARN(actor, action, target, ...)                                                         \
    NARR__AT_WARN(NARR__DEAD(actor, action, (0, target), __VA_ARGS__),                                \
                NARR__REC(NARR_LEVEL_WARN, NARR_KIND_LOG, actor, action, 1, target, __VA_ARGS__))
#define NARR_ERROR(actor, action, target, ...)                                                         \
    NARR__AT_ERROR(NARR__DEAD(actor, action, (0, target), __VA_ARGS__),                                \
                NARR__REC(NARR_LEVEL_ERROR, NARR_KIND_LOG, actor, action, 1, target, __VA_ARGS__))
#define NARR_FATAL(actor, action, target, ...)                                                         \
    NARR__AT_FATAL(NARR__DEAD(actor, action, (0, target), __VA_ARGS__),                                \
                do { NARR__REC(NARR_LEVEL_FATAL, NARR_KIND_LOG, actor, action, 1, target, __VA_ARGS__);   \
                     narr__fatal(); } while (0))

/* Shared objects: a library that records events and is unloaded (dlclose) takes its call sites
 * with it. Each translation unit that can record tells the runtime as it goes, and the runtime
 * delivers what was recorded, then forgets those sites. Nothing at NARRATE_LEVEL=OFF. */
#if NARR__BUILD_LEVEL < 7 && (defined(__GNUC__) || defined(__clang__)) && !defined(NARR_NO_UNLOAD_HOOK)
NARR__EXTERN_C_BEGIN
/* weak: a file that includes this header but records nothing links without the library */
NARR_API void narr__module_unloading(const void *anchor) __attribute__((weak));
NARR__EXTERN_C_END
static const char narr__unload_anchor = 0; /* an address inside this object */
__attribute__((destructor, used)) static void narr__unload_hook(void)
{
    if (narr__module_unloading) narr__module_unloading(&narr__unload_anchor);
}
#endif

/* The full structured path (C only: it is built on compound literals). */
#ifndef __cplusplus
#include "narration.h"
#endif

#endif /* NARR_NARRATE_H */
