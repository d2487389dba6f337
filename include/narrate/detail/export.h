/* narrate/detail/export.h - symbol visibility and small compiler helpers shared by public headers. */
#ifndef NARR_DETAIL_EXPORT_H
#define NARR_DETAIL_EXPORT_H

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
#else
#define NARR__EXTERN_C_BEGIN
#define NARR__EXTERN_C_END
#define NARR__THREAD_LOCAL _Thread_local
#endif

#endif /* NARR_DETAIL_EXPORT_H */
