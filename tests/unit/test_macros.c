/* Every public macro through the capture sink: level, kind, target, key/values, message. */
#include <narrate/capture.h>
#include <narrate/narrate.h>
#include <narrate/short.h>

#include "check.h"

static int evaluated;
static int side_effect(void)
{
    return ++evaluated;
}

/* One site, so a filter change must re-resolve it. */
static void quiet_site(void)
{
    NARR_TRACE_TINY("quiet", "tick", "t", "%d", side_effect());
}

/* An argument that records an event of its own while the outer one is being built. */
static int nested(int v)
{
    NARR_TRACE_TINY("nest", "inner", "t", "inner %d", v);
    return v * 10;
}

static const narr_captured_t *only(narr_capture_t *c)
{
    CHECK_EQ_INT(narr_capture_count(c), 1);
    return narr_capture_at(c, 0);
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_capture_t *c;
    const narr_captured_t *e;
    const char *job = "job-123";
    char pool[16] = "default";
    int i;

    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);

    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_TRACE_TINY("orchestratord", "accept", job, "accepted %s in %d ms", job, 12);
    e = only(c);
    CHECK_EQ_INT(e->level, NARR_LEVEL_TRACE);
    CHECK_EQ_INT(e->kind, NARR_KIND_TINY);
    CHECK_EQ_STR(e->actor, "orchestratord");
    CHECK_EQ_STR(e->action, "accept");
    CHECK_EQ_STR(e->target, "job-123");
    CHECK_EQ_STR(e->message, "accepted job-123 in 12 ms");
    CHECK_CONTAINS(e->file, "test_macros.c");
    narr_capture_end(c);

    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_TRACE_CORR("orchestratord", "dispatch", pool, "req-7f3a", "pool %s has %u slots", pool, 4u);
    e = only(c);
    CHECK_EQ_INT(e->kind, NARR_KIND_CORR);
    CHECK_EQ_STR(e->target, "default");
    CHECK_EQ_STR(e->correlation_id, "req-7f3a");
    CHECK_EQ_STR(e->message, "pool default has 4 slots");
    narr_capture_end(c);

    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_TRACE_ENTER("orchestratord", "dispatch_job", "job_id=%s", job);
    NARR_TRACE_EXIT("orchestratord", "dispatch_job", "-> %s (%dms)", "worker-gpu0", 15);
    CHECK_EQ_INT(narr_capture_count(c), 2);
    e = narr_capture_at(c, 0);
    CHECK_EQ_INT(e->kind, NARR_KIND_ENTER);
    CHECK_EQ_STR(e->action, "dispatch_job");
    CHECK_EQ_STR(e->kv, "phase=\"enter\"");
    CHECK_EQ_STR(e->message, "job_id=job-123");
    e = narr_capture_at(c, 1);
    CHECK_EQ_INT(e->kind, NARR_KIND_EXIT);
    CHECK_EQ_STR(e->kv, "phase=\"exit\"");
    CHECK_EQ_STR(e->message, "-> worker-gpu0 (15ms)");
    narr_capture_end(c);

    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    for (i = 0; i < 3; i++) NARR_TRACE_LOOP("orchestratord", "select_worker", i, 3, "load=%d/8", i * 2);
    CHECK_EQ_INT(narr_capture_count(c), 3);
    CHECK_EQ_STR(narr_capture_at(c, 2)->kv, "iter=\"2/3\"");
    CHECK_EQ_STR(narr_capture_at(c, 2)->message, "load=4/8");
    narr_capture_end(c);

    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_TRACE_STATE("orchestratord", "queue_depth", 5, 6, "Queue depth changed: %d -> %d (added %s)", 5, 6, job);
    e = only(c);
    CHECK_EQ_INT(e->kind, NARR_KIND_STATE);
    CHECK_EQ_STR(e->action, "state_change");
    CHECK_EQ_STR(e->kv, "key=\"queue_depth\" from=\"5\" to=\"6\"");
    CHECK_EQ_STR(e->message, "Queue depth changed: 5 -> 6 (added job-123)");
    narr_capture_end(c);

    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_DEBUG("pool", "scan", "gpu0", "debug %d", 1);
    NARR_INFO("pool", "scan", "gpu0", "info %d", 2);
    NARR_WARN("pool", "scan", "gpu0", "warn %d", 3);
    NARR_ERROR("pool", "scan", "gpu0", "error %d", 4);
    NARR_FATAL("pool", "scan", "gpu0", "fatal %d", 5);
    CHECK_EQ_INT(narr_capture_count(c), 5);
    for (i = 0; i < 5; i++) {
        CHECK_EQ_INT(narr_capture_at(c, (size_t)i)->level, NARR_LEVEL_DEBUG + i);
        CHECK_EQ_INT(narr_capture_at(c, (size_t)i)->kind, NARR_KIND_LOG);
    }
    CHECK_EQ_STR(narr_capture_at(c, 3)->message, "error 4");
    narr_capture_end(c);

    /* short names are the same macros */
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    TRACE_TINY("a", "b", "t", "short %d", 1);
    TRACE_CORR("a", "b", "t", "cid", "short %d", 2);
    TRACE_ENTER("a", "f", "in");
    TRACE_EXIT("a", "f", "out");
    TRACE_LOOP("a", "b", 0, 1, "loop");
    TRACE_STATE("a", "k", 1, 2, "state");
    CHECK_EQ_INT(narr_capture_count(c), 6);
    narr_capture_end(c);

    /* a site disabled at run time records nothing and evaluates nothing */
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    CHECK_EQ_INT(narr_filter_set("info"), 0);
    evaluated = 0;
    quiet_site();
    CHECK_EQ_INT(evaluated, 0);
    NARR_INFO("quiet", "tick", "t", "%d", side_effect());
    CHECK_EQ_INT(evaluated, 1);
    CHECK_EQ_INT(narr_capture_count(c), 1);
    CHECK_EQ_INT(narr_filter_set(""), 0);
    quiet_site(); /* the same site, re-resolved by the filter change */
    CHECK_EQ_INT(evaluated, 2);
    CHECK_EQ_INT(narr_capture_count(c), 2);
    narr_capture_end(c);

    /* strings: NULL, truncation at NARR_STR_MAX, a stack buffer reused after the call */
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    {
        static char big[5000];
        char buf[8] = "first";
        memset(big, 'x', sizeof big - 1);
        NARR_TRACE_TINY("s", "null", (const char *)NULL, "%s", (char *)NULL);
        NARR_TRACE_TINY("s", "big", "t", "%s", big);
        NARR_TRACE_TINY("s", "buf", buf, "%s", buf);
        strcpy(buf, "second");
        CHECK_EQ_STR(narr_capture_at(c, 0)->target, "(null)");
        CHECK_EQ_STR(narr_capture_at(c, 0)->message, "(null)");
        CHECK_EQ_INT(narr_capture_at(c, 1)->message_len, NARR_STR_MAX + strlen("...[truncated]"));
        CHECK_CONTAINS(narr_capture_at(c, 1)->message, "x...[truncated]");
        CHECK_EQ_STR(narr_capture_at(c, 2)->message, "first");
        CHECK_EQ_STR(narr_capture_at(c, 2)->target, "first");
    }
    narr_capture_end(c);

    /* an argument that records an event: both arrive whole, the inner one first */
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_INFO("nest", "outer", job, "outer %d %s %d", nested(1), job, nested(2));
    CHECK_EQ_INT(narr_capture_count(c), 3);
    CHECK_EQ_STR(narr_capture_at(c, 0)->message, "inner 1");
    CHECK_EQ_STR(narr_capture_at(c, 1)->message, "inner 2");
    CHECK_EQ_STR(narr_capture_at(c, 2)->message, "outer 10 job-123 20");
    CHECK_EQ_STR(narr_capture_at(c, 2)->target, "job-123");
    narr_capture_end(c);

    /* the expectation helpers */
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_INFO("svc", "start", "x", "one");
    NARR_INFO("svc", "stop", "x", "two");
    {
        const char *order[] = {"one", "two"};
        const char *wrong[] = {"two", "one"};
        CHECK(NARR_CAPTURE_EXPECT(c, "svc", "start", "one", 1));
        CHECK(NARR_CAPTURE_EXPECT_NONE(c, "svc", "crash", NULL));
        CHECK(narr_capture_expect_order(c, __FILE__, __LINE__, order, 2));
        fprintf(stderr, "(the next failure report is expected)\n");
        CHECK(!narr_capture_expect_order(c, __FILE__, __LINE__, wrong, 2));
    }
    narr_capture_end(c);

    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
