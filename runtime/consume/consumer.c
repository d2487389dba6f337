/* runtime/consume/consumer.c - the one consumer thread: drains every ring, reports drops, frees the
 * rings of exited threads, and answers narr_flush(). Each pass does only what its sinks need:
 * raw sinks (the trace file) take each thread's records as they are; only when some other sink
 * (or sampling) needs events are records merged by timestamp across threads, decoded (those at
 * or above the lowest level such a sink wants) and dispatched. */
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define NARR__HAVE_MEMCHECK 1
#endif
#endif
#ifndef NARR__HAVE_MEMCHECK
#define NARR__HAVE_MEMCHECK 0
#endif

uint64_t narr__events_delivered;
int narr__consumer_ready; /* atomic: the consumer thread runs its loop */
uint64_t narr__rings_attached;
static uint64_t dropped_freed, overwritten_freed; /* of rings already freed; consumer writes, atomics */

static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static uint64_t flush_req, flush_done; /* guarded by cmu */
static int fork_pending, parked;        /* guarded by cmu: a fork wants the consumer still */
static int stop_req, running;          /* guarded by cmu */
static pthread_t thread;
static int forked;      /* this process is a forked child */
static uint32_t my_tid;  /* the consumer's */
static void *own_stack; /* the consumer's stack in a forked child (never freed: one per process) */

typedef struct cursor {
    narr__ring_full_t *rf;
    uint64_t pos, end;
    uint64_t ts;
    int orphaned;
} cursor_t;

/* The consumer sleeps on a futex word, so a producer can wake it from anywhere (a signal
 * handler too): a ring past half full rings the doorbell when the consumer is idle. */
static uint32_t doorbell; /* futex word: every ring of the bell changes it */
static int idle;          /* the consumer is (about to be) asleep on the doorbell */

static void ring_bell(void)
{
    __atomic_fetch_add(&doorbell, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &doorbell, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void narr__consumer_doorbell(void)
{
    /* the records committed before are seen by the consumer's check, or idle is seen here: a
     * read-modify-write orders them (a full barrier; TSan takes no bare fences); pairs with the
     * exchange in consumer_sleep */
    if (__atomic_fetch_or(&idle, 0, __ATOMIC_SEQ_CST)) ring_bell();
}

/* 1 when some ring holds committed records. */
static int rings_pending(void)
{
    narr__ring_full_t *rf;
    int any = 0;
    pthread_mutex_lock(&narr__rings_lock);
    for (rf = narr__rings; rf != NULL && !any; rf = rf->next)
        any = __atomic_load_n(&rf->r.head, __ATOMIC_ACQUIRE) != __atomic_load_n(&rf->r.tail, __ATOMIC_ACQUIRE);
    pthread_mutex_unlock(&narr__rings_lock);
    return any;
}

/* Up to NARR_CFG_IDLE_SLEEP_NS, unless the bell rang after `seen` was read (under cmu, so a
 * flush request made after that decision is never slept through). */
static void consumer_sleep(uint32_t seen)
{
    struct timespec nap = {0, NARR_CFG_IDLE_SLEEP_NS};
    (void)__atomic_exchange_n(&idle, 1, __ATOMIC_SEQ_CST); /* pairs with narr__consumer_doorbell */
    if (!rings_pending()) syscall(SYS_futex, &doorbell, FUTEX_WAIT_PRIVATE, seen, &nap, NULL, 0);
    __atomic_store_n(&idle, 0, __ATOMIC_RELAXED);
}

static cursor_t *cursors;
static size_t ncursors_cap;
static narr__decoded_t dec;
static int pass_raw;               /* this pass: raw sinks took the records (and counted them) */
static int pass_complete;          /* this pass: a text sink that must get every record (a file) */
static uint64_t stop_deadline;     /* stopping: text sinks get everything until then (0: running) */
static narr_level_t pass_decode_min; /* this pass: records below this level are not decoded */

void narr__drop_event(narr_event_t *ev, char msg[NARR__DROP_MSG], uint32_t tid, uint64_t count, uint64_t mono,
                      uint64_t real)
{
    memset(ev, 0, sizeof *ev);
    ev->mono_ns = mono;
    ev->ts_ns = real;
    ev->tid = tid;
    ev->level = NARR_LEVEL_WARN;
    ev->kind = NARR_KIND_DROP;
    ev->actor = "narrate";
    ev->action = "dropped";
    ev->dropped = count;
    ev->message_len = (size_t)snprintf(msg, NARR__DROP_MSG, "%llu events dropped: buffer full on thread %u",
                                       (unsigned long long)count, tid);
    ev->message = msg;
}

/* An event narrate itself tells the sinks of, stamped now: actor "narrate", the action, the
 * message msg[0..len) (snprintf's count, cut to what msg holds). */
void narr__own_event(narr_event_t *ev, uint32_t tid, narr_level_t level, const char *action, const char *msg, int len)
{
    uint64_t mono = narr__mono_ns();
    memset(ev, 0, sizeof *ev);
    ev->mono_ns = mono;
    ev->ts_ns = narr__clock_mono_to_real(mono);
    ev->tid = tid;
    ev->level = level;
    ev->kind = NARR_KIND_LOG;
    ev->actor = "narrate";
    ev->action = action;
    ev->message = msg;
    ev->message_len = len < 0 ? 0 : strlen(msg) < (size_t)len ? strlen(msg) : (size_t)len;
}

/* The threads that lost most events, for the summary at exit (consumer only). */
#define DROP_THREADS 4
static struct { uint32_t tid; uint64_t n; } drop_threads[DROP_THREADS];
static size_t drop_nthreads, drop_more; /* threads with drops beyond the table */

static void note_thread_drops(uint32_t tid, uint64_t n)
{
    size_t i, least = 0;
    for (i = 0; i < drop_nthreads; i++) {
        if (drop_threads[i].tid == tid) {
            drop_threads[i].n += n;
            return;
        }
        if (drop_threads[i].n < drop_threads[least].n) least = i;
    }
    if (drop_nthreads < DROP_THREADS) {
        drop_threads[drop_nthreads].tid = tid;
        drop_threads[drop_nthreads++].n = n;
        return;
    }
    drop_more++;
    if (n > drop_threads[least].n) drop_threads[least].tid = tid, drop_threads[least].n = n;
}

void narr__drop_summary(void)
{
    narr_stats_t st;
    char threads[256];
    size_t i, len = 0;
    uint64_t ringless = __atomic_load_n(&narr__dropped_ringless, __ATOMIC_RELAXED), full;
    narr_stats_get(&st);
    if (st.block_waits > 0) /* what keeping every event cost the program */
        fprintf(stderr, "narrate: %s threads waited %llu times for room in their rings, %.3f s in all "
                        "(longest %.3f ms)%s\n",
                narr__overload == NARR__OVERLOAD_BLOCK ? "NARRATE_OVERLOAD=block:"
                                                       : "to keep every event for the outputs that keep them all,",
                (unsigned long long)st.block_waits, (double)st.block_wait_ns / 1e9, (double)st.block_wait_max_ns / 1e6,
                st.dropped == 0 ? "; no event was dropped"
                : narr__overload == NARR__OVERLOAD_BLOCK ? "" : " (NARRATE_OVERLOAD=drop never waits)");
    if (st.dropped == 0 && st.echo_dropped == 0) return;
    full = st.dropped - ringless;
    threads[0] = '\0';
    for (i = 0; i < drop_nthreads && len < sizeof threads - 64; i++)
        len += (size_t)snprintf(threads + len, sizeof threads - len, "%s%u: %llu", i ? ", " : "", drop_threads[i].tid,
                                (unsigned long long)drop_threads[i].n);
    if (drop_more > 0) snprintf(threads + len, sizeof threads - len, " and %zu more", drop_more);
    fprintf(stderr, "narrate: %llu of %llu events dropped (%.1f%%)",
            (unsigned long long)st.dropped, (unsigned long long)(st.dropped + st.events),
            100.0 * (double)st.dropped / (double)(st.dropped + st.events ? st.dropped + st.events : 1));
    if (full > 0) {
        if (narr__overload == NARR__OVERLOAD_BLOCK && narr__block_ns != UINT64_MAX)
            fprintf(stderr, ": rings full for longer than the block wait, %llu ms (thread%s %s); NARRATE_OVERLOAD=block "
                    "(no limit) or a larger NARRATE_RING_SIZE (now %zuK) would have kept them",
                    (unsigned long long)(narr__block_ns / 1000000u), drop_nthreads > 1 ? "s" : "", threads,
                    narr__ring_bytes >> 10);
        else if (narr__overload == NARR__OVERLOAD_BLOCK)
            fprintf(stderr, ": rings full while narrate could not wait (thread%s %s: recorded by its consumer thread, or "
                    "before it started or after it stopped)", drop_nthreads > 1 ? "s" : "", threads);
        else if (narr__overload_auto && narr__sinks_keep_all())
            fprintf(stderr, ": rings full for longer than narrate waits (%.0f s), or while it could not wait (thread%s %s)%s; "
                    "NARRATE_OVERLOAD=block waits as long as it takes", (double)NARR_CFG_AUTO_WAIT_NS / 1e9,
                    drop_nthreads > 1 ? "s" : "", threads,
                    __atomic_load_n(&narr__auto_gave_up, __ATOMIC_RELAXED)
                        ? "; a wait ran out, so narrate stopped waiting for the rest of the run" : "");
        else if (narr__ring_grow_max > narr__ring_bytes)
            fprintf(stderr, ": rings full (thread%s %s) before they grew (from %zuK up to NARRATE_RING_GROW=%zuM); a larger "
                    "NARRATE_RING_SIZE or NARRATE_OVERLOAD=block would have kept them", drop_nthreads > 1 ? "s" : "", threads,
                    narr__ring_bytes >> 10, narr__ring_grow_max >> 20);
        else
            fprintf(stderr, ": rings full (thread%s %s); NARRATE_RING_SIZE=%zuM (now %zuK) or NARRATE_OVERLOAD=block "
                    "would have kept them", drop_nthreads > 1 ? "s" : "", threads,
                    (narr__ring_bytes >> 20) ? (narr__ring_bytes >> 20) * 8 : 8, narr__ring_bytes >> 10);
    }
    if (ringless > 0) fprintf(stderr, "; %llu recorded by signal handlers inside another event or by exiting threads",
                              (unsigned long long)ringless);
    if (st.echo_dropped > 0) fprintf(stderr, "; %llu recorded by sinks about their own events (echo_dropped)",
                                     (unsigned long long)st.echo_dropped);
    fprintf(stderr, "\n");
}

/* The ring's drops up to its total `total`, those not told yet, as one event at mono. */
static void report_up_to(narr__ring_full_t *rf, uint64_t total, uint64_t mono)
{
    narr_event_t ev;
    char msg[NARR__DROP_MSG];
    if (total <= rf->dropped_reported) return;
    note_thread_drops(rf->tid, total - rf->dropped_reported);
    narr__drop_event(&ev, msg, rf->tid, total - rf->dropped_reported, mono, narr__clock_mono_to_real(mono));
    rf->dropped_reported = total;
    narr__sinks_dispatch(&ev);
}

/* A loss record (ring.c, mark_loss): events of the thread were dropped right before the next
 * record. Every sink hears of them there, in the thread's order (the trace sink places its own
 * from the raw records, and only counts these), but for those a flush told of already. */
static void report_loss_record(narr__ring_full_t *rf, const unsigned char *rec)
{
    uint64_t raw, total, mono;
    memcpy(&raw, rec + 8, 8);
    memcpy(&total, rec + 24, 8);
    mono = narr__clock_to_mono(raw);
    report_up_to(rf, total, mono < rf->last_mono ? rf->last_mono : mono);
}

/* The ring's drops no loss record has told of: a thread that ended (or moved to a larger ring)
 * with a full ring, rings whose records text sinks skipped, overwrite mode, a flush, stopping. */
static void report_drops(narr__ring_full_t *rf)
{
    uint64_t d = __atomic_load_n(&rf->r.dropped, __ATOMIC_RELAXED);
    if (d > rf->dropped_reported) report_up_to(rf, d, narr__mono_ns()); /* (the clock only when there is news) */
}

/* Timestamp of the record at c->pos, or UINT64_MAX when the cursor is exhausted. */
static void peek(cursor_t *c)
{
    uint64_t ts;
    if (c->pos >= c->end) {
        c->ts = UINT64_MAX;
        return;
    }
    memcpy(&ts, c->rf->r.buf + (c->pos & c->rf->r.mask) + 8, 8);
    c->ts = ts;
}

/* Overwrite mode: the producer may take the oldest records' place at any time. The record is
 * copied, then checked to be still the oldest (the tail has not passed it, so the copy is
 * whole), then claimed by moving the tail past it: each record is delivered or overwritten,
 * never both. NULL when the producer got there first (c->pos then jumps to its tail). */
static const unsigned char *claim_copy(cursor_t *c, uint32_t *size_out)
{
    static unsigned char copy[NARR_CFG_RING_SLACK + NARR__REC_HDR];
    narr__ring_t *r = &c->rf->r;
    uint64_t t = c->pos, next;
    uint32_t size;
    memcpy(&size, r->buf + (c->pos & r->mask) + 4, 4);
    if (size < NARR__REC_HDR || size > NARR_CFG_RING_SLACK) size = NARR__REC_HDR; /* torn: the check below fails */
    memcpy(copy, r->buf + (c->pos & r->mask), size);
    next = c->pos + ((size + 7u) & ~7u);
    /* the CAS releases: the copy is ordered before it, and the producer reuses these bytes
     * only after moving the tail past them itself, which would have made the CAS fail */
    if (__atomic_compare_exchange_n(&r->tail, &t, next, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        *size_out = size;
        return copy;
    }
    c->pos = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    return NULL;
}

static void consume_record(cursor_t *c)
{
    narr__ring_t *r = &c->rf->r;
    const unsigned char *rec = r->buf + (c->pos & r->mask);
    uint32_t id, size;
    uint64_t raw;
    narr_site_t *site;
    int overwrite = narr__overload == NARR__OVERLOAD_OVERWRITE, echo;
    narr__ring_t *mine = narr__tls_ring;
    if (overwrite && (rec = claim_copy(c, &size)) == NULL) return;
    /* an event this thread recorded (a sink traced): what sinks record while it is delivered
     * is dropped and counted, so a tracing sink cannot feed itself without end */
    echo = c->rf->tid == my_tid;
    memcpy(&id, rec, 4);
    memcpy(&size, rec + 4, 4);
    memcpy(&raw, rec + 8, 8);
    if (id == NARR__ID_LOSS && size == NARR__LOSS_REC && !overwrite) {
        report_loss_record(c->rf, rec);
        c->pos += NARR__LOSS_REC;
    } else if (size < NARR__REC_HDR || (!overwrite && c->pos + size > c->end) || size > NARR_CFG_RING_SLACK) {
        /* cannot happen unless memory was overwritten; skip the rest of this ring's batch */
        c->pos = c->end;
    } else {
        site = narr__site_get(id);
        if (pass_raw && site != NULL && site->kind < NARR_KIND_CONTEXT && c->rf->text_backlog > 0) c->rf->text_backlog--;
        if (site != NULL && site->kind < NARR_KIND_CONTEXT && site->kind != NARR_KIND_NARRATE &&
            site->level < pass_decode_min) {
            if (!pass_raw) __atomic_fetch_add(&narr__events_delivered, 1, __ATOMIC_RELAXED); /* no sink wants it */
        } else if (site != NULL && narr__decode(site, rec + NARR__REC_HDR, size - NARR__REC_HDR, &dec) == 0) {
            uint64_t t0 = dec.t0_raw != 0 ? narr__clock_to_mono(dec.t0_raw) : 0;
            dec.ev.mono_ns = narr__clock_to_mono(raw);
            /* a thread's events never go back in time, whatever calibration did meanwhile */
            if (dec.ev.mono_ns < c->rf->last_mono) dec.ev.mono_ns = c->rf->last_mono;
            c->rf->last_mono = dec.ev.mono_ns;
            if (t0 != 0) narr__decoded_elapsed(&dec, t0);
            dec.ev.ts_ns = narr__clock_mono_to_real(dec.ev.mono_ns);
            dec.ev.tid = c->rf->tid;
            dec.ev.raw = rec + NARR__REC_HDR;
            dec.ev.raw_len = size - NARR__REC_HDR;
            if (echo) narr__tls_ring = &narr__ring_discard;
            narr__sample_record(c->rf, &dec, site, dec.ev.raw, dec.ev.raw_len, t0);
            if (echo) narr__tls_ring = mine;
        }
        c->pos += (size + 7u) & ~7u;
    }
    /* pairs with the acquire in narr__reserve_slow: the producer may reuse these bytes (in
     * recover mode only once the sinks have written them: drain_all) */
    if (!overwrite && !narr__recover_on) __atomic_store_n(&r->tail, c->pos, __ATOMIC_RELEASE);
}

static void unlink_ring(narr__ring_full_t *rf)
{
    narr__ring_full_t **pp, *next = __atomic_load_n(&rf->successor, __ATOMIC_ACQUIRE);
    pthread_mutex_lock(&narr__rings_lock);
    for (pp = &narr__rings; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == rf) {
            *pp = rf->next;
            break;
        }
    }
    pthread_mutex_unlock(&narr__rings_lock);
    if (next != NULL && rf->switched) {
        /* the thread lives on in the successor: what the consumer knows of it goes along */
        memcpy(next->ctx, rf->ctx, sizeof rf->ctx);
        next->nctx = rf->nctx;
        next->samp = rf->samp;
        memset(&rf->samp, 0, sizeof rf->samp);
        next->last_mono = rf->last_mono;
        next->pred = NULL;
    } else if (next != NULL) {
        next->pred = NULL; /* the thread exited before it moved: nobody will write the successor */
        next->orphaned = 1;
    }
    __atomic_fetch_add(&dropped_freed, rf->r.dropped, __ATOMIC_RELAXED);
    __atomic_fetch_add(&overwritten_freed, rf->r.overwritten, __ATOMIC_RELAXED);
    narr__sample_release(rf);
    narr__ring_free(rf);
}

/* The rings that exist now, one cursor each (cursors[i].rf); only the consumer frees rings, so
 * they stay valid after the lock is released. */
static size_t snapshot_rings(void)
{
    size_t n = 0;
    narr__ring_full_t *rf;
    pthread_mutex_lock(&narr__rings_lock);
    for (rf = narr__rings; rf != NULL; rf = rf->next) n++;
    if (n > ncursors_cap) {
        cursor_t *fresh = realloc(cursors, n * 2 * sizeof *cursors);
        if (fresh == NULL) {
            pthread_mutex_unlock(&narr__rings_lock);
            return 0;
        }
        cursors = fresh;
        ncursors_cap = n * 2;
    }
    for (n = 0, rf = narr__rings; rf != NULL; rf = rf->next) cursors[n++].rf = rf;
    pthread_mutex_unlock(&narr__rings_lock);
    return n;
}

static uint64_t text_skipped; /* atomic: events text sinks skipped to keep up (narr_stats_t) */

/* Text sinks skip this ring's records up to c->end, but not its context records: the events
 * they show next must still carry the thread's context (and sampling its trees). */
static void skip_keeping_contexts(cursor_t *c)
{
    while (c->pos < c->end) {
        const unsigned char *rec = c->rf->r.buf + (c->pos & c->rf->r.mask);
        uint32_t id, size;
        const narr_site_t *site;
        memcpy(&id, rec, 4);
        memcpy(&size, rec + 4, 4);
        if (size < NARR__REC_HDR || size > NARR_CFG_RING_SLACK) break; /* damaged: cannot happen */
        site = narr__site_get(id);
        if ((site != NULL && site->kind >= NARR_KIND_CONTEXT) || id == NARR__ID_LOSS) consume_record(c);
        else c->pos += (size + 7u) & ~7u;
    }
}

/* Text sinks behind while a raw sink takes every record: a ring more than a quarter full with
 * records only text sinks still need would soon drop for the trace file too, so text sinks
 * skip them (counted, and told in one event); the file has them all. Not when a text sink is a
 * file the user named (or NARRATE_SKIP=off): rings grow for it instead, and at exit it gets
 * everything, for NARR_CFG_EXIT_WAIT_NS at most. */
static int text_falls_behind(cursor_t *c)
{
    narr_event_t ev;
    char msg[200];
    uint64_t n;
    int late;
    if (c->end - c->pos <= c->rf->r.cap / 4) return 0;
    late = stop_deadline != 0 && narr__mono_ns() > stop_deadline; /* (the clock only when behind and stopping) */
    if ((pass_complete || stop_deadline != 0) && !late) return 0;
    n = c->rf->text_backlog;
    c->rf->text_backlog = 0;
    __atomic_fetch_add(&text_skipped, n, __ATOMIC_RELAXED);
    narr__own_event(&ev, c->rf->tid, NARR_LEVEL_WARN, "text_skipped", msg,
              snprintf(msg, sizeof msg,
                       late ? "%llu events of thread %u not shown here: the program was ending and narrate's exit wait "
                              "(%u s) ran out; the trace file has them"
                            : "%llu events of thread %u not shown here: this output fell behind; the trace file has them",
                       (unsigned long long)n, c->rf->tid, (unsigned)(NARR_CFG_EXIT_WAIT_NS / 1000000000u)));
    narr__sinks_dispatch(&ev); /* (raw sinks do not get it: they have every record) */
    return 1;
}

/* A ring that was `behind` bytes behind its thread, an eighth of the ring or more, or that
 * dropped: the thread can outrun the consumer (it was not scheduled, or every site was new), so
 * a larger spare waits for it before it drops. Only while a raw sink (the trace file) takes
 * every record: text sinks alone are slower than any program that fills a ring, and a larger
 * ring would only hold seconds of console output back (and keep the consumer in one pass that
 * long: forks wait for it). */
static void grow_if_behind(cursor_t *c, uint64_t behind)
{
    if ((pass_raw || pass_complete) && !c->orphaned && narr__ring_grow_max > c->rf->r.cap &&
        (behind >= c->rf->r.cap / 8 || __atomic_load_n(&c->rf->r.dropped, __ATOMIC_RELAXED) != c->rf->dropped_reported))
        narr__ring_grow(c->rf);
}

/* Under valgrind's memcheck: the values in [pos, end) are the bits the program passed (an
 * argument it never initialised, because the function it called does not use it, included);
 * the sinks encode them (branch on them), which memcheck would blame on the program. Built
 * where valgrind's headers are; a few instructions per ring and pass otherwise. */
static void program_bits(const narr__ring_t *r, uint64_t pos, uint64_t end)
{
#if NARR__HAVE_MEMCHECK
    uint64_t from = pos & r->mask, len = end - pos;
    if (len == 0) return;
    if (from + len <= r->cap) {
        VALGRIND_MAKE_MEM_DEFINED(r->buf + from, len);
    } else { /* a record that starts before the end ends in the slack; the next is at the start */
        VALGRIND_MAKE_MEM_DEFINED(r->buf + from, r->cap + NARR_CFG_RING_SLACK - from);
        VALGRIND_MAKE_MEM_DEFINED(r->buf, len < r->cap ? len : r->cap);
    }
#else
    (void)r, (void)pos, (void)end;
#endif
}

/* One pass over every ring; returns how much it did (0: every ring was empty). */
static int deferred; /* the last pass left records for the next one (a grown ring's, or its time ran out) */
static size_t drain_all(void)
{
    size_t n = snapshot_rings(), i, k, delivered = 0;
    uint64_t budget_end;
    int overwrite = narr__overload == NARR__OVERLOAD_OVERWRITE, sampling = narr__sample_on(), decode;
    /* overwrite mode claims records one by one, sampling holds them: both need decoded events */
    pass_decode_min = narr__sinks_plan(!overwrite && !sampling, &pass_raw, &pass_complete);
    if (sampling) pass_decode_min = NARR_LEVEL_TRACE; /* an ERROR decides a tree's fate */
    decode = pass_decode_min <= NARR_LEVEL_OFF;
    narr__sample_count_delivered(!pass_raw);
    deferred = 0;

    for (i = 0; i < n; i++) {
        cursor_t *c = &cursors[i];
        /* orphaned first: once it reads 1, head is final (pairs with ring_thread_exit) */
        c->orphaned = __atomic_load_n(&c->rf->orphaned, __ATOMIC_ACQUIRE);
        /* pairs with the release in narr__commit */
        c->end = __atomic_load_n(&c->rf->r.head, __ATOMIC_ACQUIRE);
        c->pos = c->rf->r.tail;
        if (c->rf->pred != NULL) { /* a grown ring waits until its predecessor is drained */
            deferred |= c->end > c->pos;
            c->end = c->pos;
            c->orphaned = 0;
            peek(c);
            continue;
        }
        grow_if_behind(c, c->end - c->pos); /* how full the consumer found it */
        program_bits(&c->rf->r, c->pos, c->end);
        if (!overwrite && c->end > c->rf->throttle_pos) { /* whole-project tracing's threshold: before the sinks */
            narr__throttle_scan(c->rf, c->rf->throttle_pos > c->pos ? c->rf->throttle_pos : c->pos, c->end);
            c->rf->throttle_pos = c->end;
        }
        if (c->rf->raw_pos < c->pos) c->rf->raw_pos = c->pos;
        if (pass_raw && c->end > c->rf->raw_pos) { /* raw sinks first: they never wait for text */
            narr__raw_batch_t b = {&c->rf->r, c->rf->raw_pos, c->end, c->rf->tid};
            size_t got = narr__sinks_raw(&b);
            __atomic_fetch_add(&narr__events_delivered, got, __ATOMIC_RELAXED);
            /* what the thread wrote while the sinks took this batch */
            grow_if_behind(c, __atomic_load_n(&c->rf->r.head, __ATOMIC_ACQUIRE) - c->end);
            if (decode) c->rf->text_backlog += got;
            c->rf->raw_pos = c->end;
            delivered++;
        }
        if (c->end > c->pos && (!decode || (pass_raw && text_falls_behind(c)))) {
            if (!pass_raw) __atomic_fetch_add(&narr__events_delivered, narr__ring_events(&c->rf->r, c->pos, c->end), __ATOMIC_RELAXED); /* no sink */
            delivered++;
            if (decode) skip_keeping_contexts(c);
            c->pos = c->end;
            /* pairs with the acquire in narr__reserve_slow (recover mode: after the flush below) */
            if (!narr__recover_on) __atomic_store_n(&c->rf->r.tail, c->pos, __ATOMIC_RELEASE);
        }
        peek(c);
    }

    /* text: merged by time across threads; beside a raw sink, only for a short while per pass,
     * so the trace file is served again soon whatever the console costs; without one, for
     * NARR_CFG_PASS_SLICE_NS at most, so the loop can park for a fork and answer flushes */
    budget_end = narr__mono_ns() + (pass_raw ? NARR_CFG_TEXT_SLICE_NS : NARR_CFG_PASS_SLICE_NS);
    for (k = 0;; k++) {
        cursor_t *best = NULL;
        for (i = 0; i < n; i++)
            if (cursors[i].ts != UINT64_MAX && (best == NULL || cursors[i].ts < best->ts)) best = &cursors[i];
        if (best == NULL) break;
        consume_record(best);
        peek(best);
        delivered++;
        if ((k & 63) == 63 && !pass_raw) /* text alone: a thread filling its ring meanwhile gets a spare */
            grow_if_behind(best, __atomic_load_n(&best->rf->r.head, __ATOMIC_ACQUIRE) - best->pos);
        if ((k & 63) == 63 && narr__mono_ns() >= budget_end) {
            deferred = 1; /* records left for the next pass: a flush waits for it */
            break;
        }
    }
    if (narr__recover_on && delivered > 0) { /* written first, then the ring may forget them */
        narr__sinks_flush_all();
        for (i = 0; i < n; i++) __atomic_store_n(&cursors[i].rf->r.tail, cursors[i].pos, __ATOMIC_RELEASE);
    }
    for (i = 0; i < n; i++) {
        /* (a ring the text sinks have not finished stays for the next pass) */
        int drained = cursors[i].orphaned && cursors[i].pos >= cursors[i].end;
        /* drops are told where their loss records stand; what none told of, once none can come */
        if (drained || overwrite) report_drops(cursors[i].rf);
        if (drained) unlink_ring(cursors[i].rf);
    }
    return delivered + (size_t)deferred; /* (deferred: not idle, go again) */
}

/* Stopping: trees still open are kept (sinks may trace: no lock held while they run). */
static void release_all(void)
{
    size_t n = snapshot_rings(), i;
    for (i = 0; i < n; i++) narr__sample_release(cursors[i].rf);
}

/* Stopping or crashing: every ring's drops no loss record told of. */
static void report_all_drops(void)
{
    size_t n = snapshot_rings(), i;
    for (i = 0; i < n; i++) report_drops(cursors[i].rf);
}

/* Before a fork: the consumer waits, holding no lock and inside no malloc, until the fork is
 * done (a child inherits whatever locks other threads held, the allocator's included). */
void narr__consumer_park(int on)
{
    pthread_mutex_lock(&cmu);
    if (on && running && !pthread_equal(pthread_self(), thread)) {
        struct timespec until;
        fork_pending = 1;
        ring_bell();
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1; /* a consumer stuck in a slow sink does not hold the fork up for long */
        while (!parked && running)
            if (pthread_cond_timedwait(&done, &cmu, &until) != 0) break;
    } else if (!on) {
        fork_pending = 0;
        pthread_cond_broadcast(&wake);
    }
    pthread_mutex_unlock(&cmu);
}

void narr__consumer_fork(int phase)
{
    if (phase == NARR__FORK_PREPARE) {
        pthread_mutex_lock(&cmu);
        return;
    }
    if (phase == NARR__FORK_CHILD) { /* the consumer thread was not copied */
        forked = 1;
        __atomic_store_n(&narr__consumer_ready, 0, __ATOMIC_RELAXED);
        own_stack = NULL; /* the parent's, if any: in use by the parent's consumer */
        __atomic_store_n(&running, 0, __ATOMIC_RELEASE);
        stop_req = 0;
        flush_req = flush_done = 0;
        fork_pending = parked = 0;
        __atomic_store_n(&narr__crash_state, 0, __ATOMIC_RELAXED);
        pthread_cond_init(&wake, NULL);
        pthread_cond_init(&done, NULL);
    }
    pthread_mutex_unlock(&cmu);
}

int narr__consumer_running(void)
{
    return __atomic_load_n(&running, __ATOMIC_ACQUIRE);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    default: return "signal";
    }
}

/* A thread took a fatal signal and waits in its handler (crash.c): deliver everything
 * committed, say what happened, flush every sink. */
static void crash_drain(void)
{
    narr_event_t ev;
    char msg[160];
    while (drain_all() > 0) {}
    report_all_drops();
    narr__own_event(&ev, narr__crash_tid, NARR_LEVEL_FATAL, "crash", msg,
              snprintf(msg, sizeof msg, "fatal signal %s (%d) on thread %u; what was recorded before it has been written",
                       signal_name(narr__crash_signal), narr__crash_signal, narr__crash_tid));
    narr__sinks_dispatch(&ev);
    narr__sinks_flush_all();
    __atomic_store_n(&narr__crash_state, 2, __ATOMIC_RELEASE);
}

void narr__consumer_wake(void)
{
    ring_bell();
}

static void *consumer_main(void *arg)
{
    uint64_t last_cal, last_flush = 0;
    int unflushed = 0;
    (void)arg;
    narr__on_consumer = 1;
    my_tid = narr__gettid();
    narr__clock_first_estimate();
    narr__recover_clock(1); /* with the first TSC rate */
    last_cal = narr__mono_ns();
    for (;;) {
        uint64_t req, now;
        int stopping;
        size_t n;
        pthread_mutex_lock(&cmu);
        while (fork_pending) { /* narr__consumer_park */
            parked = 1;
            pthread_cond_broadcast(&done);
            pthread_cond_wait(&wake, &cmu);
        }
        parked = 0;
        req = flush_req;
        stopping = stop_req;
        pthread_mutex_unlock(&cmu);
        if (stopping && stop_deadline == 0) stop_deadline = narr__mono_ns() + NARR_CFG_EXIT_WAIT_NS;

        if (__atomic_load_n(&narr__crash_state, __ATOMIC_ACQUIRE) == 1) crash_drain();
        now = narr__mono_ns();
        if (now - last_cal > (uint64_t)NARR_CFG_CALIBRATE_PERIOD_NS) {
            narr__clock_calibrate();
            narr__recover_clock(0);
            last_cal = now;
        }
        __atomic_store_n(&narr__consumer_ready, 1, __ATOMIC_RELEASE); /* draining now: pairs with make_room */
        n = drain_all();
        if (req != flush_done) report_all_drops(); /* a flush tells every loss known so far */
        /* sinks write out when the rings ran dry, when asked, or every NARR_CFG_FLUSH_NS under
         * steady load (not after every pass: short passes would mean many small writes). In
         * recover mode drain_all has flushed after delivering. */
        unflushed |= n > 0 && !narr__recover_on;
        if (req != flush_done || (unflushed && (n == 0 || now - last_flush >= NARR_CFG_FLUSH_NS))) {
            narr__sinks_flush_all();
            unflushed = 0;
            last_flush = now;
        }

        pthread_mutex_lock(&cmu);
        if (req > flush_done && !deferred) { /* (a grown ring's records come in the next pass) */
            flush_done = req;
            pthread_cond_broadcast(&done);
        }
        if (stopping && n == 0) {
            pthread_mutex_unlock(&cmu);
            report_all_drops();
            release_all();
            narr__sinks_flush_all();
            break;
        }
        if (n == 0 && flush_req == req && !stop_req && !fork_pending) {
            uint32_t seen = __atomic_load_n(&doorbell, __ATOMIC_ACQUIRE);
            pthread_mutex_unlock(&cmu);
            consumer_sleep(seen);
        } else {
            pthread_mutex_unlock(&cmu);
        }
    }
    return NULL;
}

int narr__consumer_start(void)
{
    int rc;
    pthread_mutex_lock(&cmu);
    if (running) {
        pthread_mutex_unlock(&cmu);
        return 0;
    }
    stop_req = 0;
    stop_deadline = 0;
    if (forked) {
        /* in a forked child the copied thread list still names the parent's consumer, and glibc
         * would hand the new thread that thread's stack and id (which TSan, for one, refuses):
         * a stack of its own gives it a new id */
        pthread_attr_t a;
        if (own_stack == NULL) own_stack = malloc(NARR_CFG_CONSUMER_STACK);
        pthread_attr_init(&a);
        if (own_stack != NULL) pthread_attr_setstack(&a, own_stack, NARR_CFG_CONSUMER_STACK);
        rc = pthread_create(&thread, &a, consumer_main, NULL);
        pthread_attr_destroy(&a);
    } else {
        rc = pthread_create(&thread, NULL, consumer_main, NULL);
    }
    __atomic_store_n(&running, rc == 0, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&cmu);
    return rc == 0 ? 0 : NARR_ETHREAD;
}

void narr__consumer_stop(void)
{
    pthread_mutex_lock(&cmu);
    if (!running) {
        pthread_mutex_unlock(&cmu);
        return;
    }
    stop_req = 1;
    ring_bell();
    pthread_mutex_unlock(&cmu);
    pthread_join(thread, NULL);
    pthread_mutex_lock(&cmu);
    __atomic_store_n(&running, 0, __ATOMIC_RELEASE);
    flush_done = flush_req; /* the final drain answered every request */
    pthread_cond_broadcast(&done);
    pthread_mutex_unlock(&cmu);
}

int narr_flush(void)
{
    uint64_t mine;
    pthread_mutex_lock(&cmu);
    if (!running) {
        pthread_mutex_unlock(&cmu);
        return 0;
    }
    if (pthread_equal(pthread_self(), thread)) {
        pthread_mutex_unlock(&cmu);
        return NARR_ESTATE; /* a sink asked: waiting for ourselves would never end */
    }
    mine = ++flush_req;
    ring_bell();
    while (flush_done < mine && running) pthread_cond_wait(&done, &cmu);
    pthread_mutex_unlock(&cmu);
    return 0;
}

void narr_stats_get(narr_stats_t *out)
{
    narr__ring_full_t *rf;
    uint64_t d = __atomic_load_n(&dropped_freed, __ATOMIC_RELAXED) + __atomic_load_n(&narr__dropped_ringless, __ATOMIC_RELAXED), o = __atomic_load_n(&overwritten_freed, __ATOMIC_RELAXED);
    pthread_mutex_lock(&narr__rings_lock);
    for (rf = narr__rings; rf != NULL; rf = rf->next) {
        d += __atomic_load_n(&rf->r.dropped, __ATOMIC_RELAXED);
        o += __atomic_load_n(&rf->r.overwritten, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&narr__rings_lock);
    out->events = __atomic_load_n(&narr__events_delivered, __ATOMIC_RELAXED);
    out->dropped = d;
    out->overwritten = o;
    out->echo_dropped = __atomic_load_n(&narr__echo_dropped, __ATOMIC_RELAXED);
    out->threads = __atomic_load_n(&narr__rings_attached, __ATOMIC_RELAXED);
    out->text_skipped = __atomic_load_n(&text_skipped, __ATOMIC_RELAXED);
    out->rings_grown = __atomic_load_n(&narr__rings_grown, __ATOMIC_RELAXED);
    out->throttled = __atomic_load_n(&narr__throttled_sites, __ATOMIC_RELAXED);
    out->block_waits = __atomic_load_n(&narr__block_waits, __ATOMIC_RELAXED);
    out->block_wait_ns = __atomic_load_n(&narr__block_wait_ns, __ATOMIC_RELAXED);
    out->block_wait_max_ns = __atomic_load_n(&narr__block_wait_max, __ATOMIC_RELAXED);
}
