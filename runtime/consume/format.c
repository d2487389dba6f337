/* runtime/consume/format.c - turn a record's payload back into an event: prefix values become target,
 * correlation id and key/values; the format is replayed one conversion at a time with the
 * captured values, so the caller's thread never formats. */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct value {
    unsigned char type;
    union {
        long long i;
        unsigned long long u;
        double f;
        uint64_t p;
    } v;
    const char *s; /* NARR__T_STR; NARR__T_ENUM: the constant's name or NULL */
    size_t slen;
    int snull, strunc;
} value_t;

#define MAX_VALUES 32

/* A string slot at p[*off]: bytes and length (not NUL-terminated), or -1 when damaged. */
static int take_str(const unsigned char *p, size_t len, size_t *off, value_t *v)
{
    uint32_t h;
    memset(v, 0, sizeof *v);
    v->type = NARR__T_STR;
    if (*off + 8 > len) return -1;
    memcpy(&h, p + *off, 4);
    *off += 8;
    if (h & NARR__STR_NULL) {
        v->snull = 1;
        return 0;
    }
    v->slen = NARR__STR_LEN(h);
    if (*off + v->slen > len) return -1;
    v->s = (const char *)p + *off;
    v->strunc = (h & NARR__STR_TRUNC) != 0;
    *off += (v->slen + 7u) & ~(size_t)7u;
    return 0;
}

/* Reads values in site order; returns the count or -1 on a damaged payload. */
static int read_values(const narr_site_t *site, const unsigned char *p, size_t len, value_t *out)
{
    size_t off = 0;
    unsigned i;
    int n = 0;
    for (i = 0; i < site->ntypes && i < MAX_VALUES; i++) {
        value_t *v = &out[n];
        if (i == site->npre) continue; /* the format's own slot carries nothing */
        memset(v, 0, sizeof *v);
        v->type = site->types[i];
        if (v->type == NARR__T_LIT) {
            v->type = NARR__T_STR;
            v->s = site->lits != NULL ? site->lits[i] : NULL; /* (generated sites without literals: NULL) */
            v->snull = v->s == NULL;
            v->slen = v->s ? strlen(v->s) : 0;
            n++;
            continue;
        }
        if (off + 8 > len) return -1;
        if (v->type == NARR__T_STR) {
            if (take_str(p, len, &off, v) != 0) return -1;
        } else if (v->type == NARR__T_ENUM) {
            uint64_t a;
            if (off + 16 > len) return -1;
            memcpy(&v->v, p + off, 8);
            memcpy(&a, p + off + 8, 8);
            v->s = (const char *)(uintptr_t)a;
            off += 16;
        } else {
            memcpy(&v->v, p + off, 8);
            off += 8;
        }
        n++;
    }
    return n;
}

/* A value as text for key="value" fields. */
static void put_value(narr__buf_t *b, const value_t *v)
{
    switch (v->type) {
    case NARR__T_I64: narr__buf_printf(b, "%lld", v->v.i); break;
    case NARR__T_U64: narr__buf_printf(b, "%llu", v->v.u); break;
    case NARR__T_F64: narr__buf_printf(b, "%g", v->v.f); break;
    case NARR__T_PTR: narr__buf_printf(b, "0x%" PRIx64, v->v.p); break;
    case NARR__T_BOOL: narr__buf_put(b, v->v.u ? "true" : "false", v->v.u ? 4 : 5); break;
    case NARR__T_ENUM:
        if (v->s != NULL) narr__buf_put(b, v->s, strlen(v->s));
        else narr__buf_printf(b, "%lld", v->v.i);
        break;
    case NARR__T_STR:
        if (v->snull) narr__buf_put(b, "(null)", 6);
        else narr__buf_put(b, v->s, v->slen);
        if (v->strunc) narr__buf_put(b, NARR_CFG_TRUNC_MARK, sizeof NARR_CFG_TRUNC_MARK - 1);
        break;
    default: narr__buf_put(b, "?", 1);
    }
}

/* Conversion specification: flags, width, precision, length, conversion char. */
typedef struct spec {
    char flags[8];
    int width, has_width, prec, has_prec;
    char len[3];
    char conv;
} spec_t;

/* A '*' width or precision, within +-4096. */
static int star(const value_t *v)
{
    return v->v.i > 4096 ? 4096 : v->v.i < -4096 ? -4096 : (int)v->v.i;
}

static const char *parse_spec(const char *f, spec_t *sp, const value_t *vals, int nvals, int *next)
{
    size_t nf = 0;
    memset(sp, 0, sizeof *sp);
    while (*f && strchr("-+ #0'", *f)) {
        if (nf + 1 < sizeof sp->flags && *f != '\'') sp->flags[nf++] = *f;
        f++;
    }
    if (*f == '*') {
        if (*next < nvals) sp->width = star(&vals[(*next)++]), sp->has_width = 1;
        f++;
    } else {
        while (*f >= '0' && *f <= '9') { /* digits past 4096 stop counting (clamped below) */
            if (sp->width <= 4096) sp->width = sp->width * 10 + (*f - '0');
            f++, sp->has_width = 1;
        }
    }
    if (*f == '.') {
        f++;
        sp->has_prec = 1;
        if (*f == '*') {
            if (*next < nvals) sp->prec = star(&vals[(*next)++]);
            if (sp->prec < 0) sp->has_prec = 0;
            f++;
        } else {
            while (*f >= '0' && *f <= '9') {
                if (sp->prec <= 4096) sp->prec = sp->prec * 10 + (*f - '0');
                f++;
            }
        }
    }
    /* a hostile width must not blow up the consumer ('*' values can be anything) */
    if (sp->width > 4096) sp->width = 4096;
    if (sp->width < -4096) sp->width = -4096;
    if (sp->prec > 4096) sp->prec = 4096;
    {
        size_t nl = 0;
        while (*f && strchr("hljztLq", *f) && nl < 2) sp->len[nl++] = *f++;
    }
    sp->conv = *f;
    return *f ? f + 1 : f;
}

/* (conv is an int: va_start's last named parameter must not be a type that is promoted) */
static void fmt_num(narr__buf_t *b, const spec_t *sp, const char *lenmod, int conv, ...)
{
    char fmt[40];
    va_list ap;
    int n;
    char tmp[4200];
    if (sp->has_width && sp->has_prec) snprintf(fmt, sizeof fmt, "%%%s%d.%d%s%c", sp->flags, sp->width, sp->prec, lenmod, conv);
    else if (sp->has_width) snprintf(fmt, sizeof fmt, "%%%s%d%s%c", sp->flags, sp->width, lenmod, conv);
    else if (sp->has_prec) snprintf(fmt, sizeof fmt, "%%%s.%d%s%c", sp->flags, sp->prec, lenmod, conv);
    else snprintf(fmt, sizeof fmt, "%%%s%s%c", sp->flags, lenmod, conv);
    va_start(ap, conv);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) narr__buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A double shown by an integer conversion: saturated, since an out-of-range cast is undefined
 * (NaN shows 0). */
static long long f_to_ll(double f)
{
    if (f != f) return 0;
    if (f >= 9223372036854775807.0) return LLONG_MAX;
    if (f <= -9223372036854775808.0) return LLONG_MIN;
    return (long long)f;
}

static unsigned long long f_to_ull(double f)
{
    if (f >= 18446744073709551615.0) return ULLONG_MAX;
    if (f < 0) return (unsigned long long)f_to_ll(f); /* as a negative int would show */
    return f != f ? 0 : (unsigned long long)f;
}

static long long signed_as(const value_t *v, const char *len)
{
    long long x = v->type == NARR__T_F64 ? f_to_ll(v->v.f) : v->v.i;
    if (strcmp(len, "hh") == 0) return (signed char)x;
    if (strcmp(len, "h") == 0) return (short)x;
    if (len[0] == '\0') return (int)x;
    if (strcmp(len, "l") == 0) return (long)x;
    return x;
}

static unsigned long long unsigned_as(const value_t *v, const char *len)
{
    unsigned long long x = v->type == NARR__T_F64 ? f_to_ull(v->v.f) : v->v.u;
    if (strcmp(len, "hh") == 0) return (unsigned char)x;
    if (strcmp(len, "h") == 0) return (unsigned short)x;
    if (len[0] == '\0') return (unsigned int)x;
    if (strcmp(len, "l") == 0) return (unsigned long)x;
    return x;
}

static void replay(narr__buf_t *b, const char *f, const value_t *vals, int nvals)
{
    int next = 0;
    while (*f) {
        const char *pct = strchr(f, '%');
        spec_t sp;
        const value_t *v;
        if (pct == NULL) {
            narr__buf_put(b, f, strlen(f));
            break;
        }
        narr__buf_put(b, f, (size_t)(pct - f));
        if (pct[1] == '%') {
            narr__buf_putc(b, '%');
            f = pct + 2;
            continue;
        }
        f = parse_spec(pct + 1, &sp, vals, nvals, &next);
        if (sp.conv == 'n' || sp.conv == '\0') continue; /* %n never writes; a dangling % prints nothing */
        if (next >= nvals) {
            narr__buf_put(b, "<missing>", 9);
            continue;
        }
        v = &vals[next++];
        switch (sp.conv) {
        case 'd': case 'i':
            if (v->type == NARR__T_STR || v->type == NARR__T_PTR) goto mismatch;
            if (sp.flags[0] == '\0' && !sp.has_width && !sp.has_prec) { /* plain %d: the common case, no printf */
                long long x = signed_as(v, sp.len);
                if (x < 0) narr__buf_putc(b, '-');
                narr__buf_put_u64(b, x < 0 ? 0ull - (unsigned long long)x : (unsigned long long)x);
            } else {
                fmt_num(b, &sp, "ll", 'd', signed_as(v, sp.len));
            }
            break;
        case 'u': case 'o': case 'x': case 'X':
            if (v->type == NARR__T_STR || v->type == NARR__T_PTR) goto mismatch;
            if (sp.conv == 'u' && sp.flags[0] == '\0' && !sp.has_width && !sp.has_prec)
                narr__buf_put_u64(b, unsigned_as(v, sp.len)); /* plain %u */
            else
                fmt_num(b, &sp, "ll", sp.conv, unsigned_as(v, sp.len));
            break;
        case 'c':
            if (v->type != NARR__T_I64 && v->type != NARR__T_U64) goto mismatch;
            if (sp.has_width) fmt_num(b, &sp, "", 'c', (int)v->v.i);
            else narr__buf_putc(b, (char)v->v.i); /* keeps a NUL byte: sinks escape it */
            break;
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
            if (v->type != NARR__T_F64) goto mismatch;
            fmt_num(b, &sp, "", sp.conv, v->v.f);
            break;
        case 'p':
            if (v->type == NARR__T_F64) goto mismatch;
            if (v->v.p == 0) narr__buf_put(b, "(nil)", 5);
            else narr__buf_printf(b, "0x%" PRIx64, v->v.p);
            break;
        case 's':
            if (v->type != NARR__T_STR) goto mismatch;
            if (v->snull) {
                narr__buf_put(b, "(null)", 6);
            } else {
                size_t n = v->slen;
                int pad;
                if (sp.has_prec && (size_t)sp.prec < n) n = (size_t)sp.prec;
                pad = sp.has_width && (size_t)sp.width > n ? sp.width - (int)n : 0;
                if (strchr(sp.flags, '-') == NULL) while (pad-- > 0) narr__buf_putc(b, ' ');
                narr__buf_put(b, v->s, n);
                if (v->strunc && n == v->slen) narr__buf_put(b, NARR_CFG_TRUNC_MARK, sizeof NARR_CFG_TRUNC_MARK - 1);
                while (pad-- > 0) narr__buf_putc(b, ' ');
            }
            break;
        default:
            narr__buf_putc(b, '%');
            narr__buf_putc(b, sp.conv);
            next--; /* unknown conversion consumed nothing */
        }
        continue;
    mismatch:
        narr__buf_put(b, "<bad-arg>", 9);
    }
}

narr_kv_t *narr__decoded_kv(narr__decoded_t *d)
{
    if (d->ev.nkv == d->kv_cap) {
        size_t want = d->kv_cap ? d->kv_cap * 2 : 16;
        narr_kv_t *fresh = realloc(d->kv, want * sizeof *fresh);
        if (fresh == NULL) return NULL;
        d->kv = fresh;
        d->kv_cap = want;
    }
    d->ev.kv = d->kv;
    return &d->kv[d->ev.nkv++];
}

void narr__decoded_elapsed(narr__decoded_t *d, uint64_t t0_mono)
{
    narr_kv_t *kv = narr__decoded_kv(d);
    if (kv == NULL) return;
    d->ev.elapsed_ns = d->ev.mono_ns > t0_mono ? d->ev.mono_ns - t0_mono : 0;
    d->ev.has_elapsed = 1;
    kv->key = "elapsed_ms";
    kv->value = d->elapsed;
    { /* exact to the nanosecond in plain decimals: "0.00008", "12.369104", never "8e-05" */
        uint64_t ns = d->ev.elapsed_ns;
        int n = snprintf(d->elapsed, sizeof d->elapsed, "%llu.%06u", (unsigned long long)(ns / 1000000u),
                         (unsigned)(ns % 1000000u));
        while (n > 0 && d->elapsed[n - 1] == '0') n--;
        if (n > 0 && d->elapsed[n - 1] == '.') n--;
        d->elapsed[n] = '\0';
        kv->value_len = (size_t)n;
    }
    kv->meta = NARR_KV_FIELD;
}

static size_t add_kv(narr__decoded_t *d, const char *key, size_t start, int meta)
{
    narr_kv_t *kv = narr__decoded_kv(d);
    if (kv == NULL) {
        d->vals.oom = 1;
        return d->vals.len;
    }
    kv->key = key;
    kv->meta = meta;
    kv->value = (const char *)(uintptr_t)start; /* an offset until the buffer stops moving */
    kv->value_len = d->vals.len - start;
    narr__buf_putc(&d->vals, '\0');
    return d->vals.len;
}

/* Cuts b to at most `max` code points, marking the cut. */
static void limit_chars(narr__buf_t *b, size_t max)
{
    size_t i = 0, chars = 0, keep = 0;
    const size_t mark = sizeof NARR_CFG_TRUNC_MARK - 1;
    while (i < b->len) {
        if (chars == max - mark) keep = i;
        chars++;
        i++;
        while (i < b->len && ((unsigned char)b->p[i] & 0xC0) == 0x80) i++;
    }
    if (chars <= max) return;
    b->len = keep;
    narr__buf_put(b, NARR_CFG_TRUNC_MARK, mark);
}

static int decode_narration(const unsigned char *p, size_t len, narr__decoded_t *d)
{
    size_t off = 8, at, actor_at = 0, action_at = 0, target_at = 0, corr_at = 0, i;
    uint64_t head, tag;
    unsigned nitems, k;
    if (len < 8) return NARR_EINVAL;
    memcpy(&head, p, 8);
    d->ev.level = (narr_level_t)(head & 0xff);
    nitems = (unsigned)((head >> 8) & 0xffff);
    for (k = 0; k < nitems; k++) {
        unsigned id, enc, n;
        value_t v;
        if (off + 8 > len) return NARR_EINVAL;
        memcpy(&tag, p + off, 8);
        off += 8;
        id = (unsigned)(tag & 0xff);
        enc = (unsigned)((tag >> 8) & 0xff);
        n = (unsigned)((tag >> 16) & 0xffff);
        if (enc == 's') {
            if (take_str(p, len, &off, &v) != 0 || id >= narr__nfields) return NARR_EINVAL;
            at = d->vals.len;
            put_value(&d->vals, &v);
            if (id == NARR__F_ACTOR) actor_at = at;
            else if (id == NARR__F_ACTION) action_at = at;
            else if (id == NARR__F_TARGET) target_at = at;
            else if (id == NARR__F_CORRELATION) corr_at = at;
            if (id <= NARR__F_TARGET || id == NARR__F_CORRELATION) narr__buf_putc(&d->vals, '\0'); /* event fields */
            else add_kv(d, narr__fields[id].key, at, NARR_KV_FIELD);
        } else if (enc == 'n') {
            if (off + 8 > len || id >= narr__nfields) return NARR_EINVAL;
            memset(&v, 0, sizeof v);
            v.type = NARR__T_I64;
            memcpy(&v.v, p + off, 8);
            off += 8;
            at = d->vals.len;
            put_value(&d->vals, &v);
            add_kv(d, narr__fields[id].key, at, NARR_KV_FIELD);
        } else if (enc == 't') {
            value_t fmt, args[MAX_VALUES];
            narr__buf_t *out = id == NARR__F_HUMAN ? &d->msg : id == NARR__F_CUTE ? &d->cute : &d->story;
            unsigned j;
            char fmtz[1025];
            if (take_str(p, len, &off, &fmt) != 0 || n > MAX_VALUES) return NARR_EINVAL;
            for (j = 0; j < n; j++) {
                uint64_t type;
                if (off + 8 > len) return NARR_EINVAL;
                memcpy(&type, p + off, 8);
                off += 8;
                if (type == NARR__T_STR) {
                    if (take_str(p, len, &off, &args[j]) != 0) return NARR_EINVAL;
                } else {
                    if (off + 8 > len) return NARR_EINVAL;
                    memset(&args[j], 0, sizeof args[j]);
                    args[j].type = (unsigned char)type;
                    memcpy(&args[j].v, p + off, 8);
                    off += 8;
                }
            }
            memcpy(fmtz, fmt.s ? fmt.s : "", fmt.slen);
            fmtz[fmt.slen] = '\0';
            out->len = 0;
            replay(out, fmtz, args, (int)n);
            limit_chars(out, id == NARR__F_HUMAN ? 100 : id == NARR__F_CUTE ? 150 : 200);
        } else if (enc == 'x') {
            value_t key;
            size_t kat;
            if (take_str(p, len, &off, &key) != 0 || take_str(p, len, &off, &v) != 0) return NARR_EINVAL;
            kat = d->vals.len;
            put_value(&d->vals, &key);
            narr__buf_putc(&d->vals, '\0');
            at = d->vals.len;
            put_value(&d->vals, &v);
            add_kv(d, NULL, at, NARR_KV_VALUE);
            d->kv[d->ev.nkv - 1].key = (const char *)(uintptr_t)kat; /* an offset, like the value */
            d->kv[d->ev.nkv - 1].meta = 2;                          /* marks "key is an offset" */
        } else if (enc == 'r') {
            static const char digits[] = "0123456789abcdef";
            if (off + 24 > len) return NARR_EINVAL;
            for (i = 0; i < 2; i++) {
                size_t nb = i == 0 ? 16 : 8, b;
                const unsigned char *src = p + off + (i == 0 ? 0 : 16);
                at = d->vals.len;
                for (b = 0; b < nb; b++) {
                    narr__buf_putc(&d->vals, digits[src[b] >> 4]);
                    narr__buf_putc(&d->vals, digits[src[b] & 15]);
                }
                add_kv(d, i == 0 ? "trace_id" : "span_id", at, NARR_KV_VALUE);
                d->kv[d->ev.nkv - 1].meta = NARR_KV_OWN;
            }
            off += 24;
        } else {
            return NARR_EINVAL;
        }
    }
    if (d->msg.oom || d->vals.oom || d->cute.oom || d->story.oom) return NARR_ENOMEM;
    d->ev.message = d->msg.p && d->msg.len ? d->msg.p : "";
    d->ev.message_len = d->msg.len;
    if (d->cute.len) d->ev.cute = d->cute.p, d->ev.cute_len = d->cute.len;
    if (d->story.len) d->ev.story = d->story.p, d->ev.story_len = d->story.len;
    d->ev.actor = actor_at ? d->vals.p + actor_at : "app";
    d->ev.action = action_at ? d->vals.p + action_at : "narrate";
    if (target_at) d->ev.target = d->vals.p + target_at;
    if (corr_at) d->ev.correlation_id = d->vals.p + corr_at;
    for (i = 0; i < d->ev.nkv; i++) {
        d->kv[i].value = d->vals.p + (size_t)(uintptr_t)d->kv[i].value;
        if (d->kv[i].meta == 2) {
            d->kv[i].key = d->vals.p + (size_t)(uintptr_t)d->kv[i].key;
            d->kv[i].meta = 0;
        }
    }
    return 0;
}

int narr__decode(const narr_site_t *site, const unsigned char *payload, size_t len, narr__decoded_t *d)
{
    value_t vals[MAX_VALUES];
    int n = read_values(site, payload, len, vals), npre = site->npre;
    size_t target_at = SIZE_MAX, corr_at = SIZE_MAX, i;

    d->msg.len = 0;
    d->vals.len = 0;
    d->cute.len = 0;
    d->story.len = 0;
    memset(&d->ev, 0, sizeof d->ev);
    d->t0_raw = 0;
    d->ev.kv = d->kv;
    d->ev.site = site;
    d->ev.level = (narr_level_t)site->level;
    d->ev.kind = (narr_kind_t)site->kind;
    d->ev.actor = site->actor;
    d->ev.action = site->action;
    if (site->kind == NARR_KIND_NARRATE) {
        narr__buf_putc(&d->vals, '\0'); /* offset 0 means "none" */
        return decode_narration(payload, len, d);
    }
    if (n < 0 || n < npre) return NARR_EINVAL;

    narr__buf_putc(&d->vals, '\0'); /* offset 0 means "none" */
    if (site->keys != NULL && !(site->flags & NARR_SITE_MACRO_ENTER)) {
        /* generated sites: every prefix value has a name; "@..." names are metadata */
        int j;
        for (j = 0; j < npre; j++) {
            const char *k = site->keys[j];
            size_t at = d->vals.len;
            if (strcmp(k, "@depth") == 0) {
                d->ev.depth = (uint32_t)vals[j].v.u;
                continue;
            }
            if (strcmp(k, "@t0") == 0) {
                d->t0_raw = vals[j].v.u;
                continue;
            }
            if (strcmp(k, "@caller") == 0) d->ev.caller = vals[j].v.p;
            put_value(&d->vals, &vals[j]);
            add_kv(d, k[0] == '@' ? k + 1 : k, at, NARR_KV_VALUE);
            d->kv[d->ev.nkv - 1].meta = k[0] == '@' ? NARR_KV_OWN : NARR_KV_VALUE;
        }
        d->ev.error = (site->flags & NARR_SITE_ERROR) != 0;
    } else switch (site->kind) {
    case NARR_KIND_TINY:
    case NARR_KIND_LOG:
    case NARR_KIND_CORR:
        target_at = d->vals.len;
        put_value(&d->vals, &vals[0]);
        narr__buf_putc(&d->vals, '\0');
        if (site->kind == NARR_KIND_CORR) {
            corr_at = d->vals.len;
            put_value(&d->vals, &vals[1]);
            narr__buf_putc(&d->vals, '\0');
        }
        break;
    case NARR_KIND_LOOP: {
        size_t at = d->vals.len;
        put_value(&d->vals, &vals[0]);
        narr__buf_putc(&d->vals, '/');
        put_value(&d->vals, &vals[1]);
        add_kv(d, "iter", at, NARR_KV_FIELD);
        break;
    }
    case NARR_KIND_STATE: {
        size_t at = d->vals.len;
        narr__buf_put(&d->vals, site->action, strlen(site->action));
        add_kv(d, "key", at, NARR_KV_FIELD);
        at = d->vals.len;
        put_value(&d->vals, &vals[0]);
        add_kv(d, "from", at, NARR_KV_FIELD);
        at = d->vals.len;
        put_value(&d->vals, &vals[1]);
        add_kv(d, "to", at, NARR_KV_FIELD);
        d->ev.action = "state_change";
        break;
    }
    case NARR_KIND_ENTER:
    case NARR_KIND_EXIT: {
        size_t at = d->vals.len;
        narr__buf_put(&d->vals, site->kind == NARR_KIND_ENTER ? "enter" : "exit", site->kind == NARR_KIND_ENTER ? 5 : 4);
        add_kv(d, "phase", at, NARR_KV_FIELD);
        if ((site->flags & NARR_SITE_MACRO_ENTER) && npre >= 1) d->ev.depth = (uint32_t)vals[0].v.u;
        break;
    }
    default: break;
    }

    replay(&d->msg, site->fmt, vals + npre, n - npre);
    if (d->msg.len > NARR_CFG_MSG_MAX) {
        d->msg.len = NARR_CFG_MSG_MAX - (sizeof NARR_CFG_TRUNC_MARK - 1);
        narr__buf_put(&d->msg, NARR_CFG_TRUNC_MARK, sizeof NARR_CFG_TRUNC_MARK - 1);
    }
    if (d->msg.oom || d->vals.oom) return NARR_ENOMEM;
    d->ev.message = d->msg.p ? d->msg.p : "";
    d->ev.message_len = d->msg.len;
    /* vals no longer grows: turn offsets into pointers */
    if (target_at != SIZE_MAX) d->ev.target = d->vals.p + target_at;
    if (corr_at != SIZE_MAX) d->ev.correlation_id = d->vals.p + corr_at;
    for (i = 0; i < d->ev.nkv; i++) d->kv[i].value = d->vals.p + (size_t)(uintptr_t)d->kv[i].value;
    return 0;
}
