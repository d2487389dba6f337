/* A translation unit built at NARRATE_LEVEL=INFO: TRACE and DEBUG sites do not exist (their
 * arguments are never evaluated), INFO and above record. */
#define NARRATE_LEVEL INFO
#include <narrate/capture.h>
#include <narrate/narrate.h>

#include "check.h"

static int evaluated;
static int touch(void)
{
    return ++evaluated;
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_capture_t *c;
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    CHECK_EQ_INT(NARR_BUILD_LEVEL, NARR_LEVEL_INFO);
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);

    NARR_TRACE_TINY("lv", "tiny", "t", "%d", touch());
    NARR_TRACE_CORR("lv", "corr", "t", "c", "%d", touch());
    NARR_TRACE_ENTER("lv", "f", "%d", touch());
    NARR_TRACE_EXIT("lv", "f", "%d", touch());
    NARR_TRACE_LOOP("lv", "loop", touch(), 2, "%d", touch());
    NARR_TRACE_STATE("lv", "k", touch(), 2, "%d", touch());
    NARR_DEBUG("lv", "debug", "t", "%d", touch());
    CHECK_EQ_INT(evaluated, 0);
    CHECK_EQ_INT(narr_capture_count(c), 0);

    NARR_INFO("lv", "info", "t", "%d", touch());
    NARR_WARN("lv", "warn", "t", "%d", touch());
    NARR_ERROR("lv", "error", "t", "%d", touch());
    NARR_FATAL("lv", "fatal", "t", "%d", touch());
    CHECK_EQ_INT(evaluated, 4);
    CHECK_EQ_INT(narr_capture_count(c), 4);
    CHECK_EQ_STR(narr_capture_at(c, 0)->action, "info");
    CHECK_EQ_STR(narr_capture_at(c, 3)->action, "fatal");
    CHECK_EQ_INT(narr_capture_count_matching(c, "lv", "debug", NULL), 0);
    narr_capture_end(c);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
