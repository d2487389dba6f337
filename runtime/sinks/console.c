/* runtime/sinks/console.c - the console sink: LEVEL actor action key="value" ... "human text". */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "narrate/redact.h"

static const char *const level_color[] = {
    "\x1b[2m", "\x1b[34m", "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[1;35m", ""};

/* An actor, action or key as written: bare when it is a plain name, else quoted and escaped, so
 * data holding spaces, '=' or quotes can never read as fields that were not recorded. */
static size_t put_name(narr__buf_t *b, const char *s, unsigned policy)
{
    size_t n = strlen(s), i, r;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && strchr("_.-:/@+", s[i]) == NULL) break;
    if (n > 0 && i == n) return narr__text_put(b, s, n, NARR__ESC_CONSOLE, policy);
    narr__buf_putc(b, '"');
    r = narr__text_put(b, s, n, NARR__ESC_CONSOLE, policy);
    narr__buf_putc(b, '"');
    return r;
}

static size_t put_kv(narr__buf_t *b, const char *key, const char *val, size_t n, unsigned policy)
{
    size_t r;
    narr__buf_putc(b, ' ');
    r = put_name(b, key, policy);
    narr__buf_put(b, "=\"", 2);
    r += narr__value_put(b, key, val, n, NARR__ESC_CONSOLE, policy);
    narr__buf_putc(b, '"');
    return r;
}

/* The text a mode shows, human when the event has none of that kind. */
static void mode_text(const narr_event_t *ev, narr_mode_t mode, const char **s, size_t *n)
{
    *s = ev->message;
    *n = ev->message_len;
    if (mode == NARR_MODE_CUTE && ev->cute != NULL) *s = ev->cute, *n = ev->cute_len;
    if (mode == NARR_MODE_STORY && ev->story != NULL) *s = ev->story, *n = ev->story_len;
}

/* The line's start: level, actor, action and target (kept per site: narr__head_put). */
static size_t line_head(narr__buf_t *b, const narr_event_t *ev, unsigned policy, int color)
{
    size_t r = 0;
    const char *lvl = narr_level_name(ev->level);
    if (color) narr__buf_put(b, level_color[ev->level], strlen(level_color[ev->level]));
    narr__buf_put(b, lvl, strlen(lvl));
    if (color) narr__buf_put(b, "\x1b[0m", 4);
    narr__buf_putc(b, ' ');
    r += put_name(b, ev->actor, policy);
    narr__buf_putc(b, ' ');
    r += put_name(b, ev->action, policy);
    if (ev->target) r += put_kv(b, "target", ev->target, strlen(ev->target), policy);
    return r;
}

static size_t console_line(narr__buf_t *b, const narr_event_t *ev, int color, narr_mode_t mode, unsigned policy,
                           narr__heads_t *heads)
{
    size_t i, r = 0, n;
    const char *text;
    r += narr__head_put(heads, b, ev, policy, color, line_head);
    if (ev->correlation_id) r += put_kv(b, "correlation_id", ev->correlation_id, strlen(ev->correlation_id), policy);
    for (i = 0; i < ev->nkv; i++)
        if (ev->kv[i].meta != NARR_KV_OWN) r += put_kv(b, ev->kv[i].key, ev->kv[i].value, ev->kv[i].value_len, policy);
    if (ev->error) put_kv(b, "error", "true", 4, NARR_REDACT_NONE);
    if (ev->kind == NARR_KIND_DROP) {
        narr__buf_printf(b, " count=\"%llu\" thread=\"%u\"", (unsigned long long)ev->dropped, ev->tid);
    }
    mode_text(ev, mode, &text, &n);
    narr__buf_put(b, " \"", 2);
    r += narr__text_put(b, text, n, NARR__ESC_CONSOLE, policy);
    narr__buf_put(b, "\"\n", 2);
    return r;
}

size_t narr__console_line(narr__buf_t *b, const narr_event_t *ev, int color, narr_mode_t mode, unsigned policy)
{
    return console_line(b, ev, color, mode, policy, NULL);
}

size_t narr_format_console(const narr_event_t *ev, int color, char *out, size_t cap)
{
    narr__buf_t b = {0};
    narr__console_line(&b, ev, color, NARR_MODE_HUMAN, NARR_REDACT_DEFAULT);
    return narr__buf_copy_out(&b, out, cap);
}

typedef struct console {
    int fd;
    int color;
    narr__buf_t out; /* lines not written yet */
    narr__heads_t heads;
} console_t;

/* Lines gather in out and go to the terminal in one write per batch of the consumer (or every
 * 64 KiB): a write per line was the console's limit, not formatting. */
#define CONSOLE_WRITE_AT (64u * 1024u)

static void console_flush(console_t *c)
{
    if (c->out.len > 0) (void)narr__write_all(c->fd, c->out.p, c->out.len); /* a closed console must not stall the consumer */
    c->out.len = 0;
}

static void console_write(const narr_event_t *ev, void *user)
{
    console_t *c = user;
    narr_sink_options_t *o = narr_sink_current_options();
    o->redactions += console_line(&c->out, ev, c->color, o->mode, o->redaction, &c->heads);
    if (c->out.len >= CONSOLE_WRITE_AT || c->out.oom) console_flush(c);
}
static void console_ctl(void *user, narr_sink_op_t op)
{
    console_t *c = user;
    if (op == NARR_SINK_FLUSH) {
        console_flush(c);
        return;
    }
    if (op != NARR__SINK_ABANDON) console_flush(c); /* a forked child: the parent's lines are the parent's */
    narr__heads_free(&c->heads);
    narr__buf_free(&c->out);
    free(c);
}

int narr_sink_console_add(int fd, narr_color_t color, narr_level_t min_level)
{
    console_t *c = calloc(1, sizeof *c);
    int id;
    const char *nc = getenv("NO_COLOR");
    if (c == NULL) return NARR_ENOMEM;
    c->fd = fd;
    if (color == NARR_COLOR_ALWAYS) c->color = 1;
    else if (color == NARR_COLOR_AUTO) c->color = isatty(fd) && (nc == NULL || nc[0] == '\0');
    /* redirected to a file or a pipe: every event; on a terminal it may skip to keep up */
    id = narr__sink_add_ex(console_write, console_ctl, c, min_level, NARR__SINK_ABANDONS | (isatty(fd) ? 0 : NARR__SINK_COMPLETE));
    if (id < 0) free(c);
    return id;
}
