/* Per-request debug level: with NARRATE_LOG=info, a context with a debug level records its
 * trace and debug events, on its own thread and where it is handed over, and nowhere else. */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include <narrate/capture.h>
#include <narrate/context.h>
#include <narrate/narrate.h>

#include "check.h"

static void work(const char *who)
{
    NARR_TRACE_TINY("debugtest", "tiny", "t", "tiny %s", who);
    NARR_DEBUG("debugtest", "dbg", "t", "debug %s", who);
    NARR_INFO("debugtest", "info", "t", "info %s", who);
    NARR_NARRATE(NARR_LEVEL_DEBUG, .actor = "debugtest", .action = "narrate", .human = NARR_FMT("narrated %s", who));
}

static narr_context_t handed;
static volatile int stop_bystander, bystander_ran;

/* Another thread, never in the boosted context, working the whole time. */
static void *bystander(void *arg)
{
    (void)arg;
    do {
        work("bystander");
        __atomic_store_n(&bystander_ran, 1, __ATOMIC_RELEASE);
    } while (!__atomic_load_n(&stop_bystander, __ATOMIC_ACQUIRE));
    return NULL;
}

/* A worker that enters the request's context it was handed. */
static void *worker(void *arg)
{
    (void)arg;
    narr_context_enter(&handed);
    work("worker");
    narr_context_leave();
    work("worker-after");
    return NULL;
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_capture_t *cap;
    narr_context_t c;
    pthread_t by, wk;
    cfg.outputs = "none";
    cfg.filter = "info";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    cap = narr_capture_begin(NARR_CAPTURE_ALL);
    CHECK_EQ_INT(pthread_create(&by, NULL, bystander, NULL), 0);
    while (!__atomic_load_n(&bystander_ran, __ATOMIC_ACQUIRE)) sched_yield(); /* it works throughout */

    work("before");
    CHECK_EQ_INT(narr_context_new(&c, "req-debug"), 0);
    CHECK_EQ_INT(narr_context_set_debug_header(&c, "nonsense"), NARR_EINVAL);
    CHECK_EQ_INT(narr_context_set_debug_header(&c, "verbose"), 0);
    CHECK_EQ_INT(c.debug, NARR_LEVEL_TRACE + 1);
    CHECK_EQ_INT(narr_context_enter(&c), 0);
    work("boosted");
    handed = c;
    CHECK_EQ_INT(pthread_create(&wk, NULL, worker, NULL), 0);
    pthread_join(wk, NULL);
    CHECK_EQ_INT(narr_context_leave(), 0);
    work("after");

    /* debug level: trace stays out, debug comes in */
    CHECK_EQ_INT(narr_context_set_debug_header(&c, "debug"), 0);
    narr_context_enter(&c);
    work("debug-only");
    narr_context_leave();
    /* a child context inherits it; clearing it ends it */
    {
        narr_context_t child;
        CHECK_EQ_INT(narr_context_child(&c, &child), 0);
        narr_context_enter(&child);
        work("child");
        narr_context_leave();
        CHECK_EQ_INT(narr_context_set_debug(&child, NARR_LEVEL_OFF), 0);
        narr_context_enter(&child);
        work("cleared");
        narr_context_leave();
    }
    __atomic_store_n(&stop_bystander, 1, __ATOMIC_RELEASE);
    pthread_join(by, NULL);
    narr_flush();

    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tiny before"), 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "debug before"), 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "info before"), 1);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tiny boosted"), 1);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "debug boosted"), 1);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "narrated boosted"), 1);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tiny worker"), 1);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "debug worker"), 1);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tiny worker-after"), 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tiny after"), 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "debug after"), 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tiny debug-only"), 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "debug debug-only"), 1);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "debug child"), 1);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "debug cleared"), 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "tiny bystander"), 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "debug bystander"), 0);
    CHECK_EQ_INT(narr_capture_count_matching(cap, NULL, NULL, "narrated bystander"), 0);
    CHECK(narr_capture_count_matching(cap, NULL, NULL, "info bystander") > 0);
    narr_capture_end(cap);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
