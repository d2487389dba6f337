/* tools/narrate/reader.h - loads a binary trace (runtime/trace_format.h) into memory: sites,
 * calibration, events of every thread merged by time, drops; damage stops the load and is
 * reported with what was recovered. */
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
} narr_tevent_t;

typedef struct narr_trace {
    unsigned char *image;
    size_t size;
    char program[256];
    narr_site_t **sites; /* by id */
    size_t nsites;
    narr_tevent_t *events;
    size_t nevents;
    int64_t real_minus_mono; /* from the first calibration */
    int sorted;              /* events in global time order (else: in order per thread only) */
    /* integrity */
    size_t blocks, bytes_ok;
    int damaged;
    char damage[256];
    uint64_t dropped, unknown_sites;
    /* decoding scratch */
    narr__decoded_t dec;
    narr__buf_t payload;
} narr_trace_t;

/* Loads path; NULL with a message in err when the file cannot be used at all. A damaged file
 * loads what precedes the damage and sets damaged/damage. */
narr_trace_t *narr_trace_load(const char *path, char *err, size_t errlen);
/* Called now and then while a load takes longer than a second (done and total bytes; done ==
 * total at the end). NULL: no progress. */
extern void (*narr_trace_progress)(size_t done, size_t total);
extern uint64_t narr_trace_progress_after_ns; /* default one second */

/* The same from memory; takes ownership of image (malloc'd, size bytes). */
narr_trace_t *narr_trace_parse(unsigned char *image, size_t size, char *err, size_t errlen);
void narr_trace_free(narr_trace_t *t);
/* Events come in file order, which is time order within each thread (enough for call trees and
 * statistics); this puts them in global time order, for cat and export. */
void narr_trace_sort(narr_trace_t *t);
/* The event decoded as the live sinks saw it; NULL for drops and unknown sites. */
const narr_event_t *narr_trace_decode(narr_trace_t *t, const narr_tevent_t *e);

#endif /* NARR_TOOLS_READER_H */
