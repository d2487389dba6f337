/* runtime/sinks/jsonl.c - the JSON lines sink: one JSON object per event, always valid JSON. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "narrate/redact.h"

static const char *const kind_names[] = {"tiny", "corr", "enter", "exit", "loop", "state",
                                         "log", "drop", "fn_enter", "fn_exit", "narrate"};

/* ,"key":"value" with the value redacted by policy; key_secret: -1 to check the key's name,
 * 0 for the event's own fields (never secret words). */
static size_t put_field_after(narr__buf_t *b, int first, const char *key, size_t klen, const char *s, size_t n,
                              unsigned policy, int key_secret)
{
    size_t r;
    if (first) narr__buf_putc(b, '"');
    else narr__buf_put(b, ",\"", 2);
    r = key_secret ? narr__text_put(b, key, klen, NARR__ESC_JSON, policy) : (narr__buf_put(b, key, klen), 0u);
    narr__buf_put(b, "\":\"", 3);
    r += key_secret ? narr__value_put(b, key, s, n, NARR__ESC_JSON, policy) : narr__text_put(b, s, n, NARR__ESC_JSON, policy);
    narr__buf_putc(b, '"');
    return r;
}
#define put_field(b, key, klen, s, n, policy, key_secret) put_field_after((b), 0, key, klen, s, n, policy, key_secret)
#define PUT_OWN(b, key, s, n, policy) put_field((b), key, sizeof key - 1, (s), (n), (policy), 0)

/* narrate's own keys (phase, iter, elapsed_ms, a narration field's name, ...) are constant
 * strings: whether one is a secret's name is decided once per string, not per event. 1: check
 * it with the value the long way; 0: a plain name, written as it is. */
static int own_key_check(const char *key)
{
    static NARR__THREAD_LOCAL struct { const char *key; int secret; } memo[32];
    size_t h = ((uintptr_t)key >> 3) & 31u;
    if (memo[h].key != key) {
        size_t i, n = strlen(key);
        int plain = n > 0;
        memo[h].key = key;
        for (i = 0; i < n && plain; i++) /* (nothing JSON must escape) */
            plain = (key[i] >= 'a' && key[i] <= 'z') || (key[i] >= 'A' && key[i] <= 'Z') ||
                    (key[i] >= '0' && key[i] <= '9') || key[i] == '_' || key[i] == '.' || key[i] == '-';
        memo[h].secret = !plain || narr__secret_key(key, n) != 0;
    }
    return memo[h].secret;
}

static void put_num(narr__buf_t *b, const char *key, size_t klen, uint64_t v)
{
    narr__buf_put(b, key, klen);
    narr__buf_put_u64(b, v);
}
#define PUT_NUM(b, key, v) put_num((b), key, sizeof key - 1, (v))

/* "YYYY-MM-DDTHH:MM:SS" of a second, computed once per second */
static void put_when(narr__buf_t *b, uint64_t ts_ns)
{
    static _Thread_local time_t last = (time_t)-1;
    static _Thread_local char when[40];
    static _Thread_local size_t wlen;
    time_t secs = (time_t)(ts_ns / 1000000000u);
    unsigned ns = (unsigned)(ts_ns % 1000000000u), k;
    char frac[11];
    if (secs != last) {
        struct tm tm;
        gmtime_r(&secs, &tm);
        wlen = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        last = secs;
    }
    narr__buf_put(b, when, wlen);
    frac[0] = '.';
    for (k = 9; k >= 1; k--, ns /= 10) frac[k] = (char)('0' + ns % 10);
    frac[10] = 'Z';
    narr__buf_put(b, frac, 11);
}

/* The end of a line is the same for every event of a site: `,"file":...,"line":N,"fn":...,
 * "emitted_by":...}` and a newline. The sink keeps it per site id and copies it (escaping it
 * each time was a fifth of the sink's cost). */
typedef struct tail {
    const narr_site_t *site;
    const char *program; /* the name it was made with */
    char *text;
    size_t len;
} tail_t;

typedef struct tails {
    tail_t *v;
    size_t n;
    narr__heads_t heads; /* `,"actor":...,"action":...[,"target":...]` per site (narr__head_put) */
} tails_t;

static void put_tail(narr__buf_t *b, const narr_site_t *site)
{
    if (site) {
        PUT_OWN(b, "file", site->file, strlen(site->file), NARR_REDACT_NONE);
        PUT_NUM(b, ",\"line\":", site->line);
        PUT_OWN(b, "fn", site->func, strlen(site->func), NARR_REDACT_NONE);
    }
    PUT_OWN(b, "emitted_by", narr__program_name(), strlen(narr__program_name()), NARR_REDACT_NONE);
    narr__buf_put(b, "}\n", 2);
}

static const tail_t *cached_tail(tails_t *c, const narr_site_t *site)
{
    uint32_t id;
    tail_t *t;
    narr__buf_t b = {0};
    if (c == NULL || site == NULL || (id = narr__site_id(site)) == 0) return NULL;
    if (id >= c->n) {
        size_t want = (size_t)id * 2 + 64;
        tail_t *fresh = realloc(c->v, want * sizeof *fresh);
        if (fresh == NULL) return NULL;
        memset(fresh + c->n, 0, (want - c->n) * sizeof *fresh);
        c->v = fresh;
        c->n = want;
    }
    t = &c->v[id];
    if (t->site == site && t->program != NULL && strcmp(t->program, narr__program_name()) == 0) return t;
    put_tail(&b, site);
    if (b.oom) {
        narr__buf_free(&b);
        return NULL;
    }
    free(t->text);
    free((void *)t->program);
    t->text = b.p;
    t->len = b.len;
    t->site = site;
    t->program = strdup(narr__program_name());
    return t->program != NULL ? t : NULL;
}

static size_t json_head(narr__buf_t *b, const narr_event_t *ev, unsigned policy, int color)
{
    size_t r = 0;
    (void)color;
    r += PUT_OWN(b, "actor", ev->actor, strlen(ev->actor), policy);
    r += PUT_OWN(b, "action", ev->action, strlen(ev->action), policy);
    if (ev->target) r += PUT_OWN(b, "target", ev->target, strlen(ev->target), policy);
    return r;
}

static void tails_free(tails_t *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) {
        free(c->v[i].text);
        free((void *)c->v[i].program);
    }
    free(c->v);
    narr__heads_free(&c->heads);
}

static size_t json_line(narr__buf_t *b, const narr_event_t *ev, unsigned policy, tails_t *tails);

size_t narr__json_line(narr__buf_t *b, const narr_event_t *ev, unsigned policy)
{
    return json_line(b, ev, policy, NULL);
}

static size_t json_line(narr__buf_t *b, const narr_event_t *ev, unsigned policy, tails_t *tails)
{
    const tail_t *tail;
    size_t i, r = 0, args;
    const char *kind = (unsigned)ev->kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[ev->kind] : "?";
    const char *level = narr_level_name(ev->level);
    narr__buf_put(b, "{\"ts\":\"", 7);
    put_when(b, ev->ts_ns);
    narr__buf_put(b, "\",\"level\":\"", 11);
    narr__buf_put(b, level, strlen(level));
    narr__buf_put(b, "\",\"kind\":\"", 10);
    narr__buf_put(b, kind, strlen(kind));
    narr__buf_putc(b, '"');
    r += narr__head_put(tails != NULL ? &tails->heads : NULL, b, ev, policy, 0, json_head);
    if (ev->correlation_id) r += PUT_OWN(b, "correlation_id", ev->correlation_id, strlen(ev->correlation_id), policy);
    for (i = 0; i < ev->nkv; i++) /* narrate's own fields */
        if (ev->kv[i].meta != NARR_KV_VALUE)
            r += put_field(b, ev->kv[i].key, strlen(ev->kv[i].key), ev->kv[i].value, ev->kv[i].value_len, policy,
                           own_key_check(ev->kv[i].key) ? -1 : 0);
    for (i = 0, args = 0; i < ev->nkv; i++) { /* the program's values: parameters, results, keys */
        if (ev->kv[i].meta != NARR_KV_VALUE) continue;
        if (args == 0) narr__buf_put(b, ",\"args\":{", 9);
        r += put_field_after(b, args++ == 0, ev->kv[i].key, strlen(ev->kv[i].key), ev->kv[i].value,
                             ev->kv[i].value_len, policy, -1);
    }
    if (args) narr__buf_putc(b, '}');
    r += PUT_OWN(b, "human", ev->message, ev->message_len, policy);
    if (ev->cute) r += PUT_OWN(b, "cute", ev->cute, ev->cute_len, policy);
    if (ev->story) r += PUT_OWN(b, "story", ev->story, ev->story_len, policy);
    if (ev->kind == NARR_KIND_DROP) PUT_NUM(b, ",\"dropped\":", ev->dropped);
    if (ev->kind == NARR_KIND_FN_ENTER) PUT_NUM(b, ",\"depth\":", ev->depth);
    if (ev->has_elapsed) PUT_NUM(b, ",\"elapsed_ns\":", ev->elapsed_ns);
    if (ev->error) narr__buf_put(b, ",\"error\":true", 13);
    PUT_NUM(b, ",\"tid\":", ev->tid);
    if ((tail = cached_tail(tails, ev->site)) != NULL) narr__buf_put(b, tail->text, tail->len);
    else put_tail(b, ev->site);
    return r;
}

size_t narr_format_json(const narr_event_t *ev, char *out, size_t cap)
{
    narr__buf_t b = {0};
    narr__json_line(&b, ev, NARR_REDACT_DEFAULT);
    return narr__buf_copy_out(&b, out, cap);
}

/* Lines are gathered in out and written with write() on whole lines only, to a file opened
 * with O_APPEND: two processes given the same path (a pipeline "a | b") interleave whole lines
 * and lose none. The first writer (the one that gets the file's lock alone) starts it empty;
 * the others add to it; each keeps a shared lock while it writes. */
typedef struct jsonl {
    int fd;
    narr__buf_t line, out;
    tails_t tails;
} jsonl_t;

#define JSONL_WRITE_AT (64u * 1024u)

static void jsonl_flush(jsonl_t *j)
{
    size_t off = 0;
    while (off < j->out.len) {
        ssize_t n = write(j->fd, j->out.p + off, j->out.len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; /* a full disk: what is left is lost, as with any file output */
        off += (size_t)n;
    }
    j->out.len = 0;
}

static void jsonl_write(const narr_event_t *ev, void *user)
{
    jsonl_t *j = user;
    narr_sink_options_t *o = narr_sink_current_options();
    j->line.len = 0;
    o->redactions += json_line(&j->line, ev, o->redaction, &j->tails);
    narr__buf_put(&j->out, j->line.p, j->line.len);
    if (j->out.len >= JSONL_WRITE_AT) jsonl_flush(j);
}

static void jsonl_ctl(void *user, narr_sink_op_t op)
{
    jsonl_t *j = user;
    if (op == NARR_SINK_FLUSH) {
        jsonl_flush(j);
        return;
    }
    if (op != NARR__SINK_ABANDON) jsonl_flush(j); /* a forked child: the parent's lines stay unwritten */
    close(j->fd);
    narr__buf_free(&j->line);
    narr__buf_free(&j->out);
    tails_free(&j->tails);
    free(j);
}

static int open_shared_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644), tries;
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) { /* alone: a new run starts the file empty */
        if (ftruncate(fd, 0) != 0) { /* a FIFO or a device: nothing to empty */ }
        flock(fd, LOCK_SH);
        return fd;
    }
    for (tries = 0; tries < 100 && flock(fd, LOCK_SH | LOCK_NB) != 0; tries++) {
        struct timespec nap = {0, 1000000};
        nanosleep(&nap, NULL); /* another process is between its open and its shared lock */
    }
    return fd;
}

int narr_sink_jsonl_add(const char *path, narr_level_t min_level)
{
    jsonl_t *j;
    int id;
    if (path == NULL) return NARR_EINVAL;
    j = calloc(1, sizeof *j);
    if (j == NULL) return NARR_ENOMEM;
    j->fd = open_shared_append(path);
    if (j->fd < 0) {
        int e = errno; /* the caller reports why */
        free(j);
        errno = e;
        return NARR_EIO;
    }
    /* a file, or a pipe to a program, gets every event; a terminal may be skipped to keep up */
    id = narr__sink_add_ex(jsonl_write, jsonl_ctl, j, min_level, NARR__SINK_ABANDONS | (isatty(j->fd) ? 0 : NARR__SINK_COMPLETE));
    if (id < 0) jsonl_ctl(j, NARR_SINK_CLOSE);
    return id;
}
