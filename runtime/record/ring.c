/* runtime/record/ring.c - per-thread rings: lazy attach, the slow reservation path, string copies,
 * and the hand-over of a ring to the consumer when its thread exits. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* A limit of 0 or NARR__LIMIT_BUSY (the only values ever stored in it) sends a thread's first
 * event to narr__reserve_slow, which attaches a ring. */
NARR_API narr__ring_t narr__ring_none;
NARR_API const char *const narr__enter_keys[] = {"@depth"};
/* The same for a thread whose ring went to the consumer at its exit: its events are dropped. */
narr__ring_t narr__ring_dead;
NARR_API NARR__THREAD_LOCAL narr__tls_block_t narr__tls NARR__TLS_MODEL = {&narr__ring_none, 0, 0, NULL};
NARR_API uint32_t narr__max_depth = UINT32_MAX;

void narr__depth_report(void)
{
    uint32_t n = narr__depth_skipped;
    if (n == 0) return; /* (reported already: a longjmp, or the limit changed meanwhile) */
    narr__depth_skipped = 0;
    NARR_WARN("narrate", "depth_limit", "calls", "%u traced calls deeper than depth %u not recorded", n,
              narr__max_depth);
}

pthread_mutex_t narr__rings_lock = PTHREAD_MUTEX_INITIALIZER;
narr__ring_full_t *narr__rings;
size_t narr__ring_bytes = NARR_CFG_RING_DEFAULT;
size_t narr__ring_grow_max = NARR_CFG_RING_GROW_DEFAULT;
uint64_t narr__rings_grown;

static pthread_key_t ring_key;
static pthread_once_t ring_key_once = PTHREAD_ONCE_INIT;

uint32_t narr__gettid(void)
{
    return (uint32_t)syscall(SYS_gettid);
}

uint32_t narr_thread_id(void)
{
    return narr__gettid();
}

/* Thread exit: the ring goes to the consumer, which drains it and frees it. Other keys'
 * destructors may record after this one runs, so the ring is kept through every round of
 * destructors but the last (set again, the key is visited again; the last round is the
 * sanitizers', which end the thread's own bookkeeping there) and handed over then; after that
 * the thread records into narr__ring_dead, which drops and counts and never attaches again (a
 * new ring would be allocated inside whatever signal handler recorded, and never freed). */
static void ring_thread_exit(void *arg)
{
    /* the thread's current ring: the key's value is its first, which may have grown since */
    narr__ring_full_t *rf = (narr__ring_full_t *)(void *)narr__tls_ring;
    if (narr__tls_ring == &narr__ring_none || narr__tls_ring == &narr__ring_dead || narr__tls_ring == &narr__ring_discard)
        return;
    if (++rf->exit_rounds < PTHREAD_DESTRUCTOR_ITERATIONS - 1 && pthread_setspecific(ring_key, arg) == 0) return;
    narr__tls_ring = &narr__ring_dead;
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* before the stack goes: a handler now drops */
    narr__altstack_detach(rf->altstack);
    rf->altstack = NULL;
    /* pairs with the acquire in drain_ring: all this thread published is visible first */
    __atomic_store_n(&rf->orphaned, 1, __ATOMIC_RELEASE);
}

static void make_key(void)
{
    (void)pthread_key_create(&ring_key, ring_thread_exit);
}

/* A ring of cap bytes in memory (not a recover file), not yet linked; its limit reads busy. */
static narr__ring_full_t *ring_new(size_t cap)
{
    narr__ring_full_t *rf = aligned_alloc(64, (sizeof *rf + 63) & ~(size_t)63);
    if (rf == NULL) return NULL;
    memset(rf, 0, sizeof *rf);
    rf->r.buf = malloc(cap + NARR_CFG_RING_SLACK);
    if (rf->r.buf == NULL) {
        free(rf);
        return NULL;
    }
    rf->r.cap = cap;
    rf->r.mask = cap - 1;
    rf->r.limit = NARR__LIMIT_BUSY;
    return rf;
}

/* The thread of rf may record faster than the consumer takes its records now and then (the
 * consumer saw it behind, or the thread just attached while a trace file takes every record). A
 * spare ring NARR_CFG_RING_GROW_FACTOR times larger follows rf in the list (so a pass takes rf's
 * records first); the thread moves to it when rf is full (ring_move). Until then the spare is
 * address space only: its pages are touched by the thread, if it ever moves (touching them here
 * would keep the consumer from the full ring for milliseconds). Either side may call it: under
 * the lock, one spare is made. */
void narr__ring_grow(narr__ring_full_t *rf)
{
    narr__ring_full_t *next;
    size_t cap = rf->r.cap * NARR_CFG_RING_GROW_FACTOR;
    if (narr__recover_on || narr__overload == NARR__OVERLOAD_OVERWRITE || rf->file.mapped_bytes) return;
    if (rf->r.cap >= narr__ring_grow_max || __atomic_load_n(&rf->successor, __ATOMIC_ACQUIRE) != NULL) return;
    if (cap > narr__ring_grow_max) cap = narr__ring_grow_max;
    if ((next = ring_new(cap)) == NULL) return;
    next->tid = rf->tid;
    next->pred = rf;
    pthread_mutex_lock(&narr__rings_lock);
    if (__atomic_load_n(&rf->successor, __ATOMIC_RELAXED) != NULL) { /* the other side made it meanwhile */
        pthread_mutex_unlock(&narr__rings_lock);
        narr__ring_free(next);
        return;
    }
    next->next = rf->next;
    rf->next = next;
    __atomic_store_n(&rf->successor, next, __ATOMIC_RELEASE); /* pairs with ring_move */
    pthread_mutex_unlock(&narr__rings_lock);
}

static narr__ring_t *ring_attach(void)
{
    narr__ring_full_t *rf;
    size_t cap;

    if (narr__ensure_init() != 0) return NULL;
    (void)pthread_once(&ring_key_once, make_key);
    cap = narr__ring_bytes;
    /* allocated and linked under the lock: a fork (which takes it first) never copies a ring
     * that no list holds */
    pthread_mutex_lock(&narr__rings_lock);
    rf = narr__recover_on ? narr__recover_ring_new(cap, narr__gettid()) : ring_new(cap);
    if (rf == NULL || rf->r.buf == NULL) {
        pthread_mutex_unlock(&narr__rings_lock);
        if (rf != NULL) narr__ring_free(rf);
        return NULL;
    }
    rf->r.cap = cap;
    rf->r.mask = cap - 1;
    rf->r.limit = NARR__LIMIT_BUSY; /* its first record is being written (narr__commit sets the real one) */
    rf->tid = narr__gettid();
    if (pthread_setspecific(ring_key, rf) != 0) {
        pthread_mutex_unlock(&narr__rings_lock);
        narr__ring_free(rf);
        return NULL;
    }
    rf->next = narr__rings;
    narr__rings = rf;
    pthread_mutex_unlock(&narr__rings_lock);
    __atomic_fetch_add(&narr__rings_attached, 1, __ATOMIC_RELAXED);
    rf->altstack = narr__altstack_attach(); /* fatal signals, even a stack overflow, find a stack */
    /* while a trace file (or a text file output) takes every record, the thread's first spare
     * waits from the start: a burst that fills its first ring before the consumer has run
     * (asleep, or not scheduled for a millisecond) moves on instead of dropping. Address space
     * only until then. */
    if (narr__sinks_keep_all()) narr__ring_grow(rf);
    narr__tls_ring = &rf->r;
    return &rf->r;
}

void narr__rings_fork(int phase)
{
    narr__ring_full_t *rf, *next;
    if (phase == NARR__FORK_PREPARE) {
        pthread_mutex_lock(&narr__rings_lock);
        return;
    }
    if (phase == NARR__FORK_CHILD) {
        /* only this thread exists: every ring, its own included, holds the parent's events */
        for (rf = narr__rings; rf != NULL; rf = next) {
            next = rf->next;
            narr__buf_free(&rf->samp.buf);
            if (rf->file.mapped_bytes) munmap(rf, rf->file.mapped_bytes); /* the file is the parent's */
            else narr__ring_free(rf); /* this thread's alternate stack stays: it is in use */
        }
        narr__rings = NULL;
        narr__tls_ring = &narr__ring_none;
        (void)pthread_once(&ring_key_once, make_key);
        (void)pthread_setspecific(ring_key, NULL);
    }
    pthread_mutex_unlock(&narr__rings_lock);
}

void narr__ring_free(narr__ring_full_t *rf)
{
    if (rf->file.mapped_bytes) {
        narr__recover_ring_free(rf);
        return;
    }
    free(rf->r.buf);
    free(rf);
}

int narr__overload = NARR__OVERLOAD_DROP;
uint64_t narr__block_ns = NARR_CFG_BLOCK_NS;
/* block mode: times a producer waited for room, the time it took (ns), the longest (atomic) */
uint64_t narr__block_waits, narr__block_wait_ns, narr__block_wait_max;

static void block_waited(uint64_t since)
{
    uint64_t took = narr__mono_ns() - since, max = __atomic_load_n(&narr__block_wait_max, __ATOMIC_RELAXED);
    __atomic_fetch_add(&narr__block_waits, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&narr__block_wait_ns, took, __ATOMIC_RELAXED);
    while (took > max && !__atomic_compare_exchange_n(&narr__block_wait_max, &max, took, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
}
_Thread_local int narr__on_consumer;

int narr__overload_auto = 1;
/* a default (auto) wait ran its full time once: the consumer is stuck (a sink waiting on
 * something this program holds?), so from then on full rings drop instead (atomic; said at exit) */
int narr__auto_gave_up;

/* The ring is full: wait for the consumer (block mode; by default, while an output keeps every
 * event: a trace file, a text file) or take the oldest records' place (overwrite mode). 1 when
 * there is room now (*t updated), 2 when a larger ring is ready for the thread (move to it), 0 to
 * drop. */
static int make_room(narr__ring_t *r, uint32_t need, uint64_t *t)
{
    /* Until the consumer thread runs (it may take milliseconds to be scheduled, and a thread
     * recording at full speed fills a ring in less than one), a full ring waits for it, at most
     * NARR_CFG_START_WAIT_NS in all: this is start-up, not overload. */
    static int start_waited; /* atomic: the wait timed out once; never again */
    /* default (auto): an output that keeps every event is written, so a full ring waits for
     * the consumer, or for the larger ring it makes, as block mode would, for a bounded time */
    int wait_auto = narr__overload == NARR__OVERLOAD_DROP && narr__overload_auto && narr__sinks_keep_all() &&
                    !__atomic_load_n(&narr__auto_gave_up, __ATOMIC_RELAXED);
    int blocking = narr__overload == NARR__OVERLOAD_BLOCK || wait_auto;
    int starting = !blocking && narr__overload == NARR__OVERLOAD_DROP && !__atomic_load_n(&narr__consumer_ready, __ATOMIC_ACQUIRE) &&
                   !__atomic_load_n(&start_waited, __ATOMIC_RELAXED); /* (overwrite mode never waits) */
    narr__ring_full_t *rf = (narr__ring_full_t *)(void *)r;
    if (blocking || starting) {
        unsigned spins;
        uint64_t since, until, wait = starting ? NARR_CFG_START_WAIT_NS : wait_auto ? NARR_CFG_AUTO_WAIT_NS : narr__block_ns;
        /* the consumer cannot wait for itself; a stopped runtime has no consumer to wait for */
        if (narr__on_consumer || !narr__consumer_running()) return 0;
        if (wait == 0) return 0;
        since = narr__mono_ns();
        until = wait == UINT64_MAX ? UINT64_MAX : since + wait;
        narr__consumer_wake(); /* it may be asleep */
        for (spins = 0;; spins++) {
            /* the consumer frees space continuously: look often at first, then sleep */
            if (spins < 200) {
#ifdef NARR__HAVE_TSC
                __builtin_ia32_pause();
#endif
            } else {
                struct timespec nap = {0, 20000};
                nanosleep(&nap, NULL);
            }
            *t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
            if (r->head + need <= *t + r->cap) {
                if (!starting) block_waited(since);
                return 1;
            }
            if (wait_auto && __atomic_load_n(&rf->successor, __ATOMIC_ACQUIRE) != NULL) {
                block_waited(since);
                return 2;
            }
            /* (the consumer stopped meanwhile: nobody will make room) */
            if ((spins & 15) == 15 && (narr__mono_ns() >= until || !narr__consumer_running())) {
                if (starting) __atomic_store_n(&start_waited, 1, __ATOMIC_RELAXED);
                else block_waited(since);
                if (wait_auto && narr__consumer_running()) __atomic_store_n(&narr__auto_gave_up, 1, __ATOMIC_RELAXED);
                return 0;
            }
            if (starting && __atomic_load_n(&narr__consumer_ready, __ATOMIC_ACQUIRE))
                return 0; /* running now: from here on a full ring is overload */
        }
    }
    if (narr__overload == NARR__OVERLOAD_OVERWRITE) {
        while (r->head + need > *t + r->cap) {
            uint32_t size;
            uint64_t next;
            memcpy(&size, r->buf + (*t & r->mask) + 4, 4); /* a record this thread committed */
            if (size < NARR__REC_HDR || size > NARR_CFG_RING_SLACK) return 0;
            next = *t + ((size + 7u) & ~7u);
            /* the consumer claims records the same way: each is either delivered or overwritten */
            if (__atomic_compare_exchange_n(&r->tail, t, next, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                __atomic_store_n(&r->overwritten, r->overwritten + 1, __ATOMIC_RELAXED);
                __atomic_store_n(&r->dropped, r->dropped + 1, __ATOMIC_RELAXED);
                *t = next;
            }
        }
        return 1;
    }
    return 0;
}

/* Never written: where the consumer's own events go while it delivers an event its own thread
 * recorded (a sink that traces each event would otherwise feed itself forever). */
narr__ring_t narr__ring_discard;
uint64_t narr__echo_dropped; /* consumer only; read with narr_stats_get */
_Thread_local int narr__in_slow; /* this thread is inside a locking slow path (signal re-entry) */

static unsigned char *reserve_slow(narr__ring_t *r, uint64_t lim, uint32_t need);

/* errno is the program's: a signal handler that records must not change it */
unsigned char *narr__reserve_slow(narr__ring_t *r, uint64_t lim, uint32_t need)
{
    int saved = errno;
    unsigned char *rec = reserve_slow(r, lim, need);
    errno = saved;
    return rec;
}

/* Events that had no ring to go to: recorded by a thread after its ring was handed to the
 * consumer, or by a signal handler while its thread was attaching one or registering a site
 * (site.c). In narr_stats_get's dropped. */
uint64_t narr__dropped_ringless;
static void drop_ringless(void)
{
    __atomic_fetch_add(&narr__dropped_ringless, 1, __ATOMIC_RELAXED);
}

/* The consumer gave this thread's ring a larger successor and the ring is full: the thread
 * moves to it here, between two records, and leaves the old ring to the consumer (orphaned, as
 * at thread exit). No lock, no allocation: a signal handler may be the one recording. */
static narr__ring_t *ring_move(narr__ring_t *r)
{
    narr__ring_full_t *rf = (narr__ring_full_t *)(void *)r, *next;
    if (r == &narr__ring_discard || r == &narr__ring_none) return r;
    next = __atomic_load_n(&rf->successor, __ATOMIC_ACQUIRE);
    if (next == NULL || narr__in_slow) return r;
    next->altstack = rf->altstack;
    next->exit_rounds = rf->exit_rounds;
    /* drops of the old ring no loss record told of yet (it was full until now): the successor's
     * first record is preceded by a loss record for them, so the trace places them here and not
     * at the thread's end (readers would take the calls whose exits they were for as unwound by
     * a longjmp). Counted by the old ring (its total is what the consumer reports), so the new
     * loss record's total stays the new ring's own: marked starts that far below it. */
    next->marked = (uint64_t)0 - (__atomic_load_n(&r->dropped, __ATOMIC_RELAXED) - rf->marked);
    narr__tls_ring = &next->r; /* its limit reads busy: a handler from here on drops */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    rf->altstack = NULL;
    rf->switched = 1;
    __atomic_fetch_add(&narr__rings_grown, 1, __ATOMIC_RELAXED);
    /* pairs with the acquire in drain_all: every record of the old ring is visible first */
    __atomic_store_n(&rf->orphaned, 1, __ATOMIC_RELEASE);
    return &next->r;
}

/* Events were dropped since this ring's last loss record: one goes before the record being
 * reserved, so no record follows a loss unannounced. Returns the reserved record's position, or
 * UINT64_MAX when the two do not fit (this event is dropped too, and said by the next record). */
static uint64_t mark_loss(narr__ring_t *r, uint64_t h, uint64_t t, uint32_t need)
{
    narr__ring_full_t *rf = (narr__ring_full_t *)(void *)r;
    uint64_t d = __atomic_load_n(&r->dropped, __ATOMIC_RELAXED), n, now;
    uint32_t hdr[2] = {NARR__ID_LOSS, NARR__LOSS_REC};
    unsigned char *m;
    if (d == rf->marked) return h;
    if (h + NARR__LOSS_REC + need > t + r->cap) return UINT64_MAX;
    n = d - rf->marked;
    now = narr__clock_raw();
    m = r->buf + (h & r->mask);
    memcpy(m, hdr, 8);
    memcpy(m + 8, &now, 8);
    memcpy(m + 16, &n, 8);
    memcpy(m + 24, &d, 8);
    rf->marked = d;
    h += NARR__LOSS_REC;
    __atomic_store_n(&r->head, h, __ATOMIC_RELEASE); /* complete: the record after it commits later */
    return h;
}

static unsigned char *reserve_slow(narr__ring_t *r, uint64_t lim, uint32_t need)
{
    unsigned char *rec;
    uint64_t t, h;
    int drop;
    if (r == &narr__ring_discard) {
        __atomic_store_n(&narr__echo_dropped, narr__echo_dropped + 1, __ATOMIC_RELAXED);
        return NULL;
    }
    if (r == &narr__ring_dead) { /* the thread has ended its life: never attach again */
        drop_ringless();
        return NULL;
    }
    if (r == &narr__ring_none) {
        /* a signal handler that records while this thread attaches its ring would wait on the
         * lock its own thread holds: its event is dropped instead */
        if (narr__in_slow) {
            drop_ringless();
            return NULL;
        }
        narr__in_slow = 1;
        r = ring_attach(); /* sets narr__tls_ring; the new ring is busy already */
        narr__in_slow = 0;
        if (r == NULL) return NULL; /* not started, shut down, or out of memory */
        lim = 0;
    } else if (lim == NARR__LIMIT_BUSY) {
        /* a signal handler interrupted this thread while it wrote a record: the record keeps
         * its place, the handler's event is dropped (atomic: the thread may be counting too) */
        __atomic_fetch_add(&r->dropped, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    /* pairs with the release store of tail in consume_record */
    t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    h = r->head;
    if (h + need > t + r->cap && need <= NARR_CFG_RING_SLACK) {
        /* full: a larger ring waiting for this thread takes the record instead (only now, so a
         * thread the consumer keeps up with never touches the pages of its spare) */
        narr__ring_t *moved = ring_move(r);
        if (moved != r) {
            r = moved;
            lim = 0; /* (given back if this event is dropped: the next comes here again) */
            t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
            h = r->head;
        }
    }
    drop = need > NARR_CFG_RING_SLACK;
    if (!drop && h + need > t + r->cap) {
        int room = make_room(r, need, &t);
        if (room == 2) { /* the larger ring the thread waited for: empty */
            r = ring_move(r);
            lim = 0;
            t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
            h = r->head;
        }
        drop = h + need > t + r->cap; /* (room 0; or 2, not moved after all) */
    }
    if (drop) {
        __atomic_fetch_add(&r->dropped, 1, __ATOMIC_RELAXED);
        __atomic_store_n(&r->limit, lim, __ATOMIC_RELAXED); /* no longer busy */
        return NULL;
    }
    if (narr__overload != NARR__OVERLOAD_OVERWRITE && (h = mark_loss(r, h, t, need)) == UINT64_MAX) {
        __atomic_fetch_add(&r->dropped, 1, __ATOMIC_RELAXED);
        __atomic_store_n(&r->limit, lim, __ATOMIC_RELAXED); /* no longer busy */
        return NULL;
    }
    if (!narr__clock_is_tsc) {
        r->lim_next = 0; /* every event keeps coming here */
    } else if (h + need <= t + (r->cap >> 1)) {
        r->lim_next = t + (r->cap >> 1); /* back here at half full, */
    } else {
        r->lim_next = t + r->cap; /* where a sleeping consumer is woken: the other half is its time */
        narr__consumer_doorbell();
    }
    rec = r->buf + (h & r->mask);
    t = narr__clock_raw();
    memcpy(rec + 8, &t, 8);
    return rec;
}

uint64_t narr__ring_events(const narr__ring_t *r, uint64_t pos, uint64_t end)
{
    uint64_t events = 0;
    while (pos < end) {
        uint32_t id, size;
        const narr_site_t *site;
        memcpy(&id, r->buf + (pos & r->mask), 4);
        memcpy(&size, r->buf + (pos & r->mask) + 4, 4);
        if (size < NARR__REC_HDR || size > NARR_CFG_RING_SLACK) break; /* damaged memory */
        site = narr__site_get(id);
        events += site != NULL && site->kind < NARR_KIND_CONTEXT;
        pos += (size + 7u) & ~7u;
    }
    return events;
}

/* A string's header (its length, NARR__STR_TRUNC when cut at max, or NARR__STR_NULL) and up
 * to max of its bytes; never reads past `avail` bytes (SIZE_MAX: up to its NUL), nor past its NUL. */
static inline unsigned char *str_copy(unsigned char *p, const char *s, size_t avail, uint32_t max)
{
    uint32_t n = 0, h, lim = avail < max ? (uint32_t)avail : max;
    if (s == NULL) {
        h = NARR__STR_NULL;
        memset(p, 0, 8);
        memcpy(p, &h, 4);
        return p + 8;
    }
    while (n < lim && s[n] != '\0') {
        p[8 + n] = (unsigned char)s[n];
        n++;
    }
    h = n | (n == max && avail > max && s[n] != '\0' ? NARR__STR_TRUNC : 0u);
    memset(p, 0, 8);
    memcpy(p, &h, 4);
    return p + 8 + ((n + 7u) & ~7u);
}

NARR__THREAD_LOCAL void **narr__str_probe NARR__TLS_MODEL;

/* A value captured as a string may not be one the program can read now: a const char * the
 * function only compares (freed and unmapped by then), a buffer at the end of a mapping without
 * its NUL. With the fatal-signal handler installed (crash.c), a fault in the copy comes back
 * here and the value is recorded as UNREADABLE instead of the program dying of its tracing. */
#define UNREADABLE "<unreadable>"
/* (its own function: the one that calls __builtin_setjmp keeps every register on its stack) */
__attribute__((noinline)) static unsigned char *copy_out_of_line(unsigned char *p, const char *s, size_t avail, uint32_t max)
{
    return str_copy(p, s, avail, max);
}

static unsigned char *guarded_copy(unsigned char *p, const char *s, size_t avail, uint32_t max)
{
    void *jb[5]; /* __builtin_setjmp's: a frame, a stack pointer and a label (a few stores, not
                    glibc's sigsetjmp: this is on the path of every string value) */
    unsigned char *end;
    if (s == NULL || !__atomic_load_n(&narr__fatal_handler_on, __ATOMIC_RELAXED)) return str_copy(p, s, avail, max);
    if (__builtin_setjmp(jb) != 0) { /* (narr__str_probe was cleared by the handler) */
        /* within the room reserved for this value: at most max bytes (avail bounds what is read
           from the program, not what is written here) */
        uint32_t h = (uint32_t)(sizeof UNREADABLE - 1);
        if (h > max) h = max;
        memset(p, 0, 8);
        memcpy(p, &h, 4);
        memcpy(p + 8, UNREADABLE, h);
        return p + 8 + ((h + 7u) & ~7u);
    }
    narr__str_probe = jb;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    end = copy_out_of_line(p, s, avail, max);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    narr__str_probe = NULL;
    return end;
}

/* For a string known to have `avail` readable bytes (a char[N] parameter, a (buf, len) pair). */
unsigned char *narr__put_strn_copy(unsigned char *p, const char *s, size_t avail, uint32_t max)
{
    return guarded_copy(p, s, avail, max);
}

unsigned char *narr__put_str_copy(unsigned char *p, const char *s, uint32_t max)
{
    return guarded_copy(p, s, SIZE_MAX, max);
}
