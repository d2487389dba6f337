/* Sampling on the consumer: trees left out by the ratio, kept when they fail or run slow or
 * carry a debug level, decided on the trace id; the buffer bound; the OTel variables.
 * usage: test_sample            the API
 *        test_sample env WANT   the environment decides (ctest sets it); WANT: trees kept of 8 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <narrate/capture.h>
#include <narrate/context.h>
#include <narrate/narrate.h>

#include "check.h"

static void tree(int i, int fail, int sleep_ms)
{
    NARR_TRACE_ENTER("sample", "handle", "tree %d", i);
    NARR_TRACE_TINY("sample", "step", "t", "inside %d", i);
    if (fail) NARR_ERROR("sample", "step", "t", "tree %d failed", i);
    if (sleep_ms) {
        struct timespec ts = {0, sleep_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    NARR_TRACE_EXIT("sample", "handle", "tree %d done", i);
}

/* A context whose trace id's low 56 bits are all `fill`. */
static narr_context_t ctx_with(uint8_t fill)
{
    narr_context_t c;
    CHECK_EQ_INT(narr_context_new(&c, "corr"), 0);
    memset(c.trace_id + 9, fill, 7);
    c.trace_id[0] = 1;
    return c;
}

static void api(void)
{
    narr_capture_t *cap = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    narr_sample_stats_t st;
    narr_context_t c;
    int i;

    /* ratio 0: only the failed and the slow trees, and what is outside any tree */
    CHECK_EQ_INT(narr_sample_set(0, 40000000u), 0);
    for (i = 0; i < 10; i++) {
        NARR_TRACE_TINY("sample", "between", "t", "between %d", i);
        tree(i, i == 3, i == 5 ? 60 : 0);
    }
    narr_flush();
    CHECK_EQ_INT(narr_capture_count_matching(cap, "sample", "between", NULL), 10);
    CHECK_EQ_INT(narr_capture_count_matching(cap, "sample", "handle", NULL), 4); /* trees 3 and 5 */
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tree 3 failed"), 1);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "inside 5"), 1);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "inside 4"), 0);
    narr_sample_stats_get(&st);
    CHECK_EQ_INT(st.trees_kept, 2);
    CHECK_EQ_INT(st.trees_dropped, 8);
    CHECK_EQ_INT(st.sampled_out, 8 * 3);
    {   /* a kept tree arrives whole and in order */
        long at = narr_capture_find(cap, 0, "sample", "handle", "tree 3");
        CHECK(at >= 0);
        if (at >= 0) {
            CHECK_CONTAINS(narr_capture_at(cap, (size_t)at + 1)->message, "inside 3");
            CHECK_CONTAINS(narr_capture_at(cap, (size_t)at + 2)->message, "tree 3 failed");
            CHECK_CONTAINS(narr_capture_at(cap, (size_t)at + 3)->message, "tree 3 done");
        }
    }
    narr_capture_end(cap);

    /* ratio 0.5 on the trace id: low bits 0 fall below the threshold, all ones pass */
    cap = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    CHECK_EQ_INT(narr_sample_set(0.5, UINT64_MAX), 0);
    c = ctx_with(0x00);
    narr_context_enter(&c);
    tree(100, 0, 0);
    narr_context_leave();
    c = ctx_with(0xff);
    narr_context_enter(&c);
    tree(101, 0, 0);
    narr_context_leave();
    c = ctx_with(0x00); /* below the ratio, but this request asked for debug */
    CHECK_EQ_INT(narr_context_set_debug_header(&c, "verbose"), 0);
    narr_context_enter(&c);
    tree(102, 0, 0);
    narr_context_leave();
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tree 100"), 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tree 101"), 2);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tree 102"), 2);
    /* new root contexts carry the head decision in their sampled flag */
    {
        int sampled = 0, n;
        for (n = 0; n < 2000; n++) {
            CHECK_EQ_INT(narr_context_new(&c, NULL), 0);
            sampled += c.flags & 1;
        }
        CHECK(sampled > 800 && sampled < 1200); /* binomial(2000, 0.5): 11 sigma either side */
    }
    narr_capture_end(cap);

    /* ratio 1: sampling off, everything passes straight through */
    cap = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    CHECK_EQ_INT(narr_sample_set(1, 0), 0);
    for (i = 0; i < 5; i++) tree(200 + i, 0, 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, "sample", "handle", NULL), 10);
    CHECK_EQ_INT(narr_sample_set(-0.1, 0), NARR_EINVAL);
    CHECK_EQ_INT(narr_sample_set(1.5, 0), NARR_EINVAL);
    narr_capture_end(cap);
}

/* NARRATE_SAMPLE_BUFFER=4096: a tree larger than that is kept whole, once, and counted. */
static void overflow(void)
{
    narr_capture_t *cap = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    narr_sample_stats_t before, after;
    int i;
    narr_sample_stats_get(&before);
    CHECK_EQ_INT(narr_sample_set(0, UINT64_MAX), 0);
    NARR_TRACE_ENTER("sample", "big", "big tree");
    for (i = 0; i < 300; i++) NARR_TRACE_TINY("sample", "step", "t", "big step %d", i);
    NARR_TRACE_EXIT("sample", "big", "big tree done");
    narr_flush();
    narr_sample_stats_get(&after);
    CHECK_EQ_INT(narr_capture_count_matching(cap, "sample", "step", "big step"), 300);
    CHECK_EQ_INT(narr_capture_count_matching(cap, "sample", "big", NULL), 2);
    CHECK_EQ_INT(after.trees_overflowed - before.trees_overflowed, 1);
    CHECK_EQ_INT(after.trees_kept - before.trees_kept, 1);
    narr_capture_end(cap);
}

int main(int argc, char **argv)
{
    narr_config_t cfg = {0};
    cfg.outputs = "none";
    if (argc == 3 && strcmp(argv[1], "env") == 0) {
        /* the environment (OTEL_TRACES_SAMPLER...) decides; 8 trees, none failing or slow */
        narr_capture_t *cap;
        narr_context_t c;
        int i;
        CHECK_EQ_INT(narr_init(&cfg), 0);
        cap = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
        for (i = 0; i < 8; i++) {
            c = ctx_with(i < 4 ? 0x00 : 0xff); /* half below any ratio, half above */
            c.flags = (uint8_t)(i % 2);        /* parent said: odd ones sampled */
            narr_context_enter(&c);
            tree(i, 0, 0);
            narr_context_leave();
        }
        CHECK_EQ_INT(narr_capture_count_matching(cap, "sample", "handle", NULL), 2 * atoi(argv[2]));
        narr_capture_end(cap);
        CHECK_EQ_INT(narr_shutdown(), 0);
        return CHECK_DONE();
    }
    setenv("NARRATE_SAMPLE_BUFFER", "4096", 1);
    CHECK_EQ_INT(narr_init(&cfg), 0);
    api();
    overflow();
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
