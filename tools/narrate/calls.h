/* tools/narrate/calls.h - completed calls rebuilt from enter/exit events, per thread. */
#ifndef NARR_TOOLS_CALLS_H
#define NARR_TOOLS_CALLS_H

#include "reader.h"

typedef struct narr_call {
    const char *fn;
    uint32_t fn_id;   /* the reader's number for fn (narr_tsite_t.fn) */
    uint32_t tid;
    uint64_t start, end;
    uint64_t self;    /* end - start minus the time of its traced callees */
    int error;
    int nested;       /* an outer call of the same function was open on the thread (recursion) */
    int depth;
    int unwound;      /* left without an exit (longjmp): it ends where its thread went on */
    int cut;          /* left without an exit while events of its thread were lost: not counted */
    int open_end;     /* still open when the trace ended: counted up to its thread's latest event */
    uint32_t ctx;     /* its thread's context when it began (narr_tevent_t.ctx) */
    size_t parent;    /* index in calls, or SIZE_MAX for a root (and when calls are not kept) */
    char *corr;       /* roots: the first correlation id recorded on the thread during the call */
    size_t enter;     /* index of its enter event in the trace's events (as fed) */
    size_t parent_enter; /* its caller's enter index (SIZE_MAX: a root), kept or not */
    size_t root_enter;   /* the enter index of the root call it runs under (its own for a root) */
    uint64_t root_start; /* and that root's start and context */
    uint32_t root_ctx;
    const narr_tevent_t *enter_ev; /* narr_calls_t.keep_enters: its enter event, during done only */
} narr_call_t;

typedef void (*narr_call_done_fn)(const narr_call_t *c, void *ctx);

/* Calls with identical paths merged into trees: per thread, per correlation id (roots without
 * one are left out), or everything together (flame graphs). */
typedef enum narr_forest_by { NARR_FOREST_THREAD, NARR_FOREST_CORRELATION, NARR_FOREST_ALL } narr_forest_by_t;

typedef struct narr_node {
    const char *fn;
    uint32_t fn_id;   /* the reader's number for fn */
    uint32_t tid;     /* NARR_FOREST_THREAD only */
    const char *corr; /* NARR_FOREST_CORRELATION only */
    size_t parent;    /* SIZE_MAX: a root */
    int depth;
    uint64_t calls, total, self, errors; /* completed calls only */
    uint64_t first;   /* streamed correlation roots: when their first call began (they are made when it ends) */
} narr_node_t;

typedef struct narr_forest {
    narr_node_t *v;
    size_t n, cap;
    size_t *index, icap; /* hash of (tid, corr, parent, fn) -> node, so building stays linear */
    int owns_corr;       /* corr strings are the forest's own (streaming) */
} narr_forest_t;


struct narr__frame;

/* Calls in order of their enter (open ones with end UINT64_MAX); unmatched enters and exits
 * are counted. */
typedef struct narr_calls {
    narr_call_t *v; /* only when kept */
    size_t n;
    size_t unmatched_enter, unmatched_exit; /* calls still open when the trace ends; exits with no enter */
    size_t unwound;      /* calls left without an exit, no loss in between (longjmp): counted, ending where the thread went on */
    uint64_t lost;       /* events the recorder dropped, as the drop records on the way said */
    size_t resynced;     /* frames closed because a later enter's recorded depth showed their exit was lost */
    /* per thread: drop records seen, and its latest event's time (where calls still open end) */
    struct narr__tloss { uint32_t tid; uint64_t n, last; } *tloss;
    size_t ntloss, tlcap, tlhint;
    /* streaming forests (narr_calls_stream_forests): filled as calls complete, so a tree needs
     * memory for its distinct paths, not for its events */
    narr_forest_t *forest, *corr_forest;
    int forest_all;            /* forest merges threads (flame graphs) */
    struct narr__rootf *roots; /* per thread: the open root call's own subtree, for corr_forest */
    size_t nroots;
    int forest_oom;
    /* each open call keeps a copy of its enter event (exports that write a call when it ends) */
    int keep_enters;
    /* calls cut short (not counted, not given to done) go here, when set */
    narr_call_done_fn on_cut;
    /* when set: each root call's subtree, paths merged (calls counted as they completed), when
     * the root ends; the forest is freed after */
    void (*root_fn)(const narr_call_t *root, const narr_forest_t *subtree, void *ctx);
    /* functions whole-project tracing switched off ("narrate throttled" events): their later
       calls are not in the trace */
    char **throttled;
    size_t nthrottled, thcap;
    /* matching state */
    int keep;
    narr_call_done_fn done;
    void *ctx;
    struct narr__frame *st;
    size_t depth, cap, ccap;
} narr_calls_t;

/* The same one event at a time, in file order (a trace visitor): each completed call goes to
 * done (when not NULL); keep says whether v collects them all. index numbers the event. */
void narr_calls_begin(narr_calls_t *c, int keep, narr_call_done_fn done, void *ctx);
int narr_calls_feed(narr_calls_t *c, narr_trace_t *t, const narr_tevent_t *e, size_t index);
void narr_calls_end(narr_calls_t *c); /* open frames count as unmatched enters */
/* The innermost call open on tid: its node in its root's subtree (root_fn), SIZE_MAX: none. */
size_t narr_calls_open_node(const narr_calls_t *c, uint32_t tid);
void narr_calls_free(narr_calls_t *c);

/* A duration in the unit that reads best: 840 ns, 2.310 us, 12.369 ms, 3.052 s (tree, stats,
 * diff, replay). Returns out. */
const char *narr_duration(char *out, size_t cap, uint64_t ns);
/* A trace visitor that feeds each event to the narr_calls_t in ctx (streaming commands); stops
 * the read when memory runs short. */
int narr_calls_visit(narr_trace_t *t, const narr_tevent_t *e, void *ctx);

/* The "incomplete: ..." line of a summary when events were lost (recording drops, damaged blocks
 * of the file) or damage was skipped; consequence says what that did to the figures. */
/* What became of calls without a matching exit (unwound, still open) and exits without an enter. */
void narr_calls_say_unmatched(const narr_calls_t *c, const char *prefix);
void narr_calls_say_incomplete(const narr_calls_t *c, const narr_trace_t *t, const char *consequence);
/* Whether fn was switched off by whole-project tracing's NARRATE_MIN_DURATION. */
int narr_calls_throttled(const narr_calls_t *c, const char *fn);

int narr_forest_build(const narr_calls_t *calls, narr_forest_t *f, narr_forest_by_t by);
/* Before feeding: build the per-thread forest (and the per-correlation one, when not NULL) as
 * calls complete. The forests start empty; free them with narr_forest_free. */
void narr_calls_stream_forests(narr_calls_t *c, narr_forest_t *by_thread, narr_forest_t *by_corr);
void narr_forest_free(narr_forest_t *f);
/* A node under parent (SIZE_MAX: a root) for fn, found or made (tid and fn_id are its keys);
 * SIZE_MAX when memory runs short. Then a call counted in it. */
size_t narr_forest_add(narr_forest_t *f, uint32_t tid, size_t parent, const char *fn, uint32_t fn_id);
void narr_forest_count(narr_forest_t *f, size_t node, const narr_call_t *call);

#endif /* NARR_TOOLS_CALLS_H */
