/* tests/fuzz/fuzz_reader.c - libFuzzer target: any bytes through the trace reader and every
 * command's path (decode each event, rebuild calls; and the streamed read of stats and check).
 * Must never crash, leak or read out of bounds; damaged input is reported, not trusted. */
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void count_call(const narr_call_t *c, void *ctx)
{
    *(size_t *)ctx += c->end != UINT64_MAX;
}

static int feed(narr_trace_t *t, const narr_tevent_t *e, void *ctx)
{
    return narr_calls_feed(ctx, t, e, t->seen - 1);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[256];
    unsigned char *image = malloc(size + 1);
    narr_trace_t *t;
    narr_calls_t calls;
    size_t i, done = 0;
    if (image == NULL) return 0;
    memcpy(image, data, size);
    t = narr_trace_parse(image, size, err, sizeof err);
    if (t == NULL) return 0;
    narr_trace_sort(t);
    for (i = 0; i < t->nevents; i++) (void)narr_trace_decode(t, &t->events[i]);
    if (narr_calls_build(t, &calls) == 0) narr_calls_free(&calls);
    narr_trace_free(t);

    if ((image = malloc(size + 1)) == NULL) return 0;
    memcpy(image, data, size);
    narr_calls_begin(&calls, 0, count_call, &done);
    t = narr_trace_parse_visit(image, size, feed, &calls, err, sizeof err);
    narr_calls_end(&calls);
    narr_calls_free(&calls);
    narr_trace_free(t);
    return 0;
}
