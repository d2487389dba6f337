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
    for (i = 0; i < t->nevents; i++) (void)narr_trace_decode(t, &t->events[i]);
    narr_trace_free(t);

    /* time order, merged (cat, replay, exports): twice, as the chrome export reads it */
    if ((image = malloc(size + 1)) == NULL) return 0;
    memcpy(image, data, size);
    if ((t = narr_trace_parse_open(image, size, err, sizeof err)) != NULL) {
        int pass;
        for (pass = 0; pass < 2; pass++) {
            const narr_tevent_t *e;
            narr_calls_begin(&calls, 0, count_call, &done);
            calls.keep_enters = 1;
            for (i = 0; (e = narr_trace_next(t)) != NULL; i++) {
                (void)narr_trace_decode(t, e);
                if (narr_calls_feed(&calls, t, e, i) != 0) break;
            }
            narr_calls_end(&calls);
            narr_calls_free(&calls);
            narr_trace_rewind(t);
        }
        narr_trace_free(t);
    }

    if ((image = malloc(size + 1)) == NULL) return 0;
    memcpy(image, data, size);
    narr_calls_begin(&calls, 0, count_call, &done);
    t = narr_trace_parse_visit(image, size, feed, &calls, err, sizeof err);
    narr_calls_end(&calls);
    narr_calls_free(&calls);
    narr_trace_free(t);
    return 0;
}
