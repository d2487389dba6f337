/* NARRATE_LOG parsing and matching: default level, actor and function directives, precedence,
 * bare names, errors. */
#include <narrate/capture.h>
#include <narrate/narrate.h>

#include "check.h"

static void dispatch_job(void)
{
    NARR_TRACE_TINY("orchestratord", "dispatch", "j", "inside dispatch_job");
}

static void other_fn(void)
{
    NARR_TRACE_TINY("orchestratord", "other", "j", "inside other_fn");
    NARR_INFO("worker", "run", "w", "worker info");
    NARR_TRACE_TINY("worker", "run", "w", "worker trace");
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_capture_t *c;
    cfg.outputs = "none";
    cfg.filter = "info,orchestratord=trace,dispatch_job=off";
    CHECK_EQ_INT(narr_init(&cfg), 0);

    CHECK_EQ_INT(narr_filter_level("orchestratord", "x"), NARR_LEVEL_TRACE);
    CHECK_EQ_INT(narr_filter_level("orchestratord", "dispatch_job"), NARR_LEVEL_OFF);
    CHECK_EQ_INT(narr_filter_level("worker", "x"), NARR_LEVEL_INFO);

    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    dispatch_job();
    other_fn();
    CHECK(NARR_CAPTURE_EXPECT(c, NULL, NULL, "inside dispatch_job", 0)); /* function says off */
    CHECK(NARR_CAPTURE_EXPECT(c, NULL, NULL, "inside other_fn", 1));     /* actor says trace */
    CHECK(NARR_CAPTURE_EXPECT(c, "worker", NULL, "worker info", 1));     /* default info */
    CHECK(NARR_CAPTURE_EXPECT(c, "worker", NULL, "worker trace", 0));
    narr_capture_end(c);

    /* changing the filter re-resolves the same sites */
    CHECK_EQ_INT(narr_filter_set(" WARN , dispatch_job = Trace "), 0);
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    dispatch_job();
    other_fn();
    CHECK_EQ_INT(narr_capture_count(c), 1);
    CHECK_EQ_STR(narr_capture_at(c, 0)->message, "inside dispatch_job");
    narr_capture_end(c);

    /* a bare name means trace for it; "off" silences everything else */
    CHECK_EQ_INT(narr_filter_set("off,worker"), 0);
    CHECK_EQ_INT(narr_filter_level("worker", "f"), NARR_LEVEL_TRACE);
    CHECK_EQ_INT(narr_filter_level("orchestratord", "f"), NARR_LEVEL_OFF);

    /* a bad directive is reported and left out; the good ones around it apply */
    fprintf(stderr, "(four filter errors are expected next)\n");
    CHECK_EQ_INT(narr_filter_set("info,,shop=loud,worker=debug"), NARR_EINVAL);
    CHECK_EQ_INT(narr_filter_level("worker", "f"), NARR_LEVEL_DEBUG);
    CHECK_EQ_INT(narr_filter_level("shop", "f"), NARR_LEVEL_INFO);
    CHECK_EQ_INT(narr_filter_set("=info"), NARR_EINVAL);
    CHECK_EQ_INT(narr_filter_level("worker", "f"), NARR_LEVEL_TRACE);
    CHECK_EQ_INT(narr_filter_set("warn,garbage!!"), NARR_EINVAL); /* not a name: left out */
    CHECK_EQ_INT(narr_filter_level("garbage!!", "f"), NARR_LEVEL_WARN);
    CHECK_EQ_INT(narr_filter_set("warn,x=,y=info"), NARR_EINVAL);
    CHECK_EQ_INT(narr_filter_level("y", "f"), NARR_LEVEL_INFO);
    CHECK_EQ_INT(narr_filter_level("x", "f"), NARR_LEVEL_WARN);

    CHECK_EQ_STR(narr_strerror(NARR_EINVAL), "invalid argument");
    CHECK_EQ_STR(narr_level_name(NARR_LEVEL_WARN), "WARN");
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
