/* runtime/internal.h - what runtime modules share. Never installed. */
#ifndef NARR_RUNTIME_INTERNAL_H
#define NARR_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "narrate/context.h"
#include "narrate/narrate.h"

#define NARR__CTX_MAX 32 /* contexts per thread, as the producer's stack */

/* ---- sample.c: a thread's tree waiting for its decision (consumer only) ---- */
/* A growable byte buffer (text.c); oom is set instead of failing each put. */
typedef struct narr__buf {
    char *p;
    size_t len, cap;
    int oom;
} narr__buf_t;

struct narr__samp {
    int depth;               /* traced calls open on the thread */
    int head, failed, passing;
    uint64_t start;
    narr__buf_t buf; /* held records */
    narr_context_t saved[NARR__CTX_MAX]; /* the contexts when the tree began */
    unsigned nsaved;
};

/* ---- ring.c: a ring with its consumer-side bookkeeping ---- */
typedef struct narr__ring_full {
    narr__ring_t r;               /* first: the hot path's view */
    narr_context_t ctx[NARR__CTX_MAX]; /* consumer only: the thread's contexts, from its records */
    unsigned nctx;
    struct narr__samp samp;
    void *altstack; /* the thread's alternate signal stack, freed by the thread itself */
    struct narr__ring_file { /* recover mode: this struct starts the ring's file (recover.c) */
        char magic[8];       /* NARR__RING_FILE_MAGIC */
        uint32_t pid, tid, header_bytes, is_tsc;
        size_t mapped_bytes; /* 0: not a file mapping */
        char path[700];
    } file;
    uint32_t tid;
    int exit_rounds;              /* the thread's rounds of key destructors so far */
    int orphaned;                 /* the thread exited or moved on to the successor; release store
                                     pairs with acquire in drain */
    /* Growth: a ring the consumer found half full gets a larger successor (the consumer
     * allocates it, the thread moves to it in its slow path and leaves this one orphaned). */
    struct narr__ring_full *successor; /* atomic: set by the consumer, taken by the thread */
    int switched;                 /* the thread moved to the successor (before orphaned) */
    struct narr__ring_full *pred; /* consumer only: still linked predecessor; its records go first */
    uint64_t dropped_reported;    /* consumer only */
    uint64_t last_mono;           /* consumer only: last timestamp delivered for this thread */
    uint64_t raw_pos;             /* consumer only: raw sinks have the records before this (>= tail) */
    uint64_t text_backlog;        /* consumer only: events raw sinks have and text sinks not yet */
    uint64_t throttle_pos;        /* consumer only: throttle.c has read the records before this */
    uint64_t marked;              /* thread only: of its dropped, those a loss record stands for */
    struct narr__ring_full *next; /* registry list, guarded by narr__rings_lock */
} narr__ring_full_t;

/* ring.c: while a string value is copied, where a SIGSEGV/SIGBUS in the copy jumps (crash.c) */
extern NARR__THREAD_LOCAL void **narr__str_probe NARR__TLS_MODEL; /* a __builtin_setjmp buffer */
extern int narr__fatal_handler_on; /* crash.c: its handler is installed (NARRATE_CRASH is not off) */

extern pthread_mutex_t narr__rings_lock;
extern narr__ring_full_t *narr__rings;
extern size_t narr__ring_bytes;
extern size_t narr__ring_grow_max; /* a busy thread's ring grows up to this (NARRATE_RING_GROW); 0: never */
#define NARR__RING_FILE_MAGIC "NARRRNG1"
/* ---- recover.c: rings in shared file mappings (NARRATE_RECOVER_DIR) ---- */
extern int narr__recover_on;
int narr__recover_start(const char *dir);
void narr__recover_stop(void);
void narr__recover_site(const narr_site_t *s, uint32_t id);
void narr__recover_clock(int force); /* consumer: a raw clock point, at most once a second */
size_t narr__recover_header_bytes(void);
narr__ring_full_t *narr__recover_ring_new(size_t cap, uint32_t tid);
void narr__recover_ring_free(narr__ring_full_t *rf);
/* What a full ring does (NARRATE_OVERLOAD): drop the new event, wait up to narr__block_ns for
 * the consumer, or overwrite the oldest records. */
enum { NARR__OVERLOAD_DROP = 0, NARR__OVERLOAD_BLOCK = 1, NARR__OVERLOAD_OVERWRITE = 2 };
extern int narr__overload;
extern uint64_t narr__block_ns; /* UINT64_MAX: no limit (plain "block") */
/* NARRATE_OVERLOAD unset or "auto": drop, but wait (NARR_CFG_AUTO_WAIT_NS at most) while an
 * output that keeps every event is written */
extern int narr__overload_auto;
extern int narr__auto_gave_up; /* atomic: an auto wait ran out once; full rings drop from then on */
extern uint64_t narr__block_waits, narr__block_wait_ns, narr__block_wait_max; /* atomic */
extern _Thread_local int narr__on_consumer; /* 1 on the consumer thread */
extern _Thread_local int narr__in_slow;     /* inside a slow path that takes a lock */
extern narr__ring_t narr__ring_discard;     /* drops everything (the consumer's echo guard) */
extern narr__ring_t narr__ring_dead;        /* drops everything (a thread past its ring's hand-over) */
extern uint64_t narr__dropped_ringless;     /* atomic: events of threads without a ring to take them */
/* The events (records that are not context records) among a ring's records [pos, end). */
uint64_t narr__ring_events(const narr__ring_t *r, uint64_t pos, uint64_t end);
extern uint64_t narr__echo_dropped;
void narr__consumer_wake(void);     /* now (async-signal-safe) */
void narr__consumer_doorbell(void); /* now, if it sleeps (async-signal-safe) */
/* ---- fork.c: each module's part (prepare: take its locks; parent: release; child: release
 * and start clean) ---- */
enum { NARR__FORK_PREPARE = 0, NARR__FORK_PARENT = 1, NARR__FORK_CHILD = 2 };
void narr__fork_install(void);
void narr__init_fork(int phase);
void narr__sinks_fork(int phase);
void narr__sites_fork(int phase);
void narr__filter_fork(int phase);
void narr__rings_fork(int phase);
void narr__consumer_fork(int phase);
void narr__consumer_park(int on); /* 1: wait until the consumer stands still; 0: let it go */

/* ---- crash.c ---- */
void narr__crash_install(void);
void *narr__altstack_attach(void);     /* the calling thread's alternate signal stack (NULL: none made) */
void narr__altstack_detach(void *mem); /* on that thread, before it exits */
extern int narr__crash_state;          /* atomic: 1 the consumer must deliver and flush now, 2 done */
extern int narr__crash_signal;
extern uint32_t narr__crash_tid;
int narr__consumer_running(void); /* 0 before start and after narr_shutdown */
void narr__ring_free(narr__ring_full_t *rf);
void narr__ring_grow(narr__ring_full_t *rf); /* consumer: give rf's thread a larger ring */
uint32_t narr__gettid(void);

/* ---- clock.c ---- */
extern int narr__clock_is_tsc; /* 0: rings stay on the slow path, stamped with clock_gettime */
void narr__clock_init(void);          /* start-up: which clock, and the baseline */
void narr__clock_first_estimate(void); /* consumer thread, before it converts a stamp */
uint64_t narr__clock_raw(void);
double narr__clock_ns_per_tick(void); /* consumer: the current rate (1.0 without a TSC) */
/* Consumer side: convert a raw stamp to CLOCK_MONOTONIC ns and to CLOCK_REALTIME ns. */
void narr__clock_calibrate(void);
uint64_t narr__clock_to_mono(uint64_t raw);
/* Consumer: the conversion's segments (0 without a TSC): segment k converts the raw stamps from
 * its raw to the next one's; -1 when k is not kept any more. */
uint64_t narr__clock_segments(void);
int narr__clock_segment(uint64_t k, uint64_t *raw, uint64_t *mono, double *rate);
uint64_t narr__clock_mono_to_real(uint64_t mono);
uint64_t narr__mono_ns(void);

/* Function boundaries, hand-written or generated. */
static inline int narr__kind_enters(unsigned kind)
{
    return kind == NARR_KIND_FN_ENTER || kind == NARR_KIND_ENTER;
}
static inline int narr__kind_exits(unsigned kind)
{
    return kind == NARR_KIND_FN_EXIT || kind == NARR_KIND_EXIT;
}

/* ---- site.c ---- */
narr_site_t *narr__site_get(uint32_t id);
/* Switches a whole-project function's enter site off for good (NARR_SITE_THROTTLED); 0 or -1. */
int narr__site_throttle(uint32_t enter_id);
/* fn for every registered site, under the registry's lock. */
void narr__sites_describe_all(void (*fn)(const narr_site_t *s, uint32_t id));
/* The id a site's events carry. */
static inline uint32_t narr__site_id(const narr_site_t *s)
{
    int32_t id = __atomic_load_n(&s->id, __ATOMIC_ACQUIRE), st;
    if (id != 0) return (uint32_t)id;
    st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE); /* registered this instant: the state says */
    return (uint32_t)(st < 0 ? -st : st);
}
void narr__site_reresolve_all(void);
void narr__site_mute_all(int muted);

/* ---- context.c: per-request debug levels ---- */
extern int narr__boosts; /* contexts with a debug level entered and not left, all threads; atomic */
extern _Thread_local int narr__boost; /* this thread's debug level (NARR_LEVEL_OFF: none) */

/* ---- filter.c ---- */
int narr__filter_parse(const char *spec);
uint64_t narr__filter_generation(void); /* changes whenever the filter does */
narr_level_t narr__filter_for(const char *actor, const char *func);

/* ---- buf: a growable byte buffer for the consumer (never on the hot path) ---- */
/* Room for extra more bytes (and a NUL) at b->p + b->len; -1 (and oom) when memory is short. */
int narr__buf_reserve(narr__buf_t *b, size_t extra);
void narr__buf_put_slow(narr__buf_t *b, const void *s, size_t n);
/* Inline: text sinks append a few bytes dozens of times per event; the call was a fifth of
 * their cost. The slow path grows the buffer. */
static inline void narr__buf_put(narr__buf_t *b, const void *s, size_t n)
{
    if (n == 0) return; /* (s may be NULL then) */
    if (b->len + n < b->cap) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
    } else {
        narr__buf_put_slow(b, s, n);
    }
}
static inline void narr__buf_putc(narr__buf_t *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
    } else {
        narr__buf_put_slow(b, &c, 1);
    }
}
void narr__buf_put_u64(narr__buf_t *b, uint64_t v); /* in decimal */
void narr__buf_printf(narr__buf_t *b, const char *fmt, ...) NARR__PRINTF(2, 3);
void narr__buf_free(narr__buf_t *b);
/* Copies into out (NUL-terminated, cut at cap), frees b; returns the full length. */
size_t narr__buf_copy_out(narr__buf_t *b, char *out, size_t cap);

/* ---- format.c: payload to event ---- */
typedef struct narr__decoded {
    narr_event_t ev;
    narr_kv_t *kv; /* grows: narration has no cap on fields */
    size_t kv_cap;
    narr__buf_t msg;
    narr__buf_t cute, story;
    narr__buf_t vals; /* backing store for kv values, target, correlation id */
    uint64_t t0_raw;  /* FN_EXIT: the enter's raw stamp, 0 when unknown */
    char elapsed[32]; /* FN_EXIT: elapsed_ms text, filled by the consumer */
} narr__decoded_t;
/* Fills d->ev from a record's payload; returns 0 or NARR_EINVAL when the record is damaged. */
int narr__decode(const narr_site_t *site, const unsigned char *payload, size_t len, narr__decoded_t *d);
/* Room for one more key/value in d (NULL when out of memory). */
narr_kv_t *narr__decoded_kv(narr__decoded_t *d);
/* An exit's elapsed time from its enter's CLOCK_MONOTONIC stamp (ev.mono_ns must be set). */
void narr__decoded_elapsed(narr__decoded_t *d, uint64_t t0_mono);

/* ---- sample.c ---- */
void narr__sample_configure(void); /* from the environment, at start-up */
int narr__sample_id_passes(const uint8_t trace_id[16]); /* the ratio rule, for new root contexts */
/* Every decoded record of a ring goes through here: context records update the thread's
 * contexts; others are delivered now, held with their tree, or (a tree left out) discarded.
 * t0_mono: an exit's enter stamp (0: none), for replays. */
void narr__sample_record(narr__ring_full_t *rf, narr__decoded_t *d, const narr_site_t *site, const unsigned char *raw,
                         size_t len, uint64_t t0_mono);
void narr__sample_release(narr__ring_full_t *rf); /* an open tree is kept; its buffer freed */
int narr__sample_on(void);                        /* sampling decides what is kept */
void narr__sample_count_delivered(int on);        /* 0: the consumer counts delivered events itself */

/* ---- otlp_encode.c: OTLP spans as protobuf or JSON ---- */
typedef struct narr__otlp_span {
    uint8_t trace_id[16], span_id[8], parent_span_id[8]; /* parent all zero: a root */
    const char *name;
    int kind; /* 1 internal, 2 server, 3 client */
    uint64_t start_ns, end_ns; /* CLOCK_REALTIME */
    int error;
    const char *status_message; /* with error; may be NULL */
    narr__buf_t attrs, events; /* encoded with narr__otlp_attr_* (field 9) and narr__otlp_event */
} narr__otlp_span_t;
/* Appends a KeyValue to list (protobuf: as field `field`: 9 in a span, 3 in an event, 1 in a
 * resource). String values are made valid UTF-8 and cut at limit bytes. */
void narr__otlp_attr_str(narr__buf_t *list, int json, unsigned field, const char *key, const char *v, size_t n,
                         size_t limit);
void narr__otlp_attr_int(narr__buf_t *list, int json, unsigned field, const char *key, int64_t v);
void narr__otlp_event(narr__buf_t *list, int json, uint64_t time_ns, const char *name, const narr__buf_t *attrs);
void narr__otlp_span(narr__buf_t *list, int json, const narr__otlp_span_t *s);
/* ExportTraceServiceRequest with one resource, the narrate scope and the listed spans. */
void narr__otlp_request(narr__buf_t *out, int json, const narr__buf_t *resource_attrs, const narr__buf_t *spans);

/* ---- sink.c ---- */
/* Flags: CONTEXTS: the sink also gets NARR_KIND_CONTEXT / _LEAVE events (ev->context: the one
 * entered or left); ABANDONS: its ctl understands NARR__SINK_ABANDON, sent in a forked child
 * (free everything, write nothing: the buffers hold the parent's events). */
#define NARR__SINK_CONTEXTS 1u
#define NARR__SINK_ABANDONS 2u
/* COMPLETE: a file (or pipe) the user named: it gets every event at or above its level; the
 * consumer never skips records for it to keep up, and rings grow for it as for a trace file */
#define NARR__SINK_COMPLETE 4u
#define NARR__SINK_ABANDON ((narr_sink_op_t)2)
int narr__sink_add_ex(narr_sink_fn fn, narr_sink_ctl_fn ctl, void *user, narr_level_t min_level, unsigned flags);
/* A thread's committed records [pos, end) of its ring, in order: each one whole at
 * r->buf + (pos & r->mask), header first (fastpath.h). */
typedef struct narr__raw_batch {
    const narr__ring_t *r;
    uint64_t pos, end;
    uint32_t tid;
} narr__raw_batch_t;
/* A sink that takes records as they are; returns how many of them were events (not context
 * records). It still gets drop reports through fn, and every event through fn when records
 * must be decoded anyway (sampling, overwrite mode). */
typedef size_t (*narr__raw_fn)(const narr__raw_batch_t *b, void *user);
int narr__sink_add_raw(narr__raw_fn raw, narr_sink_fn fn, narr_sink_ctl_fn ctl, void *user, narr_level_t min_level,
                       unsigned flags);
/* Consumer, once a pass: whether raw sinks take records this pass (*raw; only when raw_allowed),
 * whether a sink that decodes them is COMPLETE (*complete; NARRATE_SKIP=off makes every one so)
 * and the lowest level any other sink wants decoded (NARR_LEVEL_OFF + 1: none). */
narr_level_t narr__sinks_plan(int raw_allowed, int *raw, int *complete);
extern int narr__skip_off; /* NARRATE_SKIP=off: no text output skips to keep up */
/* Hands a batch to every raw sink; returns the events in it. */
size_t narr__sinks_raw(const narr__raw_batch_t *b);
/* Whether a sink that keeps every record is added, raw (the trace file) or COMPLETE: rings get
 * their first spare from the start, and the default overload waits rather than drops. */
int narr__sinks_keep_all(void);
void narr__sinks_dispatch(const narr_event_t *ev);
/* ---- consume/consumer.c, consume/throttle.c ---- */
/* An event narrate itself tells the sinks of, stamped now (actor "narrate"). */
void narr__own_event(narr_event_t *ev, uint32_t tid, narr_level_t level, const char *action, const char *msg, int len);
extern uint64_t narr__min_duration_ns; /* NARRATE_MIN_DURATION; 0: off */
extern uint64_t narr__throttled_sites;  /* atomic */
/* Reads the exits of whole-project functions in [pos, end) of a ring, before the sinks do. */
void narr__throttle_scan(const narr__ring_full_t *rf, uint64_t pos, uint64_t end);
void narr__sinks_close_all(void);
void narr__sinks_flush_all(void);
int narr__outputs_open(const char *spec, narr_level_t console_level);

/* ---- consumer.c ---- */
/* The event that reports `count` events lost on thread tid (the live sinks and narrate cat). */
#define NARR__DROP_MSG 96
void narr__drop_event(narr_event_t *ev, char msg[NARR__DROP_MSG], uint32_t tid, uint64_t count, uint64_t mono,
                      uint64_t real);
int narr__consumer_start(void);
void narr__drop_summary(void); /* one line on stderr when events were lost (after the consumer stopped) */
void narr__consumer_stop(void);
extern uint64_t narr__events_delivered; /* atomic */
extern int narr__consumer_ready;        /* atomic: its thread runs its loop (ring.c waits for that once) */
extern uint64_t narr__rings_attached;   /* atomic */
extern uint64_t narr__rings_grown;      /* atomic: threads moved to a larger ring */

/* ---- init.c ---- */
int narr__ensure_init(void);
const char *narr__program_name(void);
void narr__set_program_name(const char *name); /* the narrate tool: the traced program's name */

/* ---- sink.c ---- */
void narr__sinks_default_mode(narr_mode_t mode);
/* write() until done, retrying EINTR; -1 when the descriptor refuses (the caller decides). */
int narr__write_all(int fd, const void *p, size_t n);

/* ---- trace.c: pieces of the trace format others write too (recover.c) ---- */
void narr__put_v(narr__buf_t *b, uint64_t v);                                  /* LEB128 */
/* a SITES entry; redact: literal values in a secret's place and secrets typed into the format
 * are written as [REDACTED] (trace_redact.c) */
void narr__trace_site(narr__buf_t *b, const narr_site_t *s, uint32_t id, int redact);
/* trace_redact.c: secrets kept out of the trace file */
size_t narr__redact_append(narr__buf_t *b, const char *s, size_t n); /* content rules; returns cuts */
uint64_t narr__site_secret_values(const narr_site_t *s); /* bit i: types[i] sits in a secret's place */
void narr__put_fmt_redacted(narr__buf_t *b, const char *fmt);
int narr__site_dynamic_keys(const narr_site_t *s);
uint64_t narr__record_secret_values(const narr_site_t *s, const char *const *strs);
int narr__narration_redacted(narr__buf_t *out, const unsigned char *rec, size_t len);
void narr__trace_block(narr__buf_t *out, unsigned type, const narr__buf_t *payload); /* framed, checked */

/* ---- crc32c.c ---- */
/* CRC-32C of p[0..n): the block checksum of trace format 2 (trace_format.h). */
uint32_t narr__crc32c(const unsigned char *p, size_t n);

/* ---- text.c ---- */
/* s[0..n) as valid UTF-8 (U+FFFD for bad bytes), at most limit bytes, never cutting a
 * character; returns how many bad bytes were replaced. */
size_t narr__utf8_clean(narr__buf_t *out, const char *s, size_t n, size_t limit);
/* How redacted text is written: escaped for the console, as a JSON string body, or as is. */
typedef enum narr__esc { NARR__ESC_CONSOLE = 0, NARR__ESC_JSON = 1, NARR__ESC_NONE = 2 } narr__esc_t;
/* Append s[0..n) redacted by policy and written as esc says; returns the secrets removed. */
size_t narr__text_put(narr__buf_t *b, const char *s, size_t n, narr__esc_t esc, unsigned policy);
/* A field's value: all of it is a secret when its key is one (policy NARR_REDACT_KV). */
size_t narr__value_put(narr__buf_t *b, const char *key, const char *s, size_t n, narr__esc_t esc, unsigned policy);
/* 1 when a key name is a secret word (whole words of snake_case, kebab-case, camelCase). */
int narr__secret_key(const char *key, size_t n);


/* ---- narration.c / context.c ---- */
typedef struct narr_field_desc {
    const char *key;
    size_t offset;
    char enc; /* 's' string, 'n' number, 't' text */
} narr_field_desc_t;
/* Ids of the fields in narr__fields (their order there), and of the records' other items. */
enum {
    NARR__F_ACTOR = 0, NARR__F_ACTION = 1, NARR__F_TARGET = 2, NARR__F_HUMAN = 3, NARR__F_CUTE = 4,
    NARR__F_STORY = 5, NARR__F_CORRELATION = 6,
    NARR__F_CONTEXT = 0xfe, /* trace and span ids */
    NARR__F_EXTRA = 0xff
};
extern const narr_field_desc_t narr__fields[];
extern const size_t narr__nfields;
struct narr_context;
const struct narr_context *narr__context_top(void);

/* ---- console.c / jsonl.c: one line of text for an event ---- */
/* Both return the number of secrets redacted. */
size_t narr__console_line(narr__buf_t *b, const narr_event_t *ev, int color, narr_mode_t mode, unsigned policy);
/* Text sinks keep what they make of a site's actor, action and target (redacted and escaped)
 * per site: the target is compared by content with the one it was made for (a target recorded
 * as a value may change from event to event; then the line is written the long way). */
typedef struct narr__head {
    const narr_site_t *site;
    char *target; /* a copy, NULL for none */
    size_t target_len;
    unsigned policy;
    int level, color;
    size_t redactions;
    narr__buf_t text;
} narr__head_t;
typedef struct narr__heads {
    narr__head_t *v;
    size_t n;
} narr__heads_t;
/* Writes ev's head into b: the copy kept for its site (made on the site's first event) when ev's
 * actor, action and target are the ones it was made for, else made by make (which writes it
 * into a buffer and returns its redaction count). Returns the redaction count. c may be NULL. */
size_t narr__head_put(narr__heads_t *c, narr__buf_t *b, const narr_event_t *ev, unsigned policy, int color,
                      size_t (*make)(narr__buf_t *b, const narr_event_t *ev, unsigned policy, int color));
void narr__heads_free(narr__heads_t *c);
size_t narr__json_line(narr__buf_t *b, const narr_event_t *ev, unsigned policy);

#endif /* NARR_RUNTIME_INTERNAL_H */
