/* Event timestamps agree with the clocks: an interval measured through events matches the
 * interval the test measured around them (across a recalibration), and wall-clock time is
 * within the test's own readings. Bounds come from the test's clock readings, not from speed. */
#include <time.h>

#include <narrate/narrate.h>

#include "check.h"

static uint64_t mono[3], real[3];
static int n;

static void stamp_sink(const narr_event_t *ev, void *user)
{
    (void)user;
    if (ev->kind == NARR_KIND_DROP || n == 3) return;
    mono[n] = ev->mono_ns;
    real[n] = ev->ts_ns;
    n++;
}

static uint64_t now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(void)
{
    narr_config_t cfg = {0};
    struct timespec pause = {0, 300000000}; /* longer than a calibration period */
    uint64_t before, mid_lo, mid_hi, after, real_before, real_after, slack;
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    CHECK(narr_sink_add(stamp_sink, NULL, NULL, NARR_LEVEL_TRACE) > 0);

    real_before = now(CLOCK_REALTIME);
    before = now(CLOCK_MONOTONIC);
    NARR_TRACE_TINY("clock", "a", "t", "first");
    mid_lo = now(CLOCK_MONOTONIC);
    nanosleep(&pause, NULL);
    mid_hi = now(CLOCK_MONOTONIC);
    NARR_TRACE_TINY("clock", "b", "t", "second");
    nanosleep(&pause, NULL);
    NARR_TRACE_TINY("clock", "c", "t", "third");
    after = now(CLOCK_MONOTONIC);
    real_after = now(CLOCK_REALTIME);
    CHECK_EQ_INT(narr_flush(), 0);
    CHECK_EQ_INT(n, 3);

    /* 0.5% of the span plus 1 ms: calibration error, not scheduling, decides these bounds */
    slack = (after - before) / 200 + 1000000;
    CHECK(mono[0] + slack >= before && mono[0] <= mid_lo + slack);
    CHECK(mono[1] + slack >= mid_hi && mono[1] <= after + slack);
    CHECK(mono[1] - mono[0] + slack >= mid_hi - mid_lo);
    CHECK(mono[2] - mono[0] <= after - before + slack);
    CHECK(mono[0] < mono[1] && mono[1] < mono[2]);
    CHECK(real[0] + slack >= real_before && real[2] <= real_after + slack);
    fprintf(stderr, "interval a->b: events %.3f ms, test %.3f..%.3f ms\n", (double)(mono[1] - mono[0]) / 1e6,
            (double)(mid_hi - mid_lo) / 1e6, (double)(after - before) / 1e6);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
