/* runtime/trace.c - the trace:PATH sink: a compact binary trace (runtime/trace_format.h).
 * Events are buffered per thread and written as whole blocks; each site is described once. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "trace_format.h"

#define TRACE_FLUSH_AT (60u * 1024u) /* an EVENTS block is written once it reaches this */

typedef struct tbuf {
    uint32_t tid;
    uint64_t base, last;
    uint64_t count;
    narr__buf_t b;
} tbuf_t;

typedef struct trace {
    int fd;
    int failed;
    tbuf_t *threads;
    size_t nthreads;
    unsigned char *sites_seen; /* bitmap by site id */
    uint64_t last_calib;
    size_t sites_cap;
    narr__buf_t block, scratch;
} trace_t;

void narr__put_v(narr__buf_t *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v) tmp[n] |= 0x80;
        n++;
    } while (v);
    narr__buf_put(b, tmp, n);
}

static void put_s(narr__buf_t *b, const char *s, size_t n)
{
    narr__put_v(b, n);
    narr__buf_put(b, s, n);
}

static void put_cs(narr__buf_t *b, const char *s)
{
    put_s(b, s ? s : "", s ? strlen(s) : 0);
}

static void write_all(trace_t *t, const void *p, size_t n)
{
    /* a full disk must not stall the consumer: after a failure, stop writing */
    if (!t->failed && narr__write_all(t->fd, p, n) != 0) t->failed = 1;
}

void narr__trace_block(narr__buf_t *out, unsigned type, const narr__buf_t *payload)
{
    uint32_t hdr[4];
    out->len = 0;
    hdr[0] = NARR_TRACE_BLOCK_MAGIC;
    hdr[1] = type;
    hdr[2] = (uint32_t)payload->len;
    hdr[3] = narr__crc32c((const unsigned char *)payload->p, payload->len);
    narr__buf_put(out, hdr, sizeof hdr);
    narr__buf_put(out, payload->p, payload->len);
}

/* One block, header and payload in a single write. */
static void emit_block(trace_t *t, unsigned type, const narr__buf_t *payload)
{
    narr__trace_block(&t->block, type, payload);
    if (!t->block.oom) write_all(t, t->block.p, t->block.len);
}

static void emit_calib(trace_t *t)
{
    uint64_t mono = narr__mono_ns();
    t->last_calib = mono;
    t->scratch.len = 0;
    narr__put_v(&t->scratch, mono);
    narr__put_v(&t->scratch, narr__clock_mono_to_real(mono));
    emit_block(t, NARR_TB_CALIB, &t->scratch);
}

void narr__trace_site(narr__buf_t *b, const narr_site_t *s, uint32_t id)
{
    unsigned i;
    narr__put_v(b, id);
    narr__buf_putc(b, (char)s->kind);
    narr__buf_putc(b, (char)s->level);
    narr__buf_putc(b, (char)s->npre);
    narr__buf_putc(b, (char)s->ntypes);
    narr__buf_put(b, s->types ? s->types : (const unsigned char *)"", s->ntypes);
    narr__put_v(b, s->flags);
    narr__put_v(b, s->line);
    put_cs(b, s->actor);
    put_cs(b, s->action);
    put_cs(b, s->fmt);
    put_cs(b, s->file);
    put_cs(b, s->func);
    for (i = 0; i < s->ntypes; i++)
        if (s->types[i] == NARR__T_LIT) put_cs(b, s->lits ? s->lits[i] : NULL);
    narr__put_v(b, s->keys ? s->npre : 0u);
    for (i = 0; s->keys && i < s->npre; i++) put_cs(b, s->keys[i]);
}

static void emit_site(trace_t *t, const narr_site_t *s, uint32_t id)
{
    t->scratch.len = 0;
    narr__trace_site(&t->scratch, s, id);
    emit_block(t, NARR_TB_SITES, &t->scratch);
}

static tbuf_t *thread_buf(trace_t *t, uint32_t tid)
{
    size_t i;
    tbuf_t *fresh;
    for (i = 0; i < t->nthreads; i++)
        if (t->threads[i].tid == tid) return &t->threads[i];
    fresh = realloc(t->threads, (t->nthreads + 1) * sizeof *fresh);
    if (fresh == NULL) return NULL;
    t->threads = fresh;
    memset(&t->threads[t->nthreads], 0, sizeof t->threads[0]);
    t->threads[t->nthreads].tid = tid;
    return &t->threads[t->nthreads++];
}

static void emit_events(trace_t *t, tbuf_t *tb)
{
    if (tb->count == 0) return;
    t->scratch.len = 0;
    narr__put_v(&t->scratch, tb->tid);
    narr__put_v(&t->scratch, tb->base);
    narr__put_v(&t->scratch, tb->count);
    narr__buf_put(&t->scratch, tb->b.p, tb->b.len);
    emit_block(t, NARR_TB_EVENTS, &t->scratch);
    tb->count = 0;
    tb->b.len = 0;
}

/* The record's values, re-encoded compactly (see trace_format.h). */
static void encode_values(narr__buf_t *b, const narr_event_t *ev)
{
    const narr_site_t *s = ev->site;
    const unsigned char *p = ev->raw, *end = ev->raw + ev->raw_len;
    unsigned i;
    if (s->kind == NARR_KIND_NARRATE) {
        put_s(b, (const char *)ev->raw, ev->raw_len);
        return;
    }
    for (i = 0; i < s->ntypes; i++) {
        uint64_t v;
        if (i == s->npre || s->types[i] == NARR__T_LIT) continue;
        if (p + 8 > end) return;
        memcpy(&v, p, 8);
        switch (s->types[i]) {
        case NARR__T_I64: narr__put_v(b, narr__zigzag((int64_t)v)); p += 8; break;
        case NARR__T_F64: narr__buf_put(b, p, 8); p += 8; break;
        case NARR__T_STR: {
            uint32_t h = (uint32_t)v, n = (h & NARR__STR_NULL) ? 0 : NARR__STR_LEN(h);
            narr__put_v(b, h);
            narr__buf_put(b, p + 8, n);
            p += 8 + ((n + 7u) & ~7u);
            break;
        }
        case NARR__T_ENUM: {
            uint64_t a;
            const char *name;
            memcpy(&a, p + 8, 8);
            name = (const char *)(uintptr_t)a;
            narr__put_v(b, narr__zigzag((int64_t)v));
            if (name != NULL) put_s(b, name, strlen(name) + 1); /* length + 1: 0 means no name */
            else narr__put_v(b, 0);
            p += 16;
            break;
        }
        default: /* U64, BOOL, PTR */
            if (s->keys != NULL && i < s->npre && strcmp(s->keys[i], "@t0") == 0 && v != 0) v = narr__clock_to_mono(v);
            narr__put_v(b, v);
            p += 8;
        }
    }
}

static void trace_write(const narr_event_t *ev, void *user)
{
    trace_t *t = user;
    tbuf_t *tb;
    uint32_t id;
    if (t->failed) return;
    if (ev->kind == NARR_KIND_DROP) {
        t->scratch.len = 0;
        narr__put_v(&t->scratch, ev->tid);
        narr__put_v(&t->scratch, ev->mono_ns);
        narr__put_v(&t->scratch, ev->dropped);
        emit_block(t, NARR_TB_DROPS, &t->scratch);
        return;
    }
    if (ev->site == NULL || ev->raw == NULL) return;
    id = narr__site_id(ev->site);
    if (id >= t->sites_cap * 8) {
        size_t want = (id / 8 + 1) * 2;
        unsigned char *fresh = realloc(t->sites_seen, want);
        if (fresh == NULL) return;
        memset(fresh + t->sites_cap, 0, want - t->sites_cap);
        t->sites_seen = fresh;
        t->sites_cap = want;
    }
    if (!(t->sites_seen[id / 8] & (1u << (id % 8)))) {
        emit_site(t, ev->site, id);
        t->sites_seen[id / 8] |= (unsigned char)(1u << (id % 8));
    }
    tb = thread_buf(t, ev->tid);
    if (tb == NULL) return;
    if (tb->count == 0) tb->base = tb->last = ev->mono_ns;
    narr__put_v(&tb->b, id);
    narr__put_v(&tb->b, ev->mono_ns >= tb->last ? ev->mono_ns - tb->last : 0);
    tb->last = ev->mono_ns;
    encode_values(&tb->b, ev);
    tb->count++;
    if (tb->b.len >= TRACE_FLUSH_AT) emit_events(t, tb);
}

static void trace_ctl(void *user, narr_sink_op_t op)
{
    trace_t *t = user;
    size_t i;
    if (op == NARR__SINK_ABANDON) t->failed = 1; /* a forked child: write nothing, free all */
    for (i = 0; i < t->nthreads; i++) emit_events(t, &t->threads[i]);
    if (op == NARR_SINK_CLOSE || narr__mono_ns() - t->last_calib > 1000000000u) emit_calib(t);
    if (op == NARR_SINK_FLUSH) return;
    close(t->fd);
    for (i = 0; i < t->nthreads; i++) narr__buf_free(&t->threads[i].b);
    free(t->threads);
    free(t->sites_seen);
    narr__buf_free(&t->block);
    narr__buf_free(&t->scratch);
    free(t);
}

int narr_sink_trace_add(const char *path, narr_level_t min_level)
{
    trace_t *t;
    int id;
    uint32_t hdr[2] = {NARR_TRACE_VERSION, 0};
    if (path == NULL) return NARR_EINVAL;
    t = calloc(1, sizeof *t);
    if (t == NULL) return NARR_ENOMEM;
    t->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (t->fd < 0) {
        free(t);
        return NARR_EIO;
    }
    write_all(t, NARR_TRACE_MAGIC, 8);
    write_all(t, hdr, sizeof hdr);
    put_cs(&t->scratch, narr__program_name());
    emit_block(t, NARR_TB_META, &t->scratch);
    emit_calib(t);
    id = narr__sink_add_ex(trace_write, trace_ctl, t, min_level, NARR__SINK_ABANDONS);
    if (id < 0) trace_ctl(t, NARR_SINK_CLOSE);
    return id;
}
