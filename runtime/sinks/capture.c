/* runtime/sinks/capture.c - the in-memory sink for tests. Each capture owns its events and sees only
 * its own threads (or everything, when asked), so parallel tests do not mix. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "narrate/capture.h"
#include "narrate/redact.h"

#define CAPTURE_TIDS_MAX 256

struct narr_capture {
    int sink_id;
    unsigned flags;
    pthread_mutex_t mu;
    uint32_t tids[CAPTURE_TIDS_MAX];
    size_t ntids;
    narr_captured_t **items;
    size_t n, cap;
    uint64_t dropped;
};

static int wants(narr_capture_t *c, uint32_t tid)
{
    size_t i;
    if (c->flags & NARR_CAPTURE_ALL) return 1;
    for (i = 0; i < c->ntids; i++)
        if (c->tids[i] == tid) return 1;
    return 0;
}

/* s redacted like the console does (unescaped), NUL-terminated, appended to b; returns its offset. */
static size_t put_redacted(narr__buf_t *b, const char *s, size_t n)
{
    size_t at = b->len;
    narr__text_put(b, s, n, NARR__ESC_NONE, NARR_REDACT_DEFAULT);
    narr__buf_putc(b, '\0');
    return at;
}

/* A field's value, redacted as the console redacts it (a secret key takes the whole value). */
static size_t put_redacted_value(narr__buf_t *b, const char *key, const char *s, size_t n)
{
    size_t at = b->len;
    narr__value_put(b, key, s, n, NARR__ESC_NONE, NARR_REDACT_DEFAULT);
    narr__buf_putc(b, '\0');
    return at;
}

/* One allocation per event: the struct, then its strings. */
static narr_captured_t *copy_event(const narr_event_t *ev)
{
    narr__buf_t t = {0}, kv = {0};
    size_t o_actor, o_action, o_target, o_corr, o_msg, o_cute = 0, o_story = 0, o_file, o_kv, o_fields, i;
    narr_captured_t *it;
    for (i = 0; i < ev->nkv; i++) {
        if (ev->kv[i].meta == NARR_KV_OWN) continue; /* as on the console */
        if (kv.len) narr__buf_putc(&kv, ' ');
        narr__buf_printf(&kv, "%s=\"", ev->kv[i].key);
        narr__value_put(&kv, ev->kv[i].key, ev->kv[i].value, ev->kv[i].value_len, NARR__ESC_NONE, NARR_REDACT_DEFAULT);
        narr__buf_putc(&kv, '"');
    }
    narr__buf_putc(&t, '\0');
    o_actor = put_redacted(&t, ev->actor, strlen(ev->actor));
    o_action = put_redacted(&t, ev->action, strlen(ev->action));
    o_target = put_redacted(&t, ev->target ? ev->target : "", ev->target ? strlen(ev->target) : 0);
    o_corr = put_redacted(&t, ev->correlation_id ? ev->correlation_id : "",
                          ev->correlation_id ? strlen(ev->correlation_id) : 0);
    o_msg = put_redacted(&t, ev->message, ev->message_len);
    if (ev->cute) o_cute = put_redacted(&t, ev->cute, ev->cute_len);
    if (ev->story) o_story = put_redacted(&t, ev->story, ev->story_len);
    o_file = t.len;
    narr__buf_put(&t, ev->site ? ev->site->file : "", ev->site ? strlen(ev->site->file) : 0);
    narr__buf_putc(&t, '\0');
    o_kv = t.len;
    narr__buf_put(&t, kv.p ? kv.p : "", kv.len);
    narr__buf_putc(&t, '\0');
    o_fields = t.len;
    if (ev->target) put_redacted(&t, "target", 6), put_redacted(&t, ev->target, strlen(ev->target));
    if (ev->correlation_id)
        put_redacted(&t, "correlation_id", 14), put_redacted(&t, ev->correlation_id, strlen(ev->correlation_id));
    for (i = 0; i < ev->nkv; i++) {
        put_redacted(&t, ev->kv[i].key, strlen(ev->kv[i].key));
        put_redacted_value(&t, ev->kv[i].key, ev->kv[i].value, ev->kv[i].value_len);
    }
    narr__buf_putc(&t, '\0');
    it = t.oom || kv.oom ? NULL : malloc(sizeof *it + t.len);
    if (it != NULL) {
        char *base = (char *)(it + 1);
        memset(it, 0, sizeof *it);
        memcpy(base, t.p, t.len);
        it->actor = base + o_actor;
        it->action = base + o_action;
        it->target = base + o_target;
        it->correlation_id = base + o_corr;
        it->message = base + o_msg;
        it->message_len = strlen(it->message) < ev->message_len ? ev->message_len : strlen(it->message);
        it->cute = ev->cute ? base + o_cute : NULL;
        it->story = ev->story ? base + o_story : NULL;
        it->file = base + o_file;
        it->kv = base + o_kv;
        it->fields = base + o_fields;
        it->level = ev->level;
        it->kind = ev->kind;
        it->tid = ev->tid;
        it->line = ev->site ? ev->site->line : 0;
        it->dropped = ev->dropped;
    }
    narr__buf_free(&t);
    narr__buf_free(&kv);
    return it;
}

const char *narr_captured_field(const narr_captured_t *e, const char *key)
{
    const char *p = e->fields;
    while (*p != '\0') {
        const char *v = p + strlen(p) + 1;
        if (strcmp(p, key) == 0) return v;
        p = v + strlen(v) + 1;
    }
    return NULL;
}

size_t narr_capture_count_field(narr_capture_t *c, const char *key, const char *value)
{
    size_t i, n = 0;
    (void)narr_flush();
    pthread_mutex_lock(&c->mu);
    for (i = 0; i < c->n; i++) {
        const char *v = narr_captured_field(c->items[i], key);
        if (v != NULL && (value == NULL || strcmp(v, value) == 0)) n++;
    }
    pthread_mutex_unlock(&c->mu);
    return n;
}

int narr_capture_expect_field(narr_capture_t *c, const char *file, int line, const char *key, const char *value,
                              size_t want)
{
    size_t got = narr_capture_count_field(c, key, value);
    if (got == want) return 1;
    fprintf(stderr, "%s:%d: expected %zu event(s) with %s=\"%s\", got %zu\n", file, line, want, key,
            value ? value : "*", got);
    narr_capture_dump(c, stderr);
    return 0;
}

static void capture_write(const narr_event_t *ev, void *user)
{
    narr_capture_t *c = user;
    narr_captured_t *it;
    pthread_mutex_lock(&c->mu);
    if (!wants(c, ev->tid)) {
        pthread_mutex_unlock(&c->mu);
        return;
    }
    if (ev->kind == NARR_KIND_DROP) c->dropped += ev->dropped;
    if (c->n == c->cap) {
        size_t want = c->cap ? c->cap * 2 : 64;
        narr_captured_t **fresh = realloc(c->items, want * sizeof *fresh);
        if (fresh == NULL) {
            pthread_mutex_unlock(&c->mu);
            return;
        }
        c->items = fresh;
        c->cap = want;
    }
    it = copy_event(ev);
    if (it != NULL) c->items[c->n++] = it;
    pthread_mutex_unlock(&c->mu);
}

static void capture_ctl(void *user, narr_sink_op_t op)
{
    narr_capture_t *c = user;
    size_t i;
    if (op != NARR_SINK_CLOSE) return;
    for (i = 0; i < c->n; i++) free(c->items[i]);
    free(c->items);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

narr_capture_t *narr_capture_begin(unsigned flags)
{
    narr_capture_t *c;
    if (narr__ensure_init() != 0) return NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->flags = flags;
    c->tids[c->ntids++] = narr__gettid();
    c->sink_id = narr_sink_add(capture_write, capture_ctl, c, NARR_LEVEL_TRACE);
    if (c->sink_id < 0) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    return c;
}

int narr_capture_add_thread(narr_capture_t *c, uint32_t tid)
{
    int rc = 0;
    pthread_mutex_lock(&c->mu);
    if (c->ntids == CAPTURE_TIDS_MAX) rc = NARR_ENOSPC;
    else c->tids[c->ntids++] = tid;
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void narr_capture_end(narr_capture_t *c)
{
    if (c != NULL) (void)narr_sink_remove(c->sink_id); /* its close frees c */
}

size_t narr_capture_count(narr_capture_t *c)
{
    size_t n;
    (void)narr_flush();
    pthread_mutex_lock(&c->mu);
    n = c->n;
    pthread_mutex_unlock(&c->mu);
    return n;
}

const narr_captured_t *narr_capture_at(narr_capture_t *c, size_t i)
{
    const narr_captured_t *it = NULL;
    (void)narr_flush();
    pthread_mutex_lock(&c->mu);
    if (i < c->n) it = c->items[i];
    pthread_mutex_unlock(&c->mu);
    return it;
}

uint64_t narr_capture_dropped(narr_capture_t *c)
{
    uint64_t d;
    (void)narr_flush();
    pthread_mutex_lock(&c->mu);
    d = c->dropped;
    pthread_mutex_unlock(&c->mu);
    return d;
}

static int matches(const narr_captured_t *it, const char *actor, const char *action, const char *sub)
{
    if (actor != NULL && strcmp(it->actor, actor) != 0) return 0;
    if (action != NULL && strcmp(it->action, action) != 0) return 0;
    if (sub != NULL && strstr(it->message, sub) == NULL) return 0;
    return 1;
}

long narr_capture_find(narr_capture_t *c, size_t from, const char *actor, const char *action, const char *sub)
{
    long found = -1;
    size_t i;
    (void)narr_flush();
    pthread_mutex_lock(&c->mu);
    for (i = from; i < c->n && found < 0; i++)
        if (matches(c->items[i], actor, action, sub)) found = (long)i;
    pthread_mutex_unlock(&c->mu);
    return found;
}

size_t narr_capture_count_matching(narr_capture_t *c, const char *actor, const char *action, const char *sub)
{
    size_t i, n = 0;
    (void)narr_flush();
    pthread_mutex_lock(&c->mu);
    for (i = 0; i < c->n; i++) n += (size_t)matches(c->items[i], actor, action, sub);
    pthread_mutex_unlock(&c->mu);
    return n;
}

void narr_capture_dump(narr_capture_t *c, FILE *out)
{
    size_t i;
    (void)narr_flush();
    pthread_mutex_lock(&c->mu);
    fprintf(out, "  captured %zu event(s):\n", c->n);
    for (i = 0; i < c->n; i++) {
        const narr_captured_t *it = c->items[i];
        fprintf(out, "  [%zu] %s %s %s target=\"%s\" %s \"%s\"\n", i, narr_level_name(it->level), it->actor,
                it->action, it->target, it->kv, it->message);
    }
    pthread_mutex_unlock(&c->mu);
}

int narr_capture_expect(narr_capture_t *c, const char *file, int line, const char *actor, const char *action,
                        const char *sub, size_t want)
{
    size_t got = narr_capture_count_matching(c, actor, action, sub);
    if (got == want) return 1;
    fprintf(stderr, "%s:%d: expected %zu event(s) with actor=%s action=%s message~\"%s\", got %zu\n", file, line,
            want, actor ? actor : "*", action ? action : "*", sub ? sub : "", got);
    narr_capture_dump(c, stderr);
    return 0;
}

int narr_capture_expect_order(narr_capture_t *c, const char *file, int line, const char *const *subs, size_t n)
{
    size_t i, from = 0;
    for (i = 0; i < n; i++) {
        long at = narr_capture_find(c, from, NULL, NULL, subs[i]);
        if (at < 0) {
            fprintf(stderr, "%s:%d: expected \"%s\" (step %zu of %zu) after event %zu, not found\n", file, line,
                    subs[i], i + 1, n, from);
            narr_capture_dump(c, stderr);
            return 0;
        }
        from = (size_t)at + 1;
    }
    return 1;
}
