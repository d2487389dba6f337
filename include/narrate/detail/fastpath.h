/* narrate/detail/fastpath.h - the inline hot path: ring reservation, timestamps, argument capture.
 * Nothing here locks, allocates or makes a system call on the common path. */
#ifndef NARR_DETAIL_FASTPATH_H
#define NARR_DETAIL_FASTPATH_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

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
    NARR__T_PTR = 5, /* any other object pointer: address */
    NARR__T_LIT = 6,  /* a string literal: kept in the site (lits), nothing in the payload */
    NARR__T_BOOL = 7, /* shown as true/false */
    NARR__T_ENUM = 8  /* value, then a pointer to its constant's name (static) or 0: 16 bytes */
};

/* String slot: a 32-bit header (length and flags), 4 bytes of padding, the bytes padded to 8. */
#define NARR__STR_NULL 0x80000000u  /* the pointer was NULL */
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
/* A ring record that is no event: events were dropped right here (header, then uint64 how many
 * since the ring's previous loss record, and uint64 the ring's drops in all so far). The slow
 * path writes one before the first record that fits after a loss, so sinks and the trace file
 * place each loss exactly where it happened in its thread's events. */
#define NARR__ID_LOSS 0xfffffff0u
#define NARR__LOSS_REC 32u

/* The producer half of a per-thread ring. Positions grow forever; offset = pos & mask.
 * The buffer has slack past cap so a record never wraps. A thread without a ring points at
 * narr__ring_none, whose limit of 0 sends its first event to the slow path, which attaches.
 * While a record is being written its ring's limit reads NARR__LIMIT_BUSY, so a signal handler
 * recording on the same thread meanwhile takes the slow path, which drops (and counts) its
 * event instead of writing over the unfinished record. */
typedef struct narr__ring {
    uint64_t head;    /* producer writes; release store pairs with the acquire in drain_all */
    uint64_t limit;   /* producer's bound: tail seen + cap, or 0 to send every event to the slow path;
                         relaxed atomics (the shared narr__ring_none is written too) */
    uint64_t dropped; /* events refused because the ring was full; relaxed, read by the consumer */
    uint64_t cap;
    uint64_t mask;
    unsigned char *buf;
    uint64_t overwritten; /* of the dropped: older records the producer overwrote (overwrite mode) */
    uint64_t lim_next;    /* narr__reserve_slow's answer: the limit the record's commit gives back */
    uint64_t tail;    /* consumer writes (overwrite mode: both, by CAS); pairs with narr__reserve_slow */
} narr__ring_t;
#if !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(offsetof(narr__ring_t, tail) == 64, "the consumer's tail on a cache line of its own");
#endif

#if defined(__GNUC__) && !defined(NARR__NO_TLS_MODEL)
#define NARR__TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#define NARR__TLS_MODEL
#endif

/* A ring's limit while its thread writes a record (below any record's size). */
#define NARR__LIMIT_BUSY 1u

/* One record under construction. */
typedef struct narr__rec {
    narr__ring_t *r;
    uint64_t h;
    uint64_t lim; /* the ring's limit, given back when the record is committed */
    unsigned char *rec;
    int32_t st;
} narr__rec_t;

/* The thread's hot-path state in one block: generated code reaches all of it from one TLS
 * offset (one GOT load where the program is position-independent, not one per variable). */
typedef struct narr__tls_block {
    narr__ring_t *ring;  /* this thread's ring, or narr__ring_none before its first event */
    /* Traced calls active on this thread (generated wrappers count it up and down). */
    uint32_t depth;
    /* Traced calls skipped for being deeper than narr__max_depth, not yet reported. */
    uint32_t depth_skipped;
    /* Generated code: the caller of a traced function whose body asks __builtin_return_address(0),
     * set by its public function just before the call (the body would otherwise see narrate's). */
    const void *ret_addr;
} narr__tls_block_t;
extern NARR_API NARR__THREAD_LOCAL narr__tls_block_t narr__tls NARR__TLS_MODEL;
#define narr__tls_ring (narr__tls.ring)
#define narr__depth (narr__tls.depth)
#define narr__depth_skipped (narr__tls.depth_skipped)
#define narr__ret_addr (narr__tls.ret_addr)
/* Depth limit (narr_config_t.max_depth, NARRATE_MAX_DEPTH): calls deeper are not recorded and
 * counted; the count is reported once, by a marker event, when recording resumes. */
extern NARR_API uint32_t narr__max_depth;
NARR_API void narr__depth_report(void);
extern NARR_API narr__ring_t narr__ring_none;
/* NARR_TRACE_ENTER's value names: its depth, as metadata ({"@depth"}) */
extern NARR_API const char *const narr__enter_keys[];

/* Attaches a ring (updating narr__tls_ring), refreshes the limit, or counts a drop. lim: the
 * limit the caller read before marking the ring busy. Returns the record with its timestamp
 * written (the ring's lim_next then holds the limit its commit gives back), or NULL (the
 * ring's limit given back, unless a record of the interrupted thread still holds it). */
NARR_API unsigned char *narr__reserve_slow(narr__ring_t *r, uint64_t lim, uint32_t need);
NARR_API int32_t narr__site_resolve(narr_site_t *site);
/* Sites in state 0: unresolved, or (id set) "conditional": the filter refuses them but some
 * context has a per-request debug level (narr_context_set_debug), so the thread's level
 * decides. Returns the id when this thread records the site, else a negative value. */
NARR_API int32_t narr__site_slow(narr_site_t *site);
NARR_API uint64_t narr__clock_slow(void);
NARR_API unsigned char *narr__put_str_copy(unsigned char *p, const char *s, uint32_t max);
NARR_API unsigned char *narr__put_strn_copy(unsigned char *p, const char *s, size_t avail, uint32_t max);

/* Raw timestamp into rec[8..16): the TSC as two 32-bit stores (x86 is little-endian), or
 * CLOCK_MONOTONIC where there is no TSC. Machines whose TSC is not invariant never reach this:
 * their rings keep limit 0 and the slow path stamps with clock_gettime. */
static NARR__INLINE void narr__stamp(unsigned char *rec)
{
#ifdef NARR__HAVE_TSC
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    memcpy(rec + 8, &lo, 4);
    memcpy(rec + 12, &hi, 4);
#else
    uint64_t t = narr__clock_slow();
    memcpy(rec + 8, &t, 8);
#endif
}

static NARR__INLINE int32_t narr__site_state(narr_site_t *s)
{
    /* pairs with the release in narr__site_resolve: the registry entry is visible first */
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

/* The site's id when it is enabled, else a negative value (cached filter decision). */
static NARR__INLINE int32_t narr__site_enabled(narr_site_t *site)
{
    int32_t st = narr__site_state(site);
    if (st < 0) return st;
    if (NARR__UNLIKELY(st == 0)) st = narr__site_slow(site);
    return st;
}

/* Reserves `need` bytes (the worst case) on this thread's ring and stamps the time. Returns
 * where the values go, or NULL when the ring is full (the drop is counted). Nothing may record
 * another event on this thread between this and narr__commit, except a signal handler, whose
 * event is dropped and counted. */
static NARR__INLINE unsigned char *narr__rec_reserve(int32_t st, uint32_t need, narr__rec_t *g)
{
    narr__ring_t *r = narr__tls_ring;
    g->st = st;
    g->r = r;
    g->lim = __atomic_load_n(&r->limit, __ATOMIC_RELAXED);
    /* busy before head is read: a handler that records after this finds the ring busy; one
     * that recorded before has committed, and head below includes its record */
    __atomic_store_n(&r->limit, (uint64_t)NARR__LIMIT_BUSY, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* same thread: only the compiler must keep the order */
    g->h = r->head;
    if (NARR__LIKELY(g->h + need <= g->lim)) {
        g->rec = r->buf + (g->h & r->mask);
        narr__stamp(g->rec);
    } else {
        g->rec = narr__reserve_slow(r, g->lim, need);
        if (g->rec == NULL) return NULL;
        g->r = narr__tls_ring; /* re-read: the slow path may have attached one */
        g->h = g->r->head;
        g->lim = g->r->lim_next;
    }
    return g->rec + NARR__REC_HDR;
}

/* Both, for generated code whose values are already computed. */
static NARR__INLINE unsigned char *narr__rec_begin(narr_site_t *site, uint32_t need, narr__rec_t *g)
{
    int32_t st = narr__site_enabled(site);
    return st < 0 ? NULL : narr__rec_reserve(st, need, g);
}

/* The raw timestamp the record was stamped with (generated exits carry it as elapsed's start). */
static NARR__INLINE uint64_t narr__rec_stamp(const narr__rec_t *g)
{
    uint64_t t;
    memcpy(&t, g->rec + 8, 8);
    return t;
}

/* 1 when a traced call at this depth is recorded; else counts it as skipped. */
static NARR__INLINE int narr__depth_ok(void)
{
    if (NARR__LIKELY(narr__depth < narr__max_depth)) return 1;
    narr__depth_skipped++;
    return 0;
}

/* A traced function's setjmp returning (the generator wraps the call in its body): a longjmp
 * past traced callees left the thread's depth where they were; the function's own is given
 * back, so the calls it makes next are recorded at their true depth. */
static NARR__INLINE int narr__after_setjmp(uint32_t depth, int r)
{
    narr__depth = depth;
    return r;
}

/* A call skipped for its depth returning: the outermost one (its caller was recorded) reports
 * the calls skipped, itself included, so recorded calls never look at the count. */
static NARR__INLINE void narr__depth_skipped_return(uint32_t d0)
{
    if (d0 == narr__max_depth) narr__depth_report();
}

/* After a recorded call returns: report the calls skipped beneath it, if any. */
static NARR__INLINE void narr__depth_settle(void)
{
    if (NARR__UNLIKELY(narr__depth_skipped != 0)) narr__depth_report();
}

/* Publishes a record: header (site id, size), then head, rounded up to keep headers aligned;
 * then the ring is no longer busy. */
static NARR__INLINE void narr__commit(narr__rec_t *g, unsigned char *end)
{
    uint32_t id = (uint32_t)g->st, size = (uint32_t)(end - g->rec);
    /* two stores: a constant size is then an immediate (one 8-byte header would be built first) */
    memcpy(g->rec, &id, 4);
    memcpy(g->rec + 4, &size, 4);
    __atomic_store_n(&g->r->head, g->h + ((size + 7u) & ~7u), __ATOMIC_RELEASE);
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* published before a handler may record again */
    __atomic_store_n(&g->r->limit, g->lim, __ATOMIC_RELAXED);
}

static NARR__INLINE unsigned char *narr__put_i(unsigned char *p, long long v) { memcpy(p, &v, 8); return p + 8; }
static NARR__INLINE unsigned char *narr__put_u(unsigned char *p, unsigned long long v) { memcpy(p, &v, 8); return p + 8; }
static NARR__INLINE unsigned char *narr__put_f(unsigned char *p, double v) { memcpy(p, &v, 8); return p + 8; }
static NARR__INLINE unsigned char *narr__put_p(unsigned char *p, const volatile void *v)
{
    uint64_t a = (uint64_t)(uintptr_t)v;
    memcpy(p, &a, 8);
    return p + 8;
}
static NARR__INLINE unsigned char *narr__put_b(unsigned char *p, int v)
{
    uint64_t b = v != 0;
    memcpy(p, &b, 8);
    return p + 8;
}
static NARR__INLINE unsigned char *narr__put_e(unsigned char *p, long long v, const char *name)
{
    uint64_t a = (uint64_t)(uintptr_t)name;
    memcpy(p, &v, 8);
    memcpy(p + 8, &a, 8);
    return p + 16;
}
static NARR__INLINE unsigned char *narr__put_s(unsigned char *p, const char *s)
{
    return narr__put_str_copy(p, s, NARR_STR_MAX);
}

/* A value held between evaluating the arguments and writing the record: arguments are
 * evaluated first, so an argument that records an event itself cannot interleave. */
typedef union narr__val {
    long long i;
    unsigned long long u;
    double f;
    const volatile void *p;
    const char *s;
} narr__val_t;
static NARR__INLINE narr__val_t narr__val_i(long long v) { narr__val_t x; x.i = v; return x; }
static NARR__INLINE narr__val_t narr__val_u(unsigned long long v) { narr__val_t x; x.u = v; return x; }
static NARR__INLINE narr__val_t narr__val_f(double v) { narr__val_t x; x.f = v; return x; }
static NARR__INLINE narr__val_t narr__val_p(const volatile void *v) { narr__val_t x; x.p = v; return x; }
static NARR__INLINE narr__val_t narr__val_s(const char *v) { narr__val_t x; x.s = v; return x; }
static NARR__INLINE narr__val_t narr__val_none(void) { narr__val_t x; x.u = 0; return x; }

/* Writes a held value by its (compile-time constant) type code. */
static NARR__INLINE unsigned char *narr__put_val(unsigned char *p, unsigned char type, narr__val_t v)
{
    switch (type) {
    case NARR__T_I64: return narr__put_i(p, v.i);
    case NARR__T_U64: return narr__put_u(p, v.u);
    case NARR__T_F64: return narr__put_f(p, v.f);
    case NARR__T_STR: return narr__put_s(p, v.s);
    case NARR__T_PTR: return narr__put_p(p, v.p);
    default: return p;
    }
}

/* Never called: gives the compiler a printf prototype to check formats against. */
static NARR__INLINE void narr__check_fmt(const char *fmt, ...) NARR__PRINTF(1, 2);
static NARR__INLINE void narr__check_fmt(const char *fmt, ...) { (void)fmt; }
static NARR__INLINE void narr__check_names(const char *actor, const char *action) { (void)actor; (void)action; }
static NARR__INLINE void narr__check_vals(int n, ...) { (void)n; }

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
    char *: narr__put_s, const char *: narr__put_s, default: narr__put_p)((p), (x))
#define NARR__TOVAL(x) _Generic((x), \
    _Bool: narr__val_u, char: narr__val_i, signed char: narr__val_i, unsigned char: narr__val_u, \
    short: narr__val_i, unsigned short: narr__val_u, int: narr__val_i, unsigned int: narr__val_u, \
    long: narr__val_i, unsigned long: narr__val_u, long long: narr__val_i, unsigned long long: narr__val_u, \
    float: narr__val_f, double: narr__val_f, long double: narr__val_f, \
    char *: narr__val_s, const char *: narr__val_s, default: narr__val_p)(x)
/* A string literal (or constant NULL) is kept in the site: both arrays are static initializers,
 * and the writer reads the decision back from the types array, so the two always agree. */
#define NARR__STRSEL(x) _Generic((x), char *: (x), const char *: (x), default: (const char *)0)
#define NARR__TCL(x) (NARR__TC(x) == NARR__T_STR && __builtin_constant_p(x) ? NARR__T_LIT : NARR__TC(x))
#define NARR__LIT(x) (__builtin_constant_p(x) ? NARR__STRSEL(x) : (const char *)0)
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
template <class T> inline unsigned char *put(unsigned char *p, T v, typename std::enable_if<std::is_integral<T>::value && std::is_signed<T>::value>::type * = 0) { return narr__put_i(p, v); }
template <class T> inline unsigned char *put(unsigned char *p, T v, typename std::enable_if<std::is_integral<T>::value && !std::is_signed<T>::value>::type * = 0) { return narr__put_u(p, v); }
template <class T> inline unsigned char *put(unsigned char *p, T v, typename std::enable_if<std::is_floating_point<T>::value>::type * = 0) { return narr__put_f(p, (double)v); }
template <class T> inline unsigned char *put(unsigned char *p, T v, typename std::enable_if<std::is_enum<T>::value>::type * = 0) { return narr__put_i(p, (long long)v); }
template <class T> inline unsigned char *put(unsigned char *p, T *v) { return narr__put_p(p, (const volatile void *)v); }
inline unsigned char *put(unsigned char *p, char *v) { return narr__put_s(p, v); }
inline unsigned char *put(unsigned char *p, const char *v) { return narr__put_s(p, v); }
template <class T> inline narr__val_t val(T v, typename std::enable_if<std::is_integral<T>::value && std::is_signed<T>::value>::type * = 0) { return narr__val_i(v); }
template <class T> inline narr__val_t val(T v, typename std::enable_if<std::is_integral<T>::value && !std::is_signed<T>::value>::type * = 0) { return narr__val_u(v); }
template <class T> inline narr__val_t val(T v, typename std::enable_if<std::is_floating_point<T>::value>::type * = 0) { return narr__val_f((double)v); }
template <class T> inline narr__val_t val(T v, typename std::enable_if<std::is_enum<T>::value>::type * = 0) { return narr__val_i((long long)v); }
template <class T> inline narr__val_t val(T *v) { return narr__val_p((const volatile void *)v); }
inline narr__val_t val(char *v) { return narr__val_s(v); }
inline narr__val_t val(const char *v) { return narr__val_s(v); }
} // namespace narr__cxx
#define NARR__TC(x) ((unsigned char)::narr__cxx::tcd<decltype(x)>::value)
#define NARR__PUT(p, x) ::narr__cxx::put((p), (x))
#define NARR__TOVAL(x) ::narr__cxx::val(x)
/* C++ keeps every string in the payload: its static locals must stay constant-initialized. */
#define NARR__TCL(x) NARR__TC(x)
#define NARR__LIT(x) ((const char *)0)
#endif
#define NARR__MAXSZ(x) (NARR__TC(x) == NARR__T_STR ? NARR__SZ_STR : 8u)

#endif /* NARR_DETAIL_FASTPATH_H */
