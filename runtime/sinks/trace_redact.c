/* runtime/sinks/trace_redact.c - secrets never reach the trace file. The trace sink writes records
 * as they are, without formatting them, so the console's redaction (which reads the formatted
 * line) never sees what goes to the file. Here, once per site, the format is laid out with a
 * marker in place of each value and run through the same redactor: a value whose marker is cut
 * sits where a secret goes ("password=%s") and is written as [REDACTED]; so is a value under a
 * key named like a secret. Every other string is redacted by content as it is written (cost:
 * one SSE2 pass over its bytes). Narration records are rewritten the same way, their extras by
 * key. Numbers in a secret's place are written as 0. */
#include <string.h>

#include "internal.h"
#include "narrate/redact.h"

static void append(const char *piece, size_t len, void *ctx)
{
    narr__buf_put(ctx, piece, len);
}

size_t narr__redact_append(narr__buf_t *b, const char *s, size_t n)
{
    return narr_redact(s, n, NARR_REDACT_DEFAULT, append, b);
}

/* The end of the printf conversion starting at f ('%'), and how many values it takes (2 or 3
 * with '*' widths; 0 for "%%"). */
static const char *conversion(const char *f, int *takes)
{
    const char *p = f + 1;
    *takes = 0;
    if (*p == '%') return p + 1;
    while (*p && strchr("-+ #0'", *p)) p++;
    if (*p == '*') ++*takes, p++;
    while (*p >= '0' && *p <= '9') p++;
    if (*p == '.') {
        p++;
        if (*p == '*') ++*takes, p++;
        while (*p >= '0' && *p <= '9') p++;
    }
    while (*p && strchr("hlLqjzt", *p)) p++;
    if (*p) p++;
    ++*takes;
    return p;
}

/* The next conversion of a format from f on: its '%' in *at, its end returned (NULL when there
 * is none left); the literal text before it is f..*at. */
static const char *next_conversion(const char *f, const char **at, int *takes)
{
    const char *p = strchr(f, '%');
    if (p == NULL) return NULL;
    *at = p;
    return conversion(p, takes);
}

/* The site's format with each of its values as a marker (\001, 0x20 + index, \002), literal
 * values written as themselves except `as_marker`, which is a marker too. */
static void layout(narr__buf_t *b, const narr_site_t *s, int as_marker)
{
    const char *f = s->fmt, *at, *e;
    unsigned ti = (unsigned)s->npre + 1; /* values after the format slot */
    int takes;
    for (; (e = next_conversion(f, &at, &takes)) != NULL; f = e) {
        narr__buf_put(b, f, (size_t)(at - f));
        if (takes == 0) { /* "%%" */
            narr__buf_putc(b, '%');
            continue;
        }
        ti += (unsigned)takes - 1; /* '*' widths: numbers, never shown */
        if (ti < s->ntypes && s->types[ti] == NARR__T_LIT && (int)ti != as_marker && s->lits != NULL && s->lits[ti] != NULL) {
            narr__buf_put(b, s->lits[ti], strlen(s->lits[ti]));
        } else {
            narr__buf_putc(b, '\001');
            narr__buf_putc(b, (char)(0x20 + (ti & 0x3f)));
            narr__buf_putc(b, '\002');
        }
        ti++;
    }
    narr__buf_put(b, f, strlen(f));
}

static int marker_cut(const narr__buf_t *red, unsigned ti)
{
    const char m[3] = {'\001', (char)(0x20 + (ti & 0x3f)), '\002'};
    return red->len < 3 || memmem(red->p, red->len, m, 3) == NULL;
}

uint64_t narr__site_secret_values(const narr_site_t *s)
{
    uint64_t secret = 0;
    unsigned i;
    narr__buf_t text = {0}, red = {0}, base = {0};
    if (s->kind == NARR_KIND_NARRATE) return 0; /* its record is rewritten whole */
    for (i = 0; i < s->npre && i < 64; i++) /* values under a key named like a secret */
        if (s->keys != NULL && s->keys[i] != NULL && s->keys[i][0] != '@' && narr__secret_key(s->keys[i], strlen(s->keys[i])))
            secret |= 1ull << i;
    if (s->fmt == NULL || strchr(s->fmt, '%') == NULL) return secret;
    layout(&text, s, -1);
    narr__redact_append(&base, text.p ? text.p : "", text.len);
    for (i = (unsigned)s->npre + 1; i < s->ntypes && i < 64; i++) {
        if (s->types[i] != NARR__T_LIT) {
            if (marker_cut(&base, i)) secret |= 1ull << i;
            continue;
        }
        text.len = red.len = 0; /* a literal value: is its place a secret's? */
        layout(&text, s, (int)i);
        narr__redact_append(&red, text.p ? text.p : "", text.len);
        if (marker_cut(&red, i)) secret |= 1ull << i;
    }
    narr__buf_free(&text);
    narr__buf_free(&red);
    narr__buf_free(&base);
    return secret;
}

/* 1 when a string value of the format stands right before '=' or ':' ("%s=%s"): the key is
 * known only per record, so such a site's secrets are decided per record
 * (narr__record_secret_values). */
int narr__site_dynamic_keys(const narr_site_t *s)
{
    const char *f = s->fmt, *at, *e;
    unsigned ti = (unsigned)s->npre + 1;
    int takes;
    if (f == NULL || s->kind == NARR_KIND_NARRATE) return 0;
    for (; (e = next_conversion(f, &at, &takes)) != NULL; f = e) {
        const char *q = e;
        if (takes == 0) continue;
        ti += (unsigned)takes - 1;
        while (*q == ' ' || *q == '"' || *q == '\'') q++;
        if (ti < s->ntypes && s->types[ti] == NARR__T_STR && (*q == '=' || *q == ':')) return 1;
        ti++;
    }
    return 0;
}

/* The secret values of one record of such a site: its strings stand in as literals. strs[i] is
 * types[i]'s text (NUL-terminated) or NULL. */
uint64_t narr__record_secret_values(const narr_site_t *s, const char *const *strs)
{
    narr_site_t fake = *s;
    unsigned char types[64];
    const char *lits[64];
    unsigned i;
    if (s->ntypes > 64) return 0;
    for (i = 0; i < s->ntypes; i++) {
        types[i] = s->types[i];
        lits[i] = s->lits != NULL ? s->lits[i] : NULL;
        if (s->types[i] == NARR__T_STR && strs[i] != NULL) types[i] = NARR__T_LIT, lits[i] = strs[i];
    }
    fake.types = types;
    fake.lits = lits;
    return narr__site_secret_values(&fake);
}

/* The format as the site block stores it: the literal text between conversions redacted by
 * content (a secret typed into a format), the conversions kept so values stay in place. */
void narr__put_fmt_redacted(narr__buf_t *b, const char *fmt)
{
    const char *f = fmt, *at, *e;
    int takes;
    for (; (e = next_conversion(f, &at, &takes)) != NULL; f = e) {
        narr__redact_append(b, f, (size_t)(at - f));
        narr__buf_put(b, at, (size_t)(e - at));
    }
    narr__redact_append(b, f, strlen(f));
}

/* ---- narration records: the layout runtime/record/narration.c writes, format.c reads ---- */

static int str_at(const unsigned char *p, size_t len, size_t off, uint32_t *h, size_t *n, size_t *next)
{
    if (off + 8 > len) return -1;
    memcpy(h, p + off, 4);
    *n = (*h & NARR__STR_NULL) ? 0 : NARR__STR_LEN(*h);
    if (off + 8 + *n > len) return -1;
    *next = off + 8 + ((*n + 7u) & ~(size_t)7u);
    return 0;
}

/* A string item as the record holds it: 8-byte header (length | flags), bytes, padding to 8. */
static void put_str(narr__buf_t *out, uint32_t flags, const char *s, size_t n)
{
    uint32_t h = (flags & NARR__STR_TRUNC) | (uint32_t)n;
    unsigned char head[8] = {0};
    static const char zeros[8];
    memcpy(head, &h, 4);
    narr__buf_put(out, head, 8);
    narr__buf_put(out, s, n);
    narr__buf_put(out, zeros, ((n + 7u) & ~(size_t)7u) - n);
}

/* Copies the string at off, redacted (wholly when secret); returns its end, 0 when damaged. */
static size_t copy_str(narr__buf_t *out, narr__buf_t *tmp, const unsigned char *p, size_t len, size_t off, int secret)
{
    uint32_t h;
    size_t n, next;
    if (str_at(p, len, off, &h, &n, &next) != 0) return 0;
    if (h & NARR__STR_NULL) {
        narr__buf_put(out, p + off, next - off);
        return next;
    }
    tmp->len = 0;
    if (secret) narr__buf_put(tmp, NARR_REDACTED, sizeof NARR_REDACTED - 1);
    else if (narr__redact_append(tmp, (const char *)p + off + 8, n) == 0) {
        narr__buf_put(out, p + off, next - off); /* clean: as it was */
        return next;
    }
    put_str(out, h, tmp->p ? tmp->p : "", tmp->len);
    return next;
}

/* A narration record with its secrets redacted into out; -1 (out unchanged in meaning) when the
 * record does not parse, and the caller writes nothing of it. */
int narr__narration_redacted(narr__buf_t *out, const unsigned char *p, size_t len)
{
    narr__buf_t tmp = {0}, text = {0}, red = {0};
    size_t off = 8, start = out->len;
    uint64_t head, tag;
    unsigned nitems, k;
    int rc = -1;
    if (len < 8) return -1;
    memcpy(&head, p, 8);
    nitems = (unsigned)((head >> 8) & 0xffff);
    narr__buf_put(out, p, 8);
    for (k = 0; k < nitems; k++) {
        unsigned enc, n, j;
        if (off + 8 > len) goto done;
        memcpy(&tag, p + off, 8);
        narr__buf_put(out, p + off, 8);
        off += 8;
        enc = (unsigned)((tag >> 8) & 0xff);
        n = (unsigned)((tag >> 16) & 0xffff);
        if (enc == 's') {
            if ((off = copy_str(out, &tmp, p, len, off, 0)) == 0) goto done;
        } else if (enc == 'n' || enc == 'r') {
            size_t w = enc == 'n' ? 8 : 24;
            if (off + w > len) goto done;
            narr__buf_put(out, p + off, w);
            off += w;
        } else if (enc == 'x') { /* an extra: its value is a secret when its key is named like one */
            uint32_t h;
            size_t kn, knext;
            if (str_at(p, len, off, &h, &kn, &knext) != 0) goto done;
            narr__buf_put(out, p + off, knext - off);
            off = knext;
            if ((off = copy_str(out, &tmp, p, len, off, kn > 0 && narr__secret_key((const char *)p + knext - ((kn + 7u) & ~(size_t)7u), kn))) == 0)
                goto done;
        } else if (enc == 't') { /* text: its format (kept), then n typed values */
            uint32_t h;
            size_t fn, fnext, voff;
            char fmtz[1025];
            narr_site_t fake;
            unsigned char types[64];
            const char *lits[64];
            size_t lit_at[64];
            uint64_t secret;
            if (str_at(p, len, off, &h, &fn, &fnext) != 0 || n > 60 || fn > 1024) goto done;
            memcpy(fmtz, p + off + 8, fn);
            fmtz[fn] = '\0';
            text.len = 0;
            narr__put_fmt_redacted(&text, fmtz);
            put_str(out, h, text.p ? text.p : "", text.len);
            off = fnext;
            /* which of the values sit in a secret's place: the site-level rule on a stand-in
             * whose strings are literals (their text is known here, so "%s=%s" with "password"
             * as the key is caught) */
            memset(&fake, 0, sizeof fake);
            memset(types, 0, sizeof types);
            red.len = 0;
            for (j = 0, voff = off; j < n; j++) {
                uint64_t type;
                if (voff + 8 > len) goto done;
                memcpy(&type, p + voff, 8);
                types[1 + j] = (unsigned char)type;
                lit_at[1 + j] = SIZE_MAX;
                if (type == NARR__T_STR) {
                    uint32_t vh;
                    size_t vn, vnext;
                    if (str_at(p, len, voff + 8, &vh, &vn, &vnext) != 0) goto done;
                    if (!(vh & NARR__STR_NULL)) {
                        types[1 + j] = NARR__T_LIT;
                        lit_at[1 + j] = red.len;
                        narr__buf_put(&red, p + voff + 16, vn);
                        narr__buf_putc(&red, '\0');
                    }
                    voff = vnext;
                } else {
                    voff += 16;
                }
            }
            if (red.oom) goto done;
            for (j = 0; j < n; j++) lits[1 + j] = lit_at[1 + j] == SIZE_MAX ? NULL : red.p + lit_at[1 + j];
            fake.kind = NARR_KIND_LOG;
            fake.fmt = fmtz;
            fake.types = types;
            fake.lits = lits;
            fake.ntypes = (uint8_t)(n + 1);
            fake.npre = 0;
            secret = narr__site_secret_values(&fake);
            for (j = 0; j < n; j++) {
                uint64_t type;
                memcpy(&type, p + off, 8);
                narr__buf_put(out, p + off, 8);
                off += 8;
                if (type == NARR__T_STR) {
                    if ((off = copy_str(out, &tmp, p, len, off, (secret >> (1 + j)) & 1)) == 0) goto done;
                } else {
                    static const unsigned char zero[8];
                    if (off + 8 > len) goto done;
                    narr__buf_put(out, (secret >> (1 + j)) & 1 ? zero : p + off, 8);
                    off += 8;
                }
            }
        } else {
            goto done;
        }
    }
    rc = 0;
done:
    if (rc != 0) out->len = start;
    narr__buf_free(&tmp);
    narr__buf_free(&text);
    narr__buf_free(&red);
    return rc;
}
