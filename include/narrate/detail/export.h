/* narrate/detail/export.h - symbol visibility and small compiler helpers shared by public headers. */
#ifndef NARR_DETAIL_EXPORT_H
#define NARR_DETAIL_EXPORT_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

/* The library is built with hidden visibility; only NARR_API symbols are exported. */
#if defined(__GNUC__) || defined(__clang__)
#define NARR_API __attribute__((visibility("default")))
#define NARR__LIKELY(x) __builtin_expect(!!(x), 1)
#define NARR__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NARR__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define NARR__NOINLINE __attribute__((noinline))
#define NARR__COLD __attribute__((cold))
#else
#error "narrate needs GCC or Clang (it uses their atomic builtins and TLS model attributes)"
#endif

#ifdef __cplusplus
#define NARR__EXTERN_C_BEGIN extern "C" {
#define NARR__EXTERN_C_END }
#define NARR__THREAD_LOCAL thread_local
#define NARR__INLINE inline
#else
#define NARR__EXTERN_C_BEGIN
#define NARR__EXTERN_C_END
/* Code traced by the generator may be built as C89 or C99 (-std=c89 -pedantic -Werror, as some
 * projects build): the keywords are the compilers' own spellings there. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define NARR__THREAD_LOCAL _Thread_local
#else
#define NARR__THREAD_LOCAL __thread
#endif
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
#define NARR__INLINE inline
#else
#define NARR__INLINE __inline__
#endif
#endif

#endif /* NARR_DETAIL_EXPORT_H */
