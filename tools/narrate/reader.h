/* tools/narrate/reader.h - reads a binary trace (runtime/trace_format.h): sites, calibration,
 * events of every thread, drops; a damaged block is skipped (the read goes on at the next block
 * whose checksum holds) and reported with what was skipped.
 * Events are streamed: to a visitor in file order (stats, check, tree, flame), or in time order
 * by narr_trace_open and narr_trace_next (cat, replay, exports), which hold a block per thread,
 * not the events. narr_trace_load keeps them all in memory (recovery, tests). */
#ifndef NARR_TOOLS_READER_H
#define NARR_TOOLS_READER_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

typedef struct narr_tevent {
    uint64_t mono;
    uint32_t tid;
    uint32_t site; /* 0 for a drop record */
    const unsigned char *vals; /* compact values inside the file image */
    size_t vlen;
    uint64_t dropped;
    uint64_t raw;   /* RAWEVENTS: the recorder's raw stamp (for an exit's "@t0" delta) */
    int32_t clock;  /* RAWEVENTS: CLOCK points read before it, less one (-1: none, or EVENTS) */
    int rawfmt;     /* from a RAWEVENTS block (its values' encoding: trace_format.h) */
    uint32_t ctx;   /* its thread's context when it was recorded: index + 1 in the trace's ctxs, 0: none */
} narr_tevent_t;

/* A context a thread entered (narr_context_enter): its W3C ids and correlation id, where and when.
 * A process's root call whose context's parent span is another process's span continues there. */
typedef struct narr_tctx {
    uint32_t tid;
    uint64_t mono;
    uint64_t trace_hi, trace_lo, span, parent; /* as recorded (the id bytes in memory order) */
    char corr[64];
} narr_tctx_t;

/* What the reader knows of a site beyond its description. */
typedef struct narr_tsite {
    int nvar;    /* its values are nvar LEB128 numbers (skipped without parsing); -1: walk them */
    int nvar_raw; /* the same in RAWEVENTS blocks (addresses are 8 bytes there) */
    uint32_t fn; /* enter/exit sites: a number per function name, shared by its enter and exits */
    int depth_at; /* enter sites: which value is the recorded call depth ("@depth"), -1: none */
} narr_tsite_t;

/* What the reading commands' filters keep (--tid, --since/--until, --fn, --corr): applied as
 * events are read, so every command sees the same subset. Drop records of a kept thread stay. */
typedef struct narr_tfilter {
    int on;
    int has_tid;
    uint32_t tid;
    uint64_t since_ns, until_ns; /* from the trace's start; until 0: no end */
    const char *fn;              /* calls of this function and everything inside them */
    const char *corr;            /* events whose correlation id is this */
} narr_tfilter_t;
extern narr_tfilter_t narr_trace_filter;

/* narr_trace_open: one of a thread's blocks, in file order. */
typedef struct narr_titem {
    size_t off;      /* its payload in the image (events); where its block was (drops, damage) */
    uint32_t len;
    uint32_t type;   /* NARR_TB_EVENTS, _RAWEVENTS, _PRAWEVENTS; NARR_TB_DROPS; 0: a damaged block's events */
    size_t nclock;   /* CLOCK points before it (its raw stamps convert by the last at or below each) */
    uint64_t mono, count; /* drops: when and how many; damage: how many (placed at the thread's last event) */
} narr_titem_t;

/* What a read keeps per thread: its latest stamp, its open contexts, its open calls of --fn;
 * and for narr_trace_open, its blocks and the events of the one being merged. */
typedef struct narr_tstate {
    uint32_t tid;
    uint64_t raw_mono;      /* RAWEVENTS: its latest stamp (a later one never reads earlier) */
    uint32_t ctx_depth, ctx_top[32]; /* its open contexts: indexes in the trace's ctxs */
    uint32_t inside;        /* --fn: calls of that function open on it */
    narr_titem_t *items;
    size_t nitems, icap, at;
    narr_tevent_t *ev;      /* the current block's events */
    size_t nev, evcap, evat;
    narr__buf_t exp[2];     /* PRAWEVENTS expansions: the current block's and the one before */
    int cur;
    size_t off;             /* the current block's place in the file: equal times go in file order */
    uint64_t last_mono;     /* of its latest event (a damaged block's losses are placed there) */
} narr_tstate_t;

struct narr_trace;
/* Gets each event (drops included) in file order, which is time order per thread; e->vals
 * points into the file image. Nonzero stops the read. */
typedef int (*narr_trace_visit_fn)(struct narr_trace *t, const narr_tevent_t *e, void *ctx);

typedef struct narr_trace {
    unsigned char *image;
    size_t size;
    int mapped;       /* image is a file mapping */
    size_t released;  /* a streamed read: mapped bytes below this were given back (first pass) */
    unsigned version; /* of the file format */
    char program[256];
    uint32_t pid;     /* the recording process (0: a file from before pids were written) */
    struct narr_tthread { uint32_t tid; char name[64]; } *threads; /* names from THREAD blocks */
    size_t nthreads;
    narr_site_t **sites; /* by id */
    narr_tsite_t *tsites; /* by id, beside sites */
    size_t nsites;
    char **fns; /* function names by narr_tsite_t.fn */
    size_t nfns, fns_cap;
    narr_tevent_t *events; /* empty when streaming */
    narr_tctx_t *ctxs;     /* contexts entered, in file order (kept when streaming too) */
    size_t nctxs, ctxcap;
    narr__buf_t *kept;     /* PRAWEVENTS blocks as RAWEVENTS, which kept events point into */
    size_t nkept;
    narr__buf_t unpredicted; /* the same, for a visitor: the block being visited */
    uint64_t *pred;        /* PRAWEVENTS: the block's address predictions */
    size_t nevents;
    size_t seen; /* events read (also when streaming), drops included */
    narr_trace_visit_fn visit;
    void *visit_ctx;
    int64_t real_minus_mono; /* from the first calibration */
    struct narr_tclock { uint64_t raw, mono; double ns_per_tick; } *clock; /* CLOCK points (recovery files, RAWEVENTS) */
    size_t nclock;
    int clock_is_tsc;
    /* integrity */
    size_t blocks, bytes_ok;
    int damaged;
    int ended;        /* the file's END block was read (its writer finished it); 2: at a crash */
    char damage[256];
    uint64_t dropped, unknown_sites;
    size_t skipped_regions, skipped_bytes; /* damage read past: the next good block was found */
    size_t damage_first_len; /* of the first region's description in damage */
    uint64_t skipped_events; /* events the skipped blocks said they held, when still legible */
    uint64_t last_mono;      /* of the last event read (a skipped block's losses are placed there) */
    uint64_t start_mono;     /* the trace's start (its first calibration), for --since/--until */
    size_t filtered_out;     /* events the filters left out */
    narr_tstate_t *states;   /* per thread (narr_trace_open: its blocks, merged by a heap by next event) */
    size_t nstates, statehint;
    int indexing;            /* reading lists blocks instead of events */
    size_t *heap, nheap;
    size_t current;          /* the thread whose event narr_trace_next returned last (SIZE_MAX: none) */
    int merging;
    uint64_t stream_events;  /* events (and context records) the blocks say they hold, drops included */
    uint64_t stream_done;    /* of them, merged so far (progress) */
    size_t returned;         /* events narr_trace_next returned (the filters' kept) */
    /* decoding scratch */
    narr__decoded_t dec;
    narr__buf_t payload;
} narr_trace_t;

/* Loads path; NULL with a message in err when the file cannot be used at all. A damaged file
 * loads what precedes the damage and sets damaged/damage. */
narr_trace_t *narr_trace_load(const char *path, char *err, size_t errlen);
/* The same, streaming every event to visit instead of keeping it. */
narr_trace_t *narr_trace_load_visit(const char *path, narr_trace_visit_fn visit, void *ctx, char *err, size_t errlen);
/* Called now and then while a load takes longer than a second (done and total bytes; done ==
 * total at the end). NULL: no progress. */
extern void (*narr_trace_progress)(size_t done, size_t total);
extern uint64_t narr_trace_progress_after_ns; /* default one second */
/* The same bar for a command's own long pass over the events (exports): what it does, and
 * done of total events; shown as loading's is (after a second, on a terminal). Call with
 * done == total at the end. */
typedef struct narr_progress { const char *what; uint64_t started; int showing; } narr_progress_t;
void narr_progress_step(narr_progress_t *p, size_t done, size_t total);
/* The bar itself: "narrate: WHAT [####    ]  NN% of OF", a newline when done == total. */
void narr_progress_draw(const char *what, size_t done, size_t total, const char *of);

/* Reads path's descriptions (sites, threads, clocks) and lists each thread's blocks, for
 * narr_trace_next. NULL with a message in err when the file cannot be used at all. */
narr_trace_t *narr_trace_open(const char *path, char *err, size_t errlen);
/* The next event in time order (equal times in file order), drops included; NULL at the end.
 * Each thread's blocks are read one at a time and merged, so memory is a block per thread.
 * The event is valid until the next call; a copy of it (and its values) until its thread's
 * next block after that is read, which is enough to hold a thread's previous event. Filters
 * apply as with the other reads. Contexts (t->ctxs) are filled as their records go by. */
const narr_tevent_t *narr_trace_next(narr_trace_t *t);
/* Back to the first event, for another pass (the reader's per-thread state starts over). */
void narr_trace_rewind(narr_trace_t *t);

/* The same from memory; takes ownership of image (malloc'd, size bytes). */
narr_trace_t *narr_trace_parse(unsigned char *image, size_t size, char *err, size_t errlen);
narr_trace_t *narr_trace_parse_visit(unsigned char *image, size_t size, narr_trace_visit_fn visit, void *ctx, char *err,
                                     size_t errlen);
narr_trace_t *narr_trace_parse_open(unsigned char *image, size_t size, char *err, size_t errlen);
void narr_trace_free(narr_trace_t *t);
/* recover.c: a ring file's bytes (NARRATE_RECOVER_DIR) through the sinks; -1 when it is not
 * one. The sites come from t, the process's sites file. */
long narr_recover_ring_image(narr_trace_t *t, const unsigned char *m, size_t size, uint64_t *dropped, char *why,
                             size_t whylen);
/* CLOCK_MONOTONIC ns of a raw ring stamp, from the file's CLOCK points (recovery files). */
uint64_t narr_trace_raw_to_mono(const narr_trace_t *t, uint64_t raw);
/* Wall-clock ns of a CLOCK_MONOTONIC stamp (unsigned: a damaged file's values wrap, not overflow). */
static inline uint64_t narr_trace_real_ns(const narr_trace_t *t, uint64_t mono)
{
    return mono + (uint64_t)t->real_minus_mono;
}
/* A name from the trace (function, actor, correlation id) safe to print on a terminal: s itself,
 * or a copy in buf (cap bytes) with control bytes (ESC, CR, C1 controls...) written as \xNN. */
const char *narr_safe(const char *s, char *buf, size_t cap);
/* The thread's name as the trace recorded it, NULL when it did not. */
const char *narr_trace_thread_name(const narr_trace_t *t, uint32_t tid);
/* The event decoded as the live sinks saw it; NULL for drops and unknown sites. */
const narr_event_t *narr_trace_decode(narr_trace_t *t, const narr_tevent_t *e);
/* An enter's recorded call depth (traced calls open on its thread below it), without decoding
 * the event; -1 when the site records none. */
int narr_trace_enter_depth(const narr_trace_t *t, const narr_tevent_t *e, uint64_t *depth);

#endif /* NARR_TOOLS_READER_H */
