/* tools/narrate/calls.h - completed calls rebuilt from enter/exit events, per thread. */
#ifndef NARR_TOOLS_CALLS_H
#define NARR_TOOLS_CALLS_H

#include "reader.h"

typedef struct narr_call {
    const char *fn;
    uint32_t tid;
    uint64_t start, end;
    uint64_t self;    /* end - start minus the time of its traced callees */
    int error;
    int depth;
    size_t parent;    /* index in calls, or SIZE_MAX for a root */
    char *corr;       /* roots: the first correlation id recorded on the thread during the call */
    size_t enter;     /* index of its enter event in the trace's events */
} narr_call_t;

/* Every completed call, in order of completion; unmatched enters and exits are counted. */
typedef struct narr_calls {
    narr_call_t *v;
    size_t n;
    size_t unmatched_enter, unmatched_exit;
} narr_calls_t;

int narr_calls_build(narr_trace_t *t, narr_calls_t *out);
void narr_calls_free(narr_calls_t *c);

/* Calls with identical paths merged into trees: per thread, per correlation id (roots without
 * one are left out), or everything together (flame graphs). */
typedef enum narr_forest_by { NARR_FOREST_THREAD, NARR_FOREST_CORRELATION, NARR_FOREST_ALL } narr_forest_by_t;

typedef struct narr_node {
    const char *fn;
    uint32_t tid;     /* NARR_FOREST_THREAD only */
    const char *corr; /* NARR_FOREST_CORRELATION only */
    size_t parent;    /* SIZE_MAX: a root */
    int depth;
    uint64_t calls, total, self, errors; /* completed calls only */
} narr_node_t;

typedef struct narr_forest {
    narr_node_t *v;
    size_t n, cap;
} narr_forest_t;

int narr_forest_build(const narr_calls_t *calls, narr_forest_t *f, narr_forest_by_t by);
void narr_forest_free(narr_forest_t *f);

#endif /* NARR_TOOLS_CALLS_H */
