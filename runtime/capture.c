/* runtime/capture.c - the in-memory sink for tests. Each capture owns its events and sees only
 * its own threads (or everything, when asked), so parallel tests do not mix. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "narrate/capture.h"

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

/* One allocation per event: the struct, then its strings. */
static narr_captured_t *copy_event(const narr_event_t *ev)
{
    narr__buf_t kv = {0};
    size_t i, la, lc, lt, lr, lk, lf, total;
    narr_captured_t *it;
    char *p;
    for (i = 0; i < ev->nkv; i++) {
        if (ev->kv[i].meta) continue; /* as on the console */
        if (kv.len) narr__buf_putc(&kv, ' ');
        narr__buf_printf(&kv, "%s=\"", ev->kv[i].key);
        narr__buf_put(&kv, ev->kv[i].value, ev->kv[i].value_len);
        narr__buf_putc(&kv, '"');
    }
    la = strlen(ev->actor) + 1;
    lc = strlen(ev->action) + 1;
    lt = (ev->target ? strlen(ev->target) : 0) + 1;
    lr = (ev->correlation_id ? strlen(ev->correlation_id) : 0) + 1;
    lk = kv.len + 1;
    lf = (ev->site ? strlen(ev->site->file) : 0) + 1;
    total = sizeof *it + la + lc + lt + lr + lk + lf + ev->message_len + 1;
    it = malloc(total);
    if (it == NULL || kv.oom) {
        free(it);
        narr__buf_free(&kv);
        return NULL;
    }
    memset(it, 0, sizeof *it);
    p = (char *)(it + 1);
#define CAPTURE_COPY(field, src, n) do { memcpy(p, (src), (n) - 1); p[(n) - 1] = '\0'; it->field = p; p += (n); } while (0)
    CAPTURE_COPY(actor, ev->actor, la);
    CAPTURE_COPY(action, ev->action, lc);
    CAPTURE_COPY(target, ev->target ? ev->target : "", lt);
    CAPTURE_COPY(correlation_id, ev->correlation_id ? ev->correlation_id : "", lr);
    CAPTURE_COPY(kv, kv.p ? kv.p : "", lk);
    CAPTURE_COPY(file, ev->site ? ev->site->file : "", lf);
    CAPTURE_COPY(message, ev->message, ev->message_len + 1);
#undef CAPTURE_COPY
    it->message_len = ev->message_len;
    it->level = ev->level;
    it->kind = ev->kind;
    it->tid = ev->tid;
    it->line = ev->site ? ev->site->line : 0;
    it->dropped = ev->dropped;
    narr__buf_free(&kv);
    return it;
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
