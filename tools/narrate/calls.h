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

#endif /* NARR_TOOLS_CALLS_H */
