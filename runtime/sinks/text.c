/* runtime/sinks/text.c - the consumer's growable buffer and the escaping rules of the sinks.
 * Console values never carry a control character or an escape sequence to the terminal; JSON
 * strings are always valid JSON with invalid UTF-8 replaced by U+FFFD. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "narrate/redact.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

int narr__buf_reserve(narr__buf_t *b, size_t extra)
{
    size_t want;
    char *p;
    if (b->oom) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    want = b->cap ? b->cap : 256;
    while (want < b->len + extra + 1) want *= 2;
    p = realloc(b->p, want);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = want;
    return 0;
}

void narr__buf_put_slow(narr__buf_t *b, const void *s, size_t n)
{
    if (n == 0 || narr__buf_reserve(b, n) != 0) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void narr__buf_printf(narr__buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0 || narr__buf_reserve(b, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void narr__buf_free(narr__buf_t *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when invalid; *cp gets the code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0], need, v, min;
    size_t i;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) need = 1, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) need = 2, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) need = 3, v = c & 0x07, min = 0x10000;
    else return 0;
    if (n < need + 1) return 0;
    for (i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return need + 1;
}

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Printable ASCII other than '"' and '\\': bytes every output passes as they are. */
static const unsigned char plain_ascii[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

size_t narr__utf8_clean(narr__buf_t *out, const char *s, size_t n, size_t limit)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, bad = 0, start = out->len;
    while (i < n && out->len - start < limit) {
        unsigned cp;
        size_t k = utf8_seq(p + i, n - i, &cp);
        if (k == 0) {
            if (out->len - start + 3 > limit) break;
            narr__buf_put(out, replacement, 3);
            i++, bad++;
        } else {
            if (out->len - start + k > limit) break; /* never cut a character in two */
            narr__buf_put(out, p + i, k);
            i += k;
        }
    }
    return bad;
}

/* One walk for both sinks: valid UTF-8 passes, invalid bytes become U+FFFD, quotes and
 * backslashes are escaped, and control characters (C0, DEL, and C1 such as the one-byte CSI
 * 0x9B) are spelled out, never passed through: \xNN on the console, \uNNNN in JSON.
 * NARR__ESC_NONE keeps the text as it is (the capture sink stores what the program said). */
static void escape(narr__buf_t *b, const char *str, size_t n, narr__esc_t esc)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    if (esc == NARR__ESC_NONE) {
        narr__buf_put(b, str, n);
        return;
    }
    while (i < n) {
        unsigned cp;
        size_t k, run = i;
        /* printable ASCII other than quote and backslash passes as it is: copied in runs,
         * found 16 bytes at a time */
#ifdef __SSE2__
        while (n - run >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + run));
            __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), /* C0, and >= 0x80 (signed) */
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))),
                                       _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
            int mask = _mm_movemask_epi8(bad);
            if (mask != 0) {
                run += (size_t)__builtin_ctz((unsigned)mask);
                break;
            }
            run += 16;
        }
#endif
        while (run < n && plain_ascii[s[run]]) run++;
        if (run > i) {
            narr__buf_put(b, s + i, run - i);
            i = run;
            if (i == n) break;
        }
        k = utf8_seq(s + i, n - i, &cp);
        if (k == 0) {
            narr__buf_put(b, replacement, 3);
            i++;
            continue;
        }
        switch (cp) {
        case '"': narr__buf_put(b, "\\\"", 2); break;
        case '\\': narr__buf_put(b, "\\\\", 2); break;
        case '\n': narr__buf_put(b, "\\n", 2); break;
        case '\r': narr__buf_put(b, "\\r", 2); break;
        case '\t': narr__buf_put(b, "\\t", 2); break;
        default:
            if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
                static const char hex[] = "0123456789abcdef";
                char e[6] = {'\\', 'u', '0', '0', hex[(cp >> 4) & 15], hex[cp & 15]};
                if (esc == NARR__ESC_JSON) narr__buf_put(b, e, 6);
                else e[2] = '\\', e[3] = 'x', narr__buf_put(b, e + 2, 4);
            } else {
                narr__buf_put(b, s + i, k);
            }
        }
        i += k;
    }
}

void narr__buf_put_u64(narr__buf_t *b, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[sizeof tmp - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    narr__buf_put(b, tmp + sizeof tmp - n, n);
}

typedef struct esc_ctx {
    narr__buf_t *b;
    narr__esc_t esc;
} esc_ctx_t;

static void emit_escaped(const char *piece, size_t n, void *ctx)
{
    esc_ctx_t *c = ctx;
    escape(c->b, piece, n, c->esc);
}

size_t narr__text_put(narr__buf_t *b, const char *s, size_t n, narr__esc_t esc, unsigned policy)
{
    esc_ctx_t c = {b, esc};
    if (policy == NARR_REDACT_NONE) {
        escape(b, s, n, esc);
        return 0;
    }
    return narr_redact(s, n, policy, emit_escaped, &c);
}

size_t narr__value_put(narr__buf_t *b, const char *key, const char *s, size_t n, narr__esc_t esc, unsigned policy)
{
    if ((policy & NARR_REDACT_KV) && n > 0 && narr__secret_key(key, strlen(key))) {
        narr__buf_put(b, NARR_REDACTED, sizeof NARR_REDACTED - 1);
        return 1;
    }
    return narr__text_put(b, s, n, esc, policy);
}

size_t narr__buf_copy_out(narr__buf_t *b, char *out, size_t cap)
{
    size_t n = b->len;
    if (out != NULL && cap > 0) {
        size_t k = n < cap - 1 ? n : cap - 1;
        if (k > 0) memcpy(out, b->p, k);
        out[k] = '\0';
    }
    narr__buf_free(b);
    return n;
}

static const narr__head_t *head_get(narr__heads_t *c, const narr_event_t *ev, unsigned policy, int color,
                                   size_t (*make)(narr__buf_t *b, const narr_event_t *ev, unsigned policy, int color))
{
    const narr_site_t *site = ev->site;
    size_t tlen = ev->target != NULL ? strlen(ev->target) : 0;
    narr__head_t *h;
    uint32_t id = site != NULL ? narr__site_id(site) : 0;
    if (c == NULL || id == 0 || ev->actor != site->actor || ev->action != site->action) return NULL;
    if (id >= c->n) {
        size_t want = (size_t)id * 2 + 64;
        narr__head_t *fresh = realloc(c->v, want * sizeof *fresh);
        if (fresh == NULL) return NULL;
        memset(fresh + c->n, 0, (want - c->n) * sizeof *fresh);
        c->v = fresh;
        c->n = want;
    }
    h = &c->v[id];
    if (h->site == site) { /* made already: for this target, level, colour and policy? */
        int same = (h->target == NULL) == (ev->target == NULL) &&
                   (ev->target == NULL || (h->target_len == tlen && memcmp(h->target, ev->target, tlen) == 0));
        return same && h->policy == policy && h->level == (int)ev->level && h->color == color ? h : NULL;
    }
    free(h->target);
    h->target = NULL;
    if (ev->target != NULL && (h->target = malloc(tlen + 1)) == NULL) return NULL;
    if (ev->target != NULL) memcpy(h->target, ev->target, tlen + 1);
    h->target_len = tlen;
    h->text.len = 0;
    h->redactions = make(&h->text, ev, policy, color);
    if (h->text.oom) return NULL;
    h->site = site, h->policy = policy, h->level = (int)ev->level, h->color = color;
    return h;
}

size_t narr__head_put(narr__heads_t *c, narr__buf_t *b, const narr_event_t *ev, unsigned policy, int color,
                      size_t (*make)(narr__buf_t *b, const narr_event_t *ev, unsigned policy, int color))
{
    const narr__head_t *h = head_get(c, ev, policy, color, make);
    if (h == NULL) return make(b, ev, policy, color);
    narr__buf_put(b, h->text.p, h->text.len);
    return h->redactions;
}

void narr__heads_free(narr__heads_t *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) {
        free(c->v[i].target);
        narr__buf_free(&c->v[i].text);
    }
    free(c->v);
    c->v = NULL;
    c->n = 0;
}
