/* runtime/jsonl.c - the JSON lines sink: one JSON object per event, always valid JSON. */
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "narrate/redact.h"

static const char *const kind_names[] = {"tiny", "corr", "enter", "exit", "loop", "state",
                                         "log", "drop", "fn_enter", "fn_exit", "narrate"};

static size_t put_str(narr__buf_t *b, const char *key, const char *s, size_t n, unsigned policy)
{
    size_t r;
    narr__buf_putc(b, ',');
    narr__buf_putc(b, '"');
    r = narr__text_put(b, key, strlen(key), NARR__ESC_JSON, policy);
    narr__buf_put(b, "\":\"", 3);
    r += narr__value_put(b, key, s, n, NARR__ESC_JSON, policy);
    narr__buf_putc(b, '"');
    return r;
}

size_t narr__json_line(narr__buf_t *b, const narr_event_t *ev, unsigned policy)
{
    time_t secs = (time_t)(ev->ts_ns / 1000000000u);
    struct tm tm;
    char when[40];
    size_t i, r = 0;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    narr__buf_printf(b, "{\"ts\":\"%s.%09uZ\",\"level\":\"%s\",\"kind\":\"%s\"", when,
                     (unsigned)(ev->ts_ns % 1000000000u), narr_level_name(ev->level),
                     (unsigned)ev->kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[ev->kind] : "?");
    r += put_str(b, "actor", ev->actor, strlen(ev->actor), policy);
    r += put_str(b, "action", ev->action, strlen(ev->action), policy);
    if (ev->target) r += put_str(b, "target", ev->target, strlen(ev->target), policy);
    if (ev->correlation_id) r += put_str(b, "correlation_id", ev->correlation_id, strlen(ev->correlation_id), policy);
    for (i = 0; i < ev->nkv; i++) r += put_str(b, ev->kv[i].key, ev->kv[i].value, ev->kv[i].value_len, policy);
    r += put_str(b, "human", ev->message, ev->message_len, policy);
    if (ev->cute) r += put_str(b, "cute", ev->cute, ev->cute_len, policy);
    if (ev->story) r += put_str(b, "story", ev->story, ev->story_len, policy);
    if (ev->kind == NARR_KIND_DROP) narr__buf_printf(b, ",\"dropped\":%llu", (unsigned long long)ev->dropped);
    if (ev->kind == NARR_KIND_FN_ENTER) narr__buf_printf(b, ",\"depth\":%u", ev->depth);
    if (ev->has_elapsed) narr__buf_printf(b, ",\"elapsed_ns\":%llu", (unsigned long long)ev->elapsed_ns);
    if (ev->error) narr__buf_put(b, ",\"error\":true", 13);
    narr__buf_printf(b, ",\"tid\":%u", ev->tid);
    if (ev->site) {
        put_str(b, "file", ev->site->file, strlen(ev->site->file), NARR_REDACT_NONE);
        narr__buf_printf(b, ",\"line\":%u", ev->site->line);
        put_str(b, "fn", ev->site->func, strlen(ev->site->func), NARR_REDACT_NONE);
    }
    put_str(b, "emitted_by", narr__program_name(), strlen(narr__program_name()), NARR_REDACT_NONE);
    narr__buf_put(b, "}\n", 2);
    return r;
}

size_t narr_format_json(const narr_event_t *ev, char *out, size_t cap)
{
    narr__buf_t b = {0};
    narr__json_line(&b, ev, NARR_REDACT_DEFAULT);
    return narr__buf_copy_out(&b, out, cap);
}

typedef struct jsonl {
    FILE *f;
    narr__buf_t line;
} jsonl_t;

static void jsonl_write(const narr_event_t *ev, void *user)
{
    jsonl_t *j = user;
    narr_sink_options_t *o = narr_sink_current_options();
    j->line.len = 0;
    o->redactions += narr__json_line(&j->line, ev, o->redaction);
    fwrite(j->line.p, 1, j->line.len, j->f);
}

static void jsonl_ctl(void *user, narr_sink_op_t op)
{
    jsonl_t *j = user;
    if (op == NARR_SINK_FLUSH) {
        fflush(j->f);
        return;
    }
    if (op == NARR__SINK_ABANDON) __fpurge(j->f); /* a forked child: the parent's lines stay unwritten */
    fclose(j->f);
    narr__buf_free(&j->line);
    free(j);
}

int narr_sink_jsonl_add(const char *path, narr_level_t min_level)
{
    jsonl_t *j;
    int id;
    if (path == NULL) return NARR_EINVAL;
    j = calloc(1, sizeof *j);
    if (j == NULL) return NARR_ENOMEM;
    j->f = fopen(path, "w");
    if (j->f == NULL) {
        free(j);
        return NARR_EIO;
    }
    id = narr__sink_add_ex(jsonl_write, jsonl_ctl, j, min_level, NARR__SINK_ABANDONS);
    if (id < 0) jsonl_ctl(j, NARR_SINK_CLOSE);
    return id;
}
