/* NARR_NARRATE: every field through the console and JSON lines, modes per sink, length rules,
 * MUTE, FATAL's flush-then-hook, extras without a cap, ids from the current context. */
#include <stdlib.h>
#include <unistd.h>

#include <narrate/capture.h>
#include <narrate/context.h>
#include <narrate/narrate.h>

#include "check.h"
#include "json_check.h"

static char *slurp_fd(int fd)
{
    static char buf[1 << 16];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static int hook_calls, hook_saw_event;
static narr_capture_t *fatal_capture;
static void fatal_hook(void)
{
    hook_calls++;
    /* the hook runs after the flush: the FATAL event is already in the sinks */
    hook_saw_event = (int)narr_capture_count_matching(fatal_capture, "svc", "crash", "going down");
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_capture_t *c;
    const narr_captured_t *e;
    int pipefd[2], cute_sink, json_fd;
    char path[] = "/tmp/narr_test_narration_XXXXXX", *out;
    narr_context_t ctx, got;
    char long_text[300], big_key[64][16], big_val[64][16];
    narr_extra_t extras[65];
    size_t i;

    cfg.outputs = "none";
    cfg.program = "orchestratord@0.3.1";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    json_fd = mkstemp(path);
    close(json_fd);
    CHECK(narr_sink_jsonl_add(path, NARR_LEVEL_TRACE) > 0);
    CHECK_EQ_INT(pipe(pipefd), 0);
    cute_sink = narr_sink_console_add(pipefd[1], NARR_COLOR_NEVER, NARR_LEVEL_TRACE);
    CHECK_EQ_INT(narr_sink_set_mode(cute_sink, NARR_MODE_CUTE), 0);

    /* every field */
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "orchestratord", .action = "dispatch", .target = "job-7",
                 .human = NARR_FMT("Dispatched %s to %s", "job-7", "worker-gpu0"),
                 .cute = NARR_FMT("Off you go, %s!", "job-7"), .story = NARR_FMT("And so %s set out.", "job-7"),
                 .correlation_id = "req-1", .session_id = "s-1", .job_id = "job-7", .task_id = "t-1",
                 .pool_id = "default", .replica_id = "r1", .worker_id = "worker-gpu0", .error_kind = "none",
                 .retry_after_ms = NARR_V(10), .backoff_ms = NARR_V(20), .duration_ms = NARR_V(30),
                 .queue_position = NARR_V(0), .predicted_start_ms = NARR_V(40), .engine = "llamacpp",
                 .engine_version = "b1234", .model_ref = "hf:meta/llama", .device = "GPU0", .tokens_in = NARR_V(64),
                 .tokens_out = NARR_V(128), .decode_time_ms = NARR_V(77),
                 .extra = NARR_EXTRA({"region", "eu-1"}, {"shard", "3"}));
    e = narr_capture_at(c, 0);
    CHECK(e != NULL);
    if (e != NULL) {
        static const char *const want[][2] = {
            {"target", "job-7"}, {"correlation_id", "req-1"}, {"session_id", "s-1"}, {"job_id", "job-7"},
            {"task_id", "t-1"}, {"pool_id", "default"}, {"replica_id", "r1"}, {"worker_id", "worker-gpu0"},
            {"error_kind", "none"}, {"retry_after_ms", "10"}, {"backoff_ms", "20"}, {"duration_ms", "30"},
            {"queue_position", "0"}, {"predicted_start_ms", "40"}, {"engine", "llamacpp"},
            {"engine_version", "b1234"}, {"model_ref", "hf:meta/llama"}, {"device", "GPU0"}, {"tokens_in", "64"},
            {"tokens_out", "128"}, {"decode_time_ms", "77"}, {"region", "eu-1"}, {"shard", "3"}};
        for (i = 0; i < sizeof want / sizeof want[0]; i++) CHECK_EQ_STR(narr_captured_field(e, want[i][0]), want[i][1]);
        CHECK_EQ_INT(e->level, NARR_LEVEL_INFO);
        CHECK_EQ_INT(e->kind, NARR_KIND_NARRATE);
        CHECK_EQ_STR(e->actor, "orchestratord");
        CHECK_EQ_STR(e->action, "dispatch");
        CHECK_EQ_STR(e->message, "Dispatched job-7 to worker-gpu0");
        CHECK_EQ_STR(e->cute, "Off you go, job-7!");
        CHECK_EQ_STR(e->story, "And so job-7 set out.");
        CHECK(narr_captured_field(e, "unset_thing") == NULL);
    }
    narr_capture_end(c);
    CHECK_EQ_INT(narr_flush(), 0);
    out = slurp_fd(pipefd[0]);
    CHECK_CONTAINS(out, "INFO orchestratord dispatch target=\"job-7\" correlation_id=\"req-1\" session_id=\"s-1\"");
    CHECK_CONTAINS(out, "tokens_out=\"128\" decode_time_ms=\"77\" region=\"eu-1\" shard=\"3\" \"Off you go, job-7!\"\n");

    /* mode fallback: no cute text, the cute console shows human */
    NARR_NARRATE(NARR_LEVEL_WARN, .actor = "svc", .action = "plain", .human = NARR_FMT("only human"));
    CHECK_EQ_INT(narr_flush(), 0);
    CHECK_EQ_STR(slurp_fd(pipefd[0]), "WARN svc plain \"only human\"\n");

    /* lengths: human 100, cute 150, story 200 code points, the cut marked */
    memset(long_text, 'h', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "svc", .action = "long", .human = NARR_FMT("%s", long_text),
                 .cute = NARR_FMT("%s", long_text), .story = NARR_FMT("%s", long_text));
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "svc", .action = "utf8",
                 .human = NARR_FMT("%s%s", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                                   long_text));
    e = narr_capture_at(c, 0);
    CHECK_EQ_INT(strlen(e->message), 100);
    CHECK_EQ_INT(strlen(e->cute), 150);
    CHECK_EQ_INT(strlen(e->story), 200);
    CHECK_CONTAINS(e->message, "hhh...[truncated]");
    e = narr_capture_at(c, 1);
    CHECK_EQ_INT(strlen(e->message), 110); /* 100 code points, 10 of them two bytes */
    narr_capture_end(c);

    /* MUTE and below-filter levels reach nothing */
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_NARRATE(NARR_LEVEL_MUTE, .actor = "svc", .action = "muted", .human = NARR_FMT("never"));
    CHECK_EQ_INT(narr_filter_set("info,chatty=error"), 0);
    NARR_NARRATE(NARR_LEVEL_WARN, .actor = "chatty", .action = "talk", .human = NARR_FMT("filtered by actor"));
    NARR_NARRATE(NARR_LEVEL_ERROR, .actor = "chatty", .action = "talk", .human = NARR_FMT("passes"));
    CHECK_EQ_INT(narr_filter_set(""), 0);
    CHECK_EQ_INT(narr_capture_count(c), 1);
    CHECK_EQ_STR(narr_capture_at(c, 0)->message, "passes");
    narr_capture_end(c);

    /* no cap on extras */
    for (i = 0; i < 64; i++) {
        snprintf(big_key[i], sizeof big_key[i], "k%zu", i);
        snprintf(big_val[i], sizeof big_val[i], "v%zu", i);
        extras[i].key = big_key[i];
        extras[i].value = big_val[i];
    }
    extras[64].key = NULL;
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "svc", .action = "wide", .human = NARR_FMT("64 extras"), .extra = extras);
    CHECK_EQ_STR(narr_captured_field(narr_capture_at(c, 0), "k0"), "v0");
    CHECK_EQ_STR(narr_captured_field(narr_capture_at(c, 0), "k63"), "v63");
    narr_capture_end(c);

    /* ids from the current context; an explicit correlation id wins */
    CHECK_EQ_INT(narr_context_new(&ctx, "req-ctx"), 0);
    CHECK_EQ_INT(narr_context_enter(&ctx), 0);
    CHECK_EQ_INT(narr_context_current(&got), 0);
    CHECK_EQ_STR(got.correlation_id, "req-ctx");
    c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "svc", .action = "in_ctx", .human = NARR_FMT("inherits"));
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "svc", .action = "own", .human = NARR_FMT("own id"), .correlation_id = "mine");
    CHECK_EQ_STR(narr_capture_at(c, 0)->correlation_id, "req-ctx");
    CHECK_EQ_STR(narr_capture_at(c, 1)->correlation_id, "mine");
    narr_capture_end(c);
    CHECK_EQ_INT(narr_context_leave(), 0);
    CHECK_EQ_INT(narr_context_current(&got), NARR_ESTATE);

    /* FATAL: flushed to every sink before the hook runs */
    fatal_capture = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    narr_set_fatal_hook(fatal_hook);
    NARR_NARRATE(NARR_LEVEL_FATAL, .actor = "svc", .action = "crash", .human = NARR_FMT("going down"));
    CHECK_EQ_INT(hook_calls, 1);
    CHECK_EQ_INT(hook_saw_event, 1);
    NARR_FATAL("svc", "crash", "t", "going down again");
    CHECK_EQ_INT(hook_calls, 2);
    narr_set_fatal_hook(NULL);
    narr_capture_end(fatal_capture);

    /* JSON lines: valid, every field and all three texts, provenance */
    CHECK_EQ_INT(narr_flush(), 0);
    {
        FILE *f = fopen(path, "r");
        char line[1 << 14];
        int lines = 0, all_valid = 1, first = 1;
        while (f != NULL && fgets(line, sizeof line, f) != NULL) {
            lines++;
            if (!json_valid(line, strlen(line) - 1)) all_valid = 0;
            if (first) {
                CHECK_CONTAINS(line, "\"human\":\"Dispatched job-7 to worker-gpu0\",\"cute\":\"Off you go, job-7!\","
                                     "\"story\":\"And so job-7 set out.\"");
                CHECK_CONTAINS(line, "\"tokens_in\":\"64\"");
                CHECK_CONTAINS(line, "\"region\":\"eu-1\"");
                CHECK_CONTAINS(line, "\"file\":\"");
                CHECK_CONTAINS(line, "test_narration.c\",\"line\":");
                CHECK_CONTAINS(line, "\"fn\":\"main\",\"emitted_by\":\"orchestratord@0.3.1\"");
                first = 0;
            }
            if (strstr(line, "\"action\":\"in_ctx\"")) CHECK_CONTAINS(line, "\"trace_id\":\"");
        }
        if (f != NULL) fclose(f);
        CHECK(all_valid);
        CHECK(lines >= 10);
    }
    unlink(path);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
