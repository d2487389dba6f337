/* runtime/sinks/trace.c - the trace:PATH sink: a compact binary trace (runtime/trace_format.h).
 * Records are buffered per thread and written as whole blocks; each site is described once.
 * The common path takes a thread's records straight from its ring (trace_raw): site id, raw
 * stamp delta and values re-encoded in one tight loop, no decoding, no clock conversion (CLOCK
 * blocks carry the conversion the live consumer used). Events that come decoded (sampling or
 * overwrite mode, narrate recover) are written with CLOCK_MONOTONIC stamps (trace_write). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "internal.h"
#include "trace_format.h"
#include "narrate/redact.h"

#define TRACE_FLUSH_AT (120u * 1024u) /* an events block is written once it reaches this */
/* the most a record of the fast loop writes: id, delta and PLAN_MAXV values of 10 bytes each */
#define FAST_ROOM (10u * (2u + PLAN_MAXV))
#define TRACE_GAP 48u /* room kept before a thread's events for the block and events headers */

typedef struct tbuf {
    uint32_t tid;
    int raw;              /* the buffered events are RAWEVENTS (raw stamps), else EVENTS */
    uint64_t base, last;  /* the first and the latest stamp buffered */
    uint64_t count;
    char name[16];        /* the name last written in a THREAD block (a comm is at most 15 bytes) */
    uint64_t *pred;       /* PRAWEVENTS: the block's address predictions (trace_format.h) */
    uint64_t lost_reported, lost_written; /* the thread's drops: reported by the consumer, in DROPS blocks */
    narr__buf_t b;        /* TRACE_GAP bytes, then the events */
} tbuf_t;

/* How trace_raw writes a site's records, learnt at its first record (plan_site). */
enum { PLAN_UNSEEN = 0, PLAN_FAST = 1, PLAN_WALK = 2, PLAN_SKIP_LEVEL = 3 };
#define PLAN_MAXV 20 /* values of a site the tight loop handles (a plan is 32 bytes: indexed by a shift) */
#define ENUM_NAME_MAX 240u /* an enum constant's name longer than this is written without it */
enum { CODE_V = 0, CODE_ZIGZAG = 1, CODE_T0 = 2, CODE_FIXED = 3, CODE_STR = 4, CODE_ENUM = 5, CODE_PTR = 6 };
typedef struct plan {
    uint8_t how;
    uint8_t nv;              /* PLAN_FAST: values */
    uint8_t nenum;           /* of them enums (each needs room for its name) */
    uint8_t context;         /* a context entered or left: written, not an event (readers link processes by it) */
    uint16_t fixed;          /* PLAN_FAST with 8-byte values only: the record's size, else 0 */
    uint32_t secret;         /* PLAN_FAST: values (bit k) in a secret's place, written as [REDACTED] or 0 */
    uint8_t code[PLAN_MAXV]; /* per value, CODE_*: how it is written */
} plan_t;
_Static_assert(sizeof(plan_t) == 32, "plans are indexed by a shift in the tight loop");

/* What the walking encoder needs of a site's secrets, decided once with its plan (beside it, so
 * the tight loop's plans stay small): values in a secret's place by type index, and whether the
 * site's keys are values ("%s=%s": decided per record). */
typedef struct site_secrets {
    uint64_t by_type;
    int dynamic_keys;
} site_secrets_t;

typedef struct trace {
    int fd;
    int failed;
    int any_raw; /* records came straight from the rings (their loss records place the losses) */
    int ended;   /* the END block is written */
    tbuf_t *threads;
    size_t nthreads;
    uint64_t last_calib;
    plan_t *plans; /* by site id */
    site_secrets_t *secrets; /* by site id, beside plans */
    size_t nplans;
    narr_level_t min_level;
    uint64_t clock_segs; /* the clock's segments written as CLOCK blocks */
    narr__buf_t block, scratch;
    narr__buf_t meta; /* framed site and clock blocks not written yet (flush_meta) */
    int keep_secrets; /* NARRATE_TRACE_KEEP_SECRETS=1: strings written as recorded (local debugging) */
    narr__buf_t red;  /* a redacted string or narration record on its way into the file */
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

/* Small blocks (sites, clock points) wait in t->meta and go out in one write before the next
 * events block: a program that reaches a thousand sites in its first milliseconds must not cost
 * the consumer a thousand writes while its rings fill. */
static void flush_meta(trace_t *t)
{
    if (t->meta.len == 0) return;
    if (!t->meta.oom) write_all(t, t->meta.p, t->meta.len);
    else t->failed = 1; /* blocks lost: later events would name unknown sites */
    t->meta.len = 0;
}

static void emit_block(trace_t *t, unsigned type, const narr__buf_t *payload)
{
    narr__trace_block(&t->block, type, payload);
    if (t->block.oom) return;
    narr__buf_put(&t->meta, t->block.p, t->block.len);
    if (t->meta.len >= TRACE_FLUSH_AT) flush_meta(t);
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

void narr__trace_site(narr__buf_t *b, const narr_site_t *s, uint32_t id, int redact)
{
    unsigned i;
    uint64_t secret = redact ? narr__site_secret_values(s) : 0;
    if (redact && narr__site_dynamic_keys(s) && s->ntypes <= 64) {
        /* "%s=%s" with a literal value: the key is known only per record, so the literal is
         * kept out as if every key were a secret's */
        const char *strs[64];
        for (i = 0; i < s->ntypes; i++) strs[i] = s->types[i] == NARR__T_STR ? "password" : NULL;
        secret |= narr__record_secret_values(s, strs);
    }
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
    if (redact && s->fmt != NULL) { /* a secret typed into the format stays out */
        narr__buf_t f = {0};
        narr__put_fmt_redacted(&f, s->fmt);
        put_s(b, f.p ? f.p : "", f.len);
        narr__buf_free(&f);
    } else {
        put_cs(b, s->fmt);
    }
    put_cs(b, s->file);
    put_cs(b, s->func);
    for (i = 0; i < s->ntypes; i++) {
        const char *lit = s->lits ? s->lits[i] : NULL;
        if (s->types[i] != NARR__T_LIT) continue;
        if (redact && lit != NULL && i < 64 && ((secret >> i) & 1)) {
            put_cs(b, NARR_REDACTED);
        } else if (redact && lit != NULL) {
            narr__buf_t r = {0};
            narr__redact_append(&r, lit, strlen(lit));
            put_s(b, r.p ? r.p : "", r.len);
            narr__buf_free(&r);
        } else {
            put_cs(b, lit);
        }
    }
    narr__put_v(b, s->keys ? s->npre : 0u);
    for (i = 0; s->keys && i < s->npre; i++) put_cs(b, s->keys[i]);
}

static void emit_site(trace_t *t, const narr_site_t *s, uint32_t id)
{
    t->scratch.len = 0;
    narr__trace_site(&t->scratch, s, id, !t->keep_secrets);
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
    if ((t->threads[t->nthreads].pred = calloc(NARR_TRACE_PRED_SLOTS, sizeof(uint64_t))) == NULL) return NULL;
    if (narr__buf_reserve(&t->threads[t->nthreads].b, TRACE_FLUSH_AT + 4096) != 0) {
        free(t->threads[t->nthreads].pred);
        return NULL;
    }
    t->threads[t->nthreads].b.len = TRACE_GAP;
    return &t->threads[t->nthreads++];
}

/* The thread's name, from its comm, as a THREAD block when it is new or changed (readers name
 * tracks with it). One read of /proc per events block, on the consumer; a thread that has ended
 * keeps the name it had. */
static void emit_thread_name(trace_t *t, tbuf_t *tb)
{
    char path[64], name[16];
    ssize_t n;
    int fd;
    snprintf(path, sizeof path, "/proc/self/task/%u/comm", tb->tid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    n = read(fd, name, sizeof name - 1);
    close(fd);
    if (n <= 0) return;
    if (name[n - 1] == '\n') n--;
    name[n] = '\0';
    if (strcmp(name, tb->name) == 0) return;
    memcpy(tb->name, name, (size_t)n + 1);
    t->scratch.len = 0;
    narr__put_v(&t->scratch, tb->tid);
    put_cs(&t->scratch, name);
    emit_block(t, NARR_TB_THREAD, &t->scratch);
}

/* The thread's buffered events as one block: its headers are written into the gap before
 * them, so the events are not copied. */
static void emit_events(trace_t *t, tbuf_t *tb)
{
    unsigned char head[30], *p = head, *start;
    uint32_t hdr[4];
    size_t n, plen;
    if (tb->count == 0) return;
    emit_thread_name(t, tb);
    flush_meta(t); /* the sites these events name come first */
    p = narr__put_v_raw(p, tb->tid);
    p = narr__put_v_raw(p, tb->base);
    p = narr__put_v_raw(p, tb->count);
    n = (size_t)(p - head);
    start = (unsigned char *)tb->b.p + TRACE_GAP - n - sizeof hdr;
    memcpy(start + sizeof hdr, head, n);
    plen = tb->b.len - TRACE_GAP + n;
    hdr[0] = NARR_TRACE_BLOCK_MAGIC;
    hdr[1] = tb->raw ? NARR_TB_PRAWEVENTS : NARR_TB_EVENTS;
    hdr[2] = (uint32_t)plen;
    hdr[3] = narr__crc32c(start + sizeof hdr, plen);
    memcpy(start, hdr, sizeof hdr);
    write_all(t, start, sizeof hdr + plen);
    tb->count = 0;
    tb->b.len = TRACE_GAP;
}

/* n of the thread's events lost at mono (CLOCK_MONOTONIC ns), as a DROPS block. */
static void emit_drops(trace_t *t, tbuf_t *tb, uint64_t mono, uint64_t n)
{
    if (n == 0) return;
    tb->lost_written += n;
    t->scratch.len = 0;
    narr__put_v(&t->scratch, tb->tid);
    narr__put_v(&t->scratch, mono);
    narr__put_v(&t->scratch, n);
    emit_block(t, NARR_TB_DROPS, &t->scratch);
}

/* The live consumer's conversion segments made since the last CLOCK block, one CLOCK block each
 * (a stamp converts by the last point at or below it, as live), before any events that need them. */
static void emit_clock(trace_t *t)
{
    uint64_t raw, mono, k, n = narr__clock_segments();
    double rate;
    for (k = t->clock_segs; k < n; k++) {
        if (narr__clock_segment(k, &raw, &mono, &rate) != 0) continue; /* not kept: the next one serves */
        t->scratch.len = 0;
        narr__put_v(&t->scratch, (uint64_t)narr__clock_is_tsc);
        narr__put_v(&t->scratch, raw);
        narr__put_v(&t->scratch, mono);
        narr__put_v(&t->scratch, (uint64_t)(rate * 4294967296.0)); /* 32.32, as recovery files */
        narr__buf_put(&t->scratch, &rate, 8);                       /* the exact rate */
        emit_block(t, NARR_TB_CLOCK, &t->scratch);
    }
    t->clock_segs = n;
}

/* What to do with a site's records; described in the file at its first. s: the site, or NULL
 * to look it up by id. NULL: unknown site. */
static const plan_t *plan_site(trace_t *t, uint32_t id, const narr_site_t *s)
{
    plan_t *pl;
    unsigned i, nv = 0;
    uint64_t secret;
    if (id >= t->nplans) {
        size_t want = (size_t)id * 2 + 64;
        plan_t *fresh = realloc(t->plans, want * sizeof *fresh);
        site_secrets_t *sec;
        if (fresh == NULL) return NULL;
        memset(fresh + t->nplans, 0, (want - t->nplans) * sizeof *fresh);
        t->plans = fresh;
        if ((sec = realloc(t->secrets, want * sizeof *sec)) == NULL) return NULL;
        memset(sec + t->nplans, 0, (want - t->nplans) * sizeof *sec);
        t->secrets = sec;
        t->nplans = want;
    }
    pl = &t->plans[id];
    if (pl->how != PLAN_UNSEEN) return pl;
    if (s == NULL && (s = narr__site_get(id)) == NULL) return NULL;
    if (s->kind >= NARR_KIND_CONTEXT) {
        pl->context = 1; /* whatever the level: readers follow each thread's context (trace ids) */
    } else if (s->kind != NARR_KIND_NARRATE && s->level < t->min_level) {
        pl->how = PLAN_SKIP_LEVEL;
        return pl;
    }
    emit_site(t, s, id);
    pl->how = PLAN_FAST;
    secret = t->keep_secrets ? 0 : narr__site_secret_values(s);
    t->secrets[id].by_type = secret;
    t->secrets[id].dynamic_keys = !t->keep_secrets && narr__site_dynamic_keys(s);
    for (i = 0; i < s->ntypes && s->kind != NARR_KIND_NARRATE; i++) {
        if (i == s->npre || s->types[i] == NARR__T_LIT) continue;
        if (nv == PLAN_MAXV) break;
        if (i < 64 && ((secret >> i) & 1)) pl->secret |= (uint32_t)1u << nv;
        switch (s->types[i]) {
        case NARR__T_I64: pl->code[nv++] = CODE_ZIGZAG; break;
        case NARR__T_U64: case NARR__T_BOOL:
            pl->code[nv++] = s->keys != NULL && i < s->npre && strcmp(s->keys[i], "@t0") == 0 ? CODE_T0 : CODE_V;
            break;
        case NARR__T_F64: pl->code[nv++] = CODE_FIXED; break; /* 8 bytes, no loop */
        case NARR__T_PTR: pl->code[nv++] = CODE_PTR; break;   /* the change from the slot's last address */
        case NARR__T_STR: pl->code[nv++] = CODE_STR; break;
        case NARR__T_ENUM: pl->code[nv++] = CODE_ENUM, pl->nenum++; break;
        default: nv = PLAN_MAXV; /* unknown: walked */
        }
    }
    if (s->kind == NARR_KIND_NARRATE || nv == PLAN_MAXV || t->secrets[id].dynamic_keys)
        pl->how = PLAN_WALK; /* "%s=%s": secrets decided per record */
    pl->nv = (uint8_t)nv;
    pl->fixed = (uint16_t)(NARR__REC_HDR + 8u * nv);
    for (i = 0; i < nv; i++)
        if (pl->code[i] == CODE_STR || pl->code[i] == CODE_ENUM) pl->fixed = 0;
    if (pl->how != PLAN_FAST || pl->secret != 0 || pl->context) pl->fixed = 0; /* secrets: the loop that checks */
    return pl;
}

/* An exit's enter stamp in a RAWEVENTS record: how long before the exit's own, plus one. */
static uint64_t t0_delta(uint64_t t0, uint64_t stamp)
{
    return t0 == 0 ? 0 : t0 <= stamp ? stamp - t0 + 1 : 1;
}

/* The bytes of a string value as the file takes them: as recorded when clean (or when secrets are
 * kept), redacted by content, or [REDACTED] whole when it sits in a secret's place. *len and *h
 * (its length and header) follow; the bytes returned may be t->red's. */
static const unsigned char *str_for_file(trace_t *t, const unsigned char *s, size_t *len, uint32_t *h, int secret)
{
    if (t->keep_secrets || (*h & NARR__STR_NULL)) return s;
    t->red.len = 0;
    if (secret) narr__buf_put(&t->red, NARR_REDACTED, sizeof NARR_REDACTED - 1);
    if (!secret && narr__redact_append(&t->red, (const char *)s, *len) == 0) return s;
    *len = t->red.len;
    *h = (*h & NARR__STR_TRUNC) | (uint32_t)*len;
    return (const unsigned char *)t->red.p;
}

/* The record's values, re-encoded compactly (see trace_format.h). stamp: the record's raw
 * stamp for PRAWEVENTS (a "@t0" becomes a delta; addresses are predicted by pred, the block's
 * table, for site id), 0 for EVENTS (a "@t0" becomes CLOCK_MONOTONIC). */
static void encode_values(trace_t *t, narr__buf_t *b, const narr_site_t *s, const site_secrets_t *sec,
                          const unsigned char *p, size_t len, uint64_t stamp, uint64_t *pred, uint32_t id)
{
    const unsigned char *end = p + len;
    unsigned i, k = 0; /* k: the value's number, its prediction slot */
    uint64_t secret = 0;
    if (s->kind == NARR_KIND_NARRATE) {
        t->red.len = 0;
        if (!t->keep_secrets && narr__narration_redacted(&t->red, p, len) == 0) put_s(b, t->red.p, t->red.len);
        else if (t->keep_secrets) put_s(b, (const char *)p, len);
        else put_s(b, "", 0); /* a record that does not parse: nothing of it goes out */
        return;
    }
    if (sec->dynamic_keys && s->ntypes <= 64) {
        /* "%s=%s": the record's own strings decide which values are secrets */
        const char *strs[64];
        size_t at[64];
        const unsigned char *q = p;
        t->red.len = 0;
        for (i = 0; i < s->ntypes; i++) {
            uint64_t w;
            strs[i] = NULL;
            at[i] = SIZE_MAX;
            if (i == s->npre || s->types[i] == NARR__T_LIT) continue;
            if (q + 8 > end) break;
            memcpy(&w, q, 8);
            if (s->types[i] == NARR__T_STR) {
                uint32_t h = (uint32_t)w, n = (h & NARR__STR_NULL) ? 0 : NARR__STR_LEN(h);
                if (n > (size_t)(end - q - 8)) break;
                if (!(h & NARR__STR_NULL)) {
                    at[i] = t->red.len;
                    narr__buf_put(&t->red, q + 8, n);
                    narr__buf_putc(&t->red, '\0');
                }
                q += 8 + ((n + 7u) & ~7u);
            } else {
                q += s->types[i] == NARR__T_ENUM ? 16 : 8;
            }
        }
        for (i = 0; i < s->ntypes; i++) strs[i] = at[i] == SIZE_MAX || t->red.oom ? NULL : t->red.p + at[i];
        secret = narr__record_secret_values(s, strs);
    } else {
        secret = sec->by_type;
    }
    for (i = 0; i < s->ntypes; i++) {
        uint64_t v;
        if (i == s->npre || s->types[i] == NARR__T_LIT) continue;
        if (p + 8 > end) return;
        memcpy(&v, p, 8);
        k++;
        if (i < 64 && ((secret >> i) & 1) && s->types[i] != NARR__T_STR && s->types[i] != NARR__T_ENUM)
            v = 0; /* a number in a secret's place: written as 0 whatever its type */
        if (s->types[i] == NARR__T_PTR && pred != NULL) { /* PRAWEVENTS */
            uint64_t *q = &pred[narr__pred_slot(id, k - 1)];
            narr__put_v(b, narr__zigzag((int64_t)(v - *q)));
            *q = v;
            p += 8;
            continue;
        }
        switch (s->types[i]) {
        case NARR__T_I64: narr__put_v(b, narr__zigzag((int64_t)v)); p += 8; break;
        case NARR__T_F64: narr__buf_put(b, &v, 8); p += 8; break; /* (v: the recorded bytes, or 0) */
        case NARR__T_STR: {
            uint32_t h = (uint32_t)v, n = (h & NARR__STR_NULL) ? 0 : NARR__STR_LEN(h);
            const unsigned char *src = p + 8;
            size_t wlen = n;
            if (n > (size_t)(end - p - 8)) n = 0, wlen = 0, h = NARR__STR_NULL; /* damaged: cannot happen */
            src = str_for_file(t, src, &wlen, &h, i < 64 && ((secret >> i) & 1));
            narr__put_v(b, h);
            narr__buf_put(b, src, wlen);
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
        default: /* U64, BOOL */
            if (s->keys != NULL && i < s->npre && strcmp(s->keys[i], "@t0") == 0)
                v = stamp != 0 ? t0_delta(v, stamp) : v != 0 ? narr__clock_to_mono(v) : 0;
            narr__put_v(b, v);
            p += 8;
        }
    }
}

/* A string value's bytes into the file: as recorded when clean (or when secrets are kept),
 * redacted by content, or [REDACTED] whole when it sits in a secret's place. Returns the new
 * write position; may move the thread's buffer (base, room_end follow). */
static unsigned char *put_str_value(trace_t *t, tbuf_t *tb, unsigned char *p, uint32_t h, const unsigned char *s, uint32_t n,
                                    int secret)
{
    size_t len = n;
    const unsigned char *src = str_for_file(t, s, &len, &h, secret);
    if (len > n) { /* longer than recorded: make room */
        tb->b.len = (size_t)(p - (unsigned char *)tb->b.p);
        if (narr__buf_reserve(&tb->b, len + 16) != 0) {
            len = 0;
            h = NARR__STR_NULL;
        }
        p = (unsigned char *)tb->b.p + tb->b.len;
    }
    p = narr__put_v_raw(p, h);
    if (len) memcpy(p, src, len);
    return p + len;
}
/* One 8-byte value of a record by its plan's code: V, ZIGZAG and T0 (an exit's enter stamp, as
 * a delta) as LEB128, PTR as the change from the last address of its slot (*pred), FIXED
 * (doubles) as the 8 bytes. rec: the record (its site id and stamp, read again where needed:
 * kept in registers across the tight loop they were spilled on every record). */
static inline unsigned char *put_word(unsigned char *p, unsigned code, const unsigned char *v, const unsigned char *rec,
                                      uint64_t *pred, unsigned k)
{
    uint64_t x;
    memcpy(&x, v, 8);
    if (__builtin_expect(code == CODE_ZIGZAG, 1)) {
        x = narr__zigzag((int64_t)x);
    } else if (code == CODE_PTR) {
        uint32_t id;
        uint64_t *q;
        memcpy(&id, rec, 4);
        q = &pred[narr__pred_slot(id, k)];
        uint64_t d = x - *q;
        *q = x;
        x = narr__zigzag((int64_t)d);
    } else if (code != CODE_V) {
        if (code == CODE_FIXED) {
            memcpy(p, v, 8);
            return p + 8;
        }
        {
            uint64_t stamp;
            memcpy(&stamp, rec + 8, 8);
            x = t0_delta(x, stamp);
        }
    }
    return narr__put_v_raw(p, x);
}

/* A thread's committed records straight from its ring; returns the events among them. The
 * loop keeps its state in locals: its byte stores may alias anything, so fields would be
 * reloaded after each one. */
static size_t trace_raw(const narr__raw_batch_t *rb, void *user)
{
    trace_t *t = user;
    const unsigned char *buf = rb->r->buf;
    const uint64_t mask = rb->r->mask, end = rb->end;
    uint64_t pos = rb->pos, last, count;
    size_t events = 0, nplans;
    unsigned char *p, *room_end, *base;
    const plan_t *plans;
    uint64_t *pred;
    tbuf_t *tb;
    if (!t->failed) emit_clock(t);
    tb = t->failed ? NULL : thread_buf(t, rb->tid);
    if (tb == NULL) return narr__ring_events(rb->r, rb->pos, rb->end); /* a failed file, no memory */
    if (tb->count != 0 && !tb->raw) emit_events(t, tb); /* was buffering decoded events */
    tb->raw = 1;
    t->any_raw = 1;
    pred = tb->pred;
    base = (unsigned char *)tb->b.p;
    p = base + tb->b.len;
    room_end = base + tb->b.cap;
    last = tb->last;
    count = tb->count;
    plans = t->plans;
    nplans = t->nplans;
    while (pos < end) {
        const unsigned char *rec;
        const plan_t *pl;
        uint32_t id, size;
        uint64_t stamp;
        /* The common case in the tightest loop: a known site whose values are all 8 bytes
         * wide, room in the buffer, no block to start or end. Anything else falls through. */
        if (count != 0) {
            /* stop before the block is full or the buffer lacks room for one more record */
            const unsigned char *stop = (size_t)(room_end - base) >= TRACE_FLUSH_AT + FAST_ROOM ? base + TRACE_FLUSH_AT : room_end - FAST_ROOM;
            /* records walked by address, up to the batch's end or the ring's (a record starts
             * below the ring's end and may run into the slack past it; the next one starts at
             * the beginning again, where the outer loop picks it up) */
            const unsigned char *const rec0 = buf + (pos & mask);
            const unsigned char *const rec_end = (pos & mask) + (end - pos) < mask + 1 ? rec0 + (end - pos) : buf + mask + 1;
            uint64_t taken = 0;
            rec = rec0;
            while (rec < rec_end && p < stop) {
                const unsigned char *v;
                unsigned k, nv;
                /* the producer wrote these lines on another core, maybe long ago (a grown ring):
                 * ask for the next ones early (past the ring's end near a wrap: a prefetch
                 * never faults) */
                __builtin_prefetch(rec + 512);
                memcpy(&id, rec, 4);
                memcpy(&size, rec + 4, 4);
                if (id >= nplans || plans[id].fixed != size) break;
                pl = &plans[id];
                taken++;
                memcpy(&stamp, rec + 8, 8);
                p = narr__put_v_raw(p, id);
                if (__builtin_expect(stamp > last, 1)) {
                    p = narr__put_v_raw(p, stamp - last);
                    last = stamp;
                } else {
                    *p++ = 0;
                }
                v = rec + NARR__REC_HDR;
                for (k = 0, nv = pl->nv; k < nv; k++, v += 8)
                    p = put_word(p, pl->code[k], v, rec, pred, k);
                rec += size;
            }
            /* every record taken here is an event: sizes were checked against the plan */
            if (taken != 0) {
                pos += (uint64_t)(rec - rec0);
                events += taken;
                count += taken;
                continue;
            }
        }
        rec = buf + (pos & mask);
        /* the producer wrote these lines on another core: ask for the next ones early */
        __builtin_prefetch(buf + ((pos + 512u) & mask));
        memcpy(&id, rec, 4);
        memcpy(&size, rec + 4, 4);
        if (size < NARR__REC_HDR || size > NARR_CFG_RING_SLACK) break; /* damaged memory: the consumer skips */
        pos += (size + 7u) & ~7u;
        if (id == NARR__ID_LOSS && size == NARR__LOSS_REC) {
            /* events were dropped here: the thread's events so far, then the loss, in file order */
            uint64_t n;
            memcpy(&stamp, rec + 8, 8);
            memcpy(&n, rec + 16, 8);
            tb->b.len = (size_t)(p - base);
            tb->count = count;
            tb->last = last;
            emit_events(t, tb);
            emit_drops(t, tb, narr__clock_to_mono(stamp), n);
            count = 0;
            base = (unsigned char *)tb->b.p;
            p = base + tb->b.len;
            room_end = base + tb->b.cap;
            continue;
        }
        if (id < nplans && plans[id].how != PLAN_UNSEEN) {
            pl = &plans[id];
        } else {
            pl = plan_site(t, id, NULL); /* may move the table */
            plans = t->plans;
            nplans = t->nplans;
        }
        if (pl == NULL || pl->how == PLAN_SKIP_LEVEL) {
            events += pl != NULL; /* below the level: delivered to no file */
            continue;
        }
        events += !pl->context;
        /* a record's values never grow past twice its size, but for enum names */
        if ((size_t)(room_end - p) < 2u * size + 64u + pl->nenum * (ENUM_NAME_MAX + 8u)) {
            tb->b.len = (size_t)(p - base);
            if (narr__buf_reserve(&tb->b, 2u * size + 64u + pl->nenum * (ENUM_NAME_MAX + 8u)) != 0) break;
            base = (unsigned char *)tb->b.p;
            p = base + tb->b.len;
            room_end = base + tb->b.cap;
        }
        memcpy(&stamp, rec + 8, 8);
        if (count == 0) { /* a new block: its predictions start from nothing */
            tb->base = last = stamp;
            memset(pred, 0, NARR_TRACE_PRED_SLOTS * sizeof *pred);
        }
        p = narr__put_v_raw(p, id);
        p = narr__put_v_raw(p, stamp > last ? stamp - last : 0);
        if (stamp > last) last = stamp;
        if (pl->how == PLAN_FAST) {
            const unsigned char *v = rec + NARR__REC_HDR, *vend = rec + size;
            unsigned k, nv = pl->nv;
            for (k = 0; k < nv && v + 8 <= vend; k++, v += 8) {
                uint64_t x;
                memcpy(&x, v, 8);
                if (((pl->secret >> k) & 1) && pl->code[k] != CODE_STR && pl->code[k] != CODE_ENUM) {
                    static const unsigned char zero[8]; /* a number in a secret's place */
                    p = put_word(p, pl->code[k] == CODE_T0 ? CODE_V : pl->code[k], zero, rec, pred, k);
                    continue;
                }
                switch (pl->code[k]) {
                case CODE_STR: {
                    uint32_t h = (uint32_t)x, n = (h & NARR__STR_NULL) ? 0 : NARR__STR_LEN(h);
                    if (n > (uint64_t)(vend - v - 8)) n = 0, h = NARR__STR_NULL; /* damaged: cannot happen */
                    p = put_str_value(t, tb, p, h, v + 8, n, (pl->secret >> k) & 1);
                    base = (unsigned char *)tb->b.p;
                    room_end = base + tb->b.cap;
                    v += (n + 7u) & ~7u;
                    continue;
                }
                case CODE_ENUM: { /* value, then its constant's name with its NUL (0: none) */
                    uint64_t a;
                    const char *name;
                    size_t n;
                    if (v + 16 > vend) { /* damaged: cannot happen */
                        p = narr__put_v_raw(p, narr__zigzag((int64_t)x));
                        *p++ = 0;
                        continue;
                    }
                    memcpy(&a, v + 8, 8);
                    name = (const char *)(uintptr_t)a;
                    n = name != NULL ? strnlen(name, ENUM_NAME_MAX + 1) : 0;
                    p = narr__put_v_raw(p, narr__zigzag((int64_t)x));
                    if (n == 0 || n > ENUM_NAME_MAX) {
                        *p++ = 0;
                    } else {
                        p = narr__put_v_raw(p, n + 1);
                        memcpy(p, name, n + 1);
                        p += n + 1;
                    }
                    v += 8;
                    continue;
                }
                default: p = put_word(p, pl->code[k], v, rec, pred, k); /* V, ZIGZAG, T0, PTR, FIXED */
                }
            }
        } else {
            const narr_site_t *s = narr__site_get(id);
            tb->b.len = (size_t)(p - base);
            if (s != NULL) encode_values(t, &tb->b, s, &t->secrets[id], rec + NARR__REC_HDR, size - NARR__REC_HDR, stamp, pred, id);
            base = (unsigned char *)tb->b.p;
            p = base + tb->b.len;
            room_end = base + tb->b.cap;
        }
        count++;
        if ((size_t)(p - base) >= TRACE_FLUSH_AT) {
            tb->b.len = (size_t)(p - base);
            tb->count = count;
            tb->last = last;
            emit_events(t, tb);
            count = 0;
            p = base + tb->b.len;
        }
    }
    tb->b.len = (size_t)(p - base);
    tb->count = count;
    tb->last = last;
    if (pos < end) events += narr__ring_events(rb->r, pos, end); /* no memory for the rest */
    return events;
}

/* A decoded event (sampling, overwrite mode, narrate recover; drop reports always). */
static void trace_write(const narr_event_t *ev, void *user)
{
    trace_t *t = user;
    tbuf_t *tb;
    const plan_t *pl;
    uint32_t id;
    if (t->failed) return;
    if (ev->kind == NARR_KIND_DROP) {
        /* Taken from the ring, a thread's losses are written where its loss records stand
         * (trace_raw), so readers resynchronise its calls at the right event. The consumer's
         * reports come a batch later: they are only counted, and what no loss record said is
         * written at the end (trace_ctl). Without records from the ring (decoded events), now. */
        if ((tb = thread_buf(t, ev->tid)) == NULL) return;
        tb->lost_reported += ev->dropped;
        if (!t->any_raw) emit_drops(t, tb, ev->mono_ns, tb->lost_reported - tb->lost_written);
        return;
    }
    if (ev->site == NULL || ev->raw == NULL) return;
    id = narr__site_id(ev->site);
    pl = plan_site(t, id, ev->site);
    if (pl == NULL || pl->how == PLAN_SKIP_LEVEL) return;
    tb = thread_buf(t, ev->tid);
    if (tb == NULL) return;
    if (tb->count != 0 && tb->raw) emit_events(t, tb);
    tb->raw = 0;
    if (tb->count == 0) tb->base = tb->last = ev->mono_ns;
    narr__put_v(&tb->b, id);
    narr__put_v(&tb->b, ev->mono_ns >= tb->last ? ev->mono_ns - tb->last : 0);
    tb->last = ev->mono_ns;
    encode_values(t, &tb->b, ev->site, &t->secrets[id], ev->raw, ev->raw_len, 0, NULL, id);
    tb->count++;
    if (tb->b.len >= TRACE_FLUSH_AT) emit_events(t, tb);
}

static void trace_ctl(void *user, narr_sink_op_t op)
{
    trace_t *t = user;
    size_t i;
    if (op == NARR__SINK_ABANDON) t->failed = 1; /* a forked child: write nothing, free all */
    for (i = 0; i < t->nthreads; i++) emit_events(t, &t->threads[i]);
    if (op != NARR_SINK_FLUSH) /* losses no loss record stood for (a thread that ended full) */
        for (i = 0; i < t->nthreads; i++)
            if (t->threads[i].lost_reported > t->threads[i].lost_written)
                emit_drops(t, &t->threads[i], narr__mono_ns(), t->threads[i].lost_reported - t->threads[i].lost_written);
    if (op == NARR_SINK_CLOSE || narr__mono_ns() - t->last_calib > 1000000000u) emit_calib(t);
    if (op == NARR_SINK_CLOSE || (__atomic_load_n(&narr__crash_state, __ATOMIC_ACQUIRE) != 0 && !t->ended)) {
        /* the file is whole: readers tell a file cut at a block's end from a finished one */
        t->scratch.len = 0;
        narr__put_v(&t->scratch, op == NARR_SINK_CLOSE ? 0u : 1u);
        emit_block(t, NARR_TB_END, &t->scratch);
        t->ended = 1;
    }
    flush_meta(t);
    if (op == NARR_SINK_FLUSH) return;
    close(t->fd);
    for (i = 0; i < t->nthreads; i++) {
        narr__buf_free(&t->threads[i].b);
        free(t->threads[i].pred);
    }
    free(t->threads);
    free(t->plans);
    free(t->secrets);
    narr__buf_free(&t->block);
    narr__buf_free(&t->scratch);
    narr__buf_free(&t->meta);
    narr__buf_free(&t->red);
    free(t);
}

/* The trace file, held with an exclusive lock for the writer's life: a second process given the
 * same path (two programs with one NARRATE_OUTPUT) would interleave blocks whose site ids mean
 * different things, so it writes PATH.<pid> instead and says so. */
static int open_own(const char *path)
{
    char other[4096];
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        if (ftruncate(fd, 0) != 0 && errno != EINVAL) { /* a FIFO or a device is written as it is */ }
        return fd;
    }
    close(fd);
    snprintf(other, sizeof other, "%s.%ld", path, (long)getpid());
    fprintf(stderr, "narrate: NARRATE_OUTPUT: trace:%s is being written by another process; this one (pid %ld) "
                    "writes %s\n", path, (long)getpid(), other);
    fd = open(other, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) flock(fd, LOCK_EX | LOCK_NB);
    return fd;
}

int narr_sink_trace_add(const char *path, narr_level_t min_level)
{
    trace_t *t;
    int id;
    uint32_t hdr[2] = {NARR_TRACE_VERSION, 0};
    if (path == NULL || (unsigned)min_level > NARR_LEVEL_OFF) return NARR_EINVAL;
    t = calloc(1, sizeof *t);
    if (t == NULL) return NARR_ENOMEM;
    t->fd = open_own(path);
    if (t->fd < 0) {
        int e = errno; /* the caller reports why */
        free(t);
        errno = e;
        return NARR_EIO;
    }
    t->min_level = min_level;
    t->clock_segs = 0; /* the first raw records write the conversion (on the consumer) */
    write_all(t, NARR_TRACE_MAGIC, 8);
    write_all(t, hdr, sizeof hdr);
    {
        /* secrets stay out of the file unless a developer asks for them, loudly, on a machine of
         * their own; the policy is recorded so readers know which file they hold */
        const char *keep = getenv("NARRATE_TRACE_KEEP_SECRETS");
        t->keep_secrets = keep != NULL && strcmp(keep, "1") == 0;
        if (t->keep_secrets)
            fprintf(stderr, "narrate: NARRATE_TRACE_KEEP_SECRETS=1: %s holds secrets in clear (nothing is redacted "
                            "in it); never share it\n", path);
        else if (keep != NULL && keep[0] != '\0' && strcmp(keep, "0") != 0)
            fprintf(stderr, "narrate: NARRATE_TRACE_KEEP_SECRETS='%s' is not 1 or 0; secrets are redacted\n", keep);
    }
    put_cs(&t->scratch, narr__program_name());
    narr__put_v(&t->scratch, (uint64_t)getpid());
    narr__put_v(&t->scratch, t->keep_secrets ? 0u : (uint64_t)NARR_REDACT_DEFAULT); /* the redaction policy */
    emit_block(t, NARR_TB_META, &t->scratch);
    emit_calib(t);
    id = narr__sink_add_raw(trace_raw, trace_write, trace_ctl, t, min_level, NARR__SINK_ABANDONS);
    if (id < 0) trace_ctl(t, NARR_SINK_CLOSE);
    return id;
}
