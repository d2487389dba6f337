/* narrate/detail/fastpath.h - the inline hot path: ring reservation, timestamps, argument capture.
 * Nothing here locks, allocates or makes a system call on the common path. */
#ifndef NARR_DETAIL_FASTPATH_H
#define NARR_DETAIL_FASTPATH_H

#include <stdint.h>
#include <string.h>

#include "../types.h"
#include "export.h"

#if defined(__x86_64__) || defined(__i386__)
#define NARR__HAVE_TSC 1
#endif

NARR__EXTERN_C_BEGIN

/* Value encodings in an event payload (8-byte slots, strings length-prefixed). */
enum {
    NARR__T_I64 = 1, /* any signed integer, sign-extended */
    NARR__T_U64 = 2, /* any unsigned integer, _Bool */
    NARR__T_F64 = 3, /* float, double, long double (as double) */
    NARR__T_STR = 4, /* char * / const char *: string slot */
    NARR__T_PTR = 5  /* any other object pointer: address */
};

/* String slot: a 32-bit header, then either a pointer to a literal or the copied bytes. */
#define NARR__STR_NULL 0x80000000u  /* the pointer was NULL */
#define NARR__STR_LIT 0x40000000u   /* 8-byte pointer to a string literal follows */
#define NARR__STR_TRUNC 0x20000000u /* copied bytes were cut at NARR_STR_MAX */
#define NARR__STR_LEN(h) ((h) & 0x1fffffffu)

/* Bound on bytes copied per string argument; a compile-time choice of the call site. */
#ifndef NARR_STR_MAX
#define NARR_STR_MAX 1024
#endif
#define NARR__STR_MAX_LIMIT 4096 /* the runtime's ring slack is sized for this */
#if NARR_STR_MAX < 16 || NARR_STR_MAX > NARR__STR_MAX_LIMIT
#error "NARR_STR_MAX must be between 16 and 4096"
#endif

#define NARR__REC_HDR 16u /* uint32 site id, uint32 size, uint64 timestamp */

/* The producer half of a per-thread ring. Positions grow forever; offset = pos & mask.
 * The buffer has NARR__RING_SLACK bytes past cap so a record never wraps. */
typedef struct narr__ring {
    uint64_t head;       /* producer writes; release store pairs with the acquire in narr__ring_drain */
    uint64_t tail_cache; /* producer's last view of tail */
    uint64_t dropped;    /* events refused because the ring was full; relaxed, read by the consumer */
    uint64_t cap;
    uint64_t mask;
    unsigned char *buf;
    unsigned char pad_[64 - 6 * sizeof(uint64_t)];
    uint64_t tail;       /* consumer writes; release store pairs with the acquire in narr__reserve_slow */
} narr__ring_t;

#if defined(__GNUC__) && !defined(NARR__NO_TLS_MODEL)
#define NARR__TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#define NARR__TLS_MODEL
#endif

extern NARR_API NARR__THREAD_LOCAL narr__ring_t *narr__tls_ring NARR__TLS_MODEL;
extern NARR_API int narr__clock_is_tsc;

NARR_API narr__ring_t *narr__ring_attach(void);
NARR_API unsigned char *narr__reserve_slow(narr__ring_t *r, uint32_t need);
NARR_API int32_t narr__site_resolve(narr_site_t *site);
NARR_API uint64_t narr__clock_slow(void);
NARR_API unsigned char *narr__put_str_copy(unsigned char *p, const char *s, uint32_t max);

static inline uint64_t narr__now(void)
{
#ifdef NARR__HAVE_TSC
    if (NARR__LIKELY(narr__clock_is_tsc)) {
        uint32_t lo, hi;
        __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
        return ((uint64_t)hi << 32) | lo;
    }
#endif
    return narr__clock_slow();
}

static inline int32_t narr__site_state(narr_site_t *s)
{
    /* pairs with the release in narr__site_resolve: the registry entry is visible first */
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

/* Room for `need` contiguous bytes, or NULL when the ring is full (the drop is counted). */
static inline unsigned char *narr__reserve(narr__ring_t **rp, uint32_t need)
{
    narr__ring_t *r = narr__tls_ring;
    if (NARR__UNLIKELY(r == NULL)) {
        r = narr__ring_attach();
        if (r == NULL) return NULL;
    }
    *rp = r;
    if (NARR__UNLIKELY(r->head + need - r->tail_cache > r->cap)) return narr__reserve_slow(r, need);
    return r->buf + (r->head & r->mask);
}

static inline void narr__commit(narr__ring_t *r, unsigned char *rec, int32_t id, unsigned char *end)
{
    uint32_t size = (uint32_t)(end - rec);
    uint64_t hdr = (uint64_t)(uint32_t)id | ((uint64_t)size << 32);
    uint64_t ts = narr__now();
    memcpy(rec, &hdr, 8);
    memcpy(rec + 8, &ts, 8);
    /* round up to 8 so every record header stays aligned */
    __atomic_store_n(&r->head, r->head + ((size + 7u) & ~7u), __ATOMIC_RELEASE);
}

/* Writers take (p, value, lit); lit is __builtin_constant_p(value), used by strings only. */
static inline unsigned char *narr__put_i(unsigned char *p, long long v, int lit) { (void)lit; memcpy(p, &v, 8); return p + 8; }
static inline unsigned char *narr__put_u(unsigned char *p, unsigned long long v, int lit) { (void)lit; memcpy(p, &v, 8); return p + 8; }
static inline unsigned char *narr__put_f(unsigned char *p, double v, int lit) { (void)lit; memcpy(p, &v, 8); return p + 8; }
static inline unsigned char *narr__put_p(unsigned char *p, const volatile void *v, int lit)
{
    uint64_t a = (uint64_t)(uintptr_t)v;
    (void)lit;
    memcpy(p, &a, 8);
    return p + 8;
}
/* String literals live for the whole program: store the pointer, not the bytes. */
static inline unsigned char *narr__put_s(unsigned char *p, const char *s, int lit)
{
    if (lit && s != NULL) { /* a constant NULL is constant too */
        uint64_t h = NARR__STR_LIT, a = (uint64_t)(uintptr_t)s;
        memcpy(p, &h, 8);
        memcpy(p + 8, &a, 8);
        return p + 16;
    }
    return narr__put_str_copy(p, s, NARR_STR_MAX);
}

/* Never called: gives the compiler a printf prototype to check formats against. */
static inline void narr__check_fmt(const char *fmt, ...) NARR__PRINTF(1, 2);
static inline void narr__check_fmt(const char *fmt, ...) { (void)fmt; }
static inline void narr__check_names(const char *actor, const char *action) { (void)actor; (void)action; }
static inline void narr__check_vals(int n, ...) { (void)n; }

NARR__EXTERN_C_END

/* Per-value type code, worst-case size and writer: in C through _Generic, in C++ through overloads.
 * The controlling expression of _Generic and the operand of decltype are never evaluated. */
#define NARR__SZ_STR (8u + ((NARR_STR_MAX + 7u) & ~7u))
#ifndef __cplusplus
#define NARR__TC(x) _Generic((x), \
    _Bool: NARR__T_U64, char: NARR__T_I64, signed char: NARR__T_I64, unsigned char: NARR__T_U64, \
    short: NARR__T_I64, unsigned short: NARR__T_U64, int: NARR__T_I64, unsigned int: NARR__T_U64, \
    long: NARR__T_I64, unsigned long: NARR__T_U64, long long: NARR__T_I64, unsigned long long: NARR__T_U64, \
    float: NARR__T_F64, double: NARR__T_F64, long double: NARR__T_F64, \
    char *: NARR__T_STR, const char *: NARR__T_STR, default: NARR__T_PTR)
#define NARR__PUT(p, x) _Generic((x), \
    _Bool: narr__put_u, char: narr__put_i, signed char: narr__put_i, unsigned char: narr__put_u, \
    short: narr__put_i, unsigned short: narr__put_u, int: narr__put_i, unsigned int: narr__put_u, \
    long: narr__put_i, unsigned long: narr__put_u, long long: narr__put_i, unsigned long long: narr__put_u, \
    float: narr__put_f, double: narr__put_f, long double: narr__put_f, \
    char *: narr__put_s, const char *: narr__put_s, default: narr__put_p)((p), (x), __builtin_constant_p(x))
#else
#include <type_traits>
namespace narr__cxx {
template <class T, class = void> struct tc { static_assert(std::is_pointer<T>::value, "narrate: unsupported argument type"); enum { value = NARR__T_PTR }; };
template <class T> struct tc<T, typename std::enable_if<std::is_integral<T>::value && std::is_signed<T>::value>::type> { enum { value = NARR__T_I64 }; };
template <class T> struct tc<T, typename std::enable_if<std::is_integral<T>::value && !std::is_signed<T>::value>::type> { enum { value = NARR__T_U64 }; };
template <class T> struct tc<T, typename std::enable_if<std::is_floating_point<T>::value>::type> { enum { value = NARR__T_F64 }; };
template <class T> struct tc<T, typename std::enable_if<std::is_enum<T>::value>::type> { enum { value = NARR__T_I64 }; };
template <> struct tc<char *> { enum { value = NARR__T_STR }; };
template <> struct tc<const char *> { enum { value = NARR__T_STR }; };
template <> struct tc<bool> { enum { value = NARR__T_U64 }; };
template <class T> struct tcd : tc<typename std::decay<T>::type> {};
template <class T> inline unsigned char *put(unsigned char *p, T v, int lit, typename std::enable_if<std::is_integral<T>::value && std::is_signed<T>::value>::type * = 0) { return narr__put_i(p, v, lit); }
template <class T> inline unsigned char *put(unsigned char *p, T v, int lit, typename std::enable_if<std::is_integral<T>::value && !std::is_signed<T>::value>::type * = 0) { return narr__put_u(p, v, lit); }
template <class T> inline unsigned char *put(unsigned char *p, T v, int lit, typename std::enable_if<std::is_floating_point<T>::value>::type * = 0) { return narr__put_f(p, (double)v, lit); }
template <class T> inline unsigned char *put(unsigned char *p, T v, int lit, typename std::enable_if<std::is_enum<T>::value>::type * = 0) { return narr__put_i(p, (long long)v, lit); }
template <class T> inline unsigned char *put(unsigned char *p, T *v, int lit) { return narr__put_p(p, (const volatile void *)v, lit); }
inline unsigned char *put(unsigned char *p, char *v, int lit) { return narr__put_s(p, v, lit); }
inline unsigned char *put(unsigned char *p, const char *v, int lit) { return narr__put_s(p, v, lit); }
} // namespace narr__cxx
#define NARR__TC(x) ((unsigned char)::narr__cxx::tcd<decltype(x)>::value)
#define NARR__PUT(p, x) ::narr__cxx::put((p), (x), __builtin_constant_p(x))
#endif
#define NARR__MAXSZ(x) (NARR__TC(x) == NARR__T_STR ? NARR__SZ_STR : 8u)

#endif /* NARR_DETAIL_FASTPATH_H */
