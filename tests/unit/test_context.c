/* Correlation: UUID v4/v7 and validation, W3C traceparent, and contexts handed to worker
 * threads explicitly, without one thread's context leaking into another's. */
#include <pthread.h>

#include <narrate/capture.h>
#include <narrate/context.h>
#include <narrate/narrate.h>

#include "check.h"

#define WORKERS 8

static narr_capture_t *all;
static narr_context_t handed[WORKERS];
static int leaked;

static void *worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    narr_context_t none;
    if (narr_context_current(&none) == 0) leaked++; /* a new thread starts with no context */
    narr_context_enter(&handed[i]);
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "worker", .action = "run", .human = NARR_FMT("worker %d", i));
    narr_context_leave();
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "worker", .action = "after", .human = NARR_FMT("worker %d done", i));
    return NULL;
}

int main(void)
{
    char id[NARR_UUID_LEN + 1], tp[NARR_TRACEPARENT_LEN + 1], prev[NARR_UUID_LEN + 1] = "";
    narr_context_t a, b, parsed;
    narr_config_t cfg = {0};
    pthread_t t[WORKERS];
    int i;

    for (i = 0; i < 100; i++) {
        CHECK_EQ_INT(narr_uuid_v4(id), 0);
        CHECK_EQ_INT(narr_uuid_validate(id, 4), 0);
        CHECK_EQ_INT(narr_uuid_validate(id, 7), NARR_EINVAL);
        CHECK_EQ_INT(narr_uuid_v7(id), 0);
        CHECK_EQ_INT(narr_uuid_validate(id, 7), 0);
        CHECK_EQ_INT(narr_uuid_validate(id, 0), 0);
        CHECK(strncmp(prev, id, 8) <= 0); /* v7 starts with the time: ordered at millisecond grain */
        strcpy(prev, id);
    }
    CHECK_EQ_INT(narr_uuid_validate("550e8400-e29b-41d4-a716-446655440000", 4), 0);
    CHECK_EQ_INT(narr_uuid_validate("550e8400e29b41d4a716446655440000", 0), NARR_EINVAL);
    CHECK_EQ_INT(narr_uuid_validate("550e8400-e29b-41d4-c716-446655440000", 0), NARR_EINVAL); /* variant */
    CHECK_EQ_INT(narr_uuid_validate("550e8400-e29b-41d4-a716-44665544000g", 0), NARR_EINVAL);
    CHECK_EQ_INT(narr_uuid_validate(NULL, 0), NARR_EINVAL);

    /* traceparent: the W3C example round-trips; malformed ones are refused */
    CHECK_EQ_INT(narr_traceparent_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &parsed), 0);
    CHECK_EQ_INT(parsed.flags, 1);
    CHECK_EQ_INT(parsed.trace_id[0], 0x4b);
    CHECK_EQ_INT(parsed.span_id[7], 0xb7);
    CHECK_EQ_INT(narr_traceparent_format(&parsed, tp), 0);
    CHECK_EQ_STR(tp, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    CHECK_EQ_INT(narr_traceparent_parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01", &parsed), NARR_EINVAL);
    CHECK_EQ_INT(narr_traceparent_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", &parsed), NARR_EINVAL);
    CHECK_EQ_INT(narr_traceparent_parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", &parsed), NARR_EINVAL);
    CHECK_EQ_INT(narr_traceparent_parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &parsed), NARR_EINVAL);
    CHECK_EQ_INT(narr_traceparent_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", &parsed), NARR_EINVAL);
    CHECK_EQ_INT(narr_traceparent_parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", &parsed), 0);
    CHECK_EQ_INT(narr_traceparent_parse("00-4bf92f35", &parsed), NARR_EINVAL);

    /* contexts: a child keeps trace and correlation, changes the span */
    CHECK_EQ_INT(narr_context_new(&a, NULL), 0);
    CHECK_EQ_INT(narr_uuid_validate(a.correlation_id, 7), 0);
    CHECK_EQ_INT(narr_context_child(&a, &b), 0);
    CHECK(memcmp(a.trace_id, b.trace_id, 16) == 0);
    CHECK(memcmp(a.span_id, b.span_id, 8) != 0);
    CHECK_EQ_STR(a.correlation_id, b.correlation_id);

    /* hand-off: each worker enters the context it was given, and only that one */
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    all = narr_capture_begin(NARR_CAPTURE_ALL);
    for (i = 0; i < WORKERS; i++) {
        char corr[32];
        snprintf(corr, sizeof corr, "req-%d", i);
        CHECK_EQ_INT(narr_context_new(&handed[i], corr), 0);
        pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    }
    for (i = 0; i < WORKERS; i++) pthread_join(t[i], NULL);
    CHECK_EQ_INT(leaked, 0);
    for (i = 0; i < WORKERS; i++) {
        char msg[32], corr[32];
        long at;
        snprintf(msg, sizeof msg, "worker %d", i);
        snprintf(corr, sizeof corr, "req-%d", i);
        at = narr_capture_find(all, 0, "worker", "run", msg);
        CHECK(at >= 0);
        if (at >= 0) CHECK_EQ_STR(narr_capture_at(all, (size_t)at)->correlation_id, corr);
    }
    CHECK_EQ_INT(narr_capture_count_field(all, "correlation_id", NULL), WORKERS); /* "after" events have none */
    CHECK_EQ_INT(narr_capture_count_matching(all, "worker", "after", NULL), WORKERS);
    narr_capture_end(all);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
