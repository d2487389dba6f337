/* runtime/sinks/redact.c - one-pass secret redaction. The scan jumps between bytes that can start a
 * secret ('=' ':' for key=value and URLs, 'B' 'b' for Bearer, 'J' for JWTs (eyJ), '-' for PEM
 * and UUIDs), 16 bytes at a time with SSE2; it never reads past the text (which need not be
 * NUL-terminated). Clean text is emitted straight from the input, nothing is copied or allocated. Key names match as whole words ("monkey" is not a
 * key), and values run to the next separator, so "password=p@ss!word" goes whole. */
#include <ctype.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <strings.h>

#include "internal.h"
#include "narrate/redact.h"

static const char *const secret_words[][2] = {
    {"password", 0}, {"passwd", 0}, {"pwd", 0}, {"passphrase", 0}, {"token", 0}, {"secret", 0},
    {"api", "key"}, {"apikey", 0}, {"private", "key"}, {"secret", "key"}, {"auth", 0},
    {"authorization", 0}, {"credential", 0}, {"credentials", 0}, {"cookie", 0}, {"session", "key"},
    {"access", "token"}, {"refresh", "token"}, {"access", "key"}, {"creds", 0}, {"authz", 0},
    {"privkey", 0}, {"jwt", 0}, {"bearer", 0}, {"secrets", 0}, {"passwords", 0},
    {"otp", 0},
}; /* gen/narrate_gen/scan.py's SECRET_WORDS is the same list, for parameter names */

static int is_word(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-';
}

/* Splits key[0..n) into lower-case words: snake_case, kebab-case, dotted.names, "two words",
 * camelCase and acronyms (DBPassword: db password; AWSSecretKey: aws secret key); 1 when one of
 * them, or two in a row, is a secret word. */
/* Every secret word holds one of these (case aside): a key without any is not a secret's, and
 * most keys (target, job_id, n) are rejected here without being split into words. */
static int has_anchor(const char *key, size_t n)
{
    /* the anchors by first letter: one or two compares per letter that can start one (this runs
     * for every key of every event a text sink writes) */
    static const char *const by_first[26][3] = {
        ['a' - 'a'] = {"auth"},   ['b' - 'a'] = {"bearer"}, ['c' - 'a'] = {"cred", "cookie"},
        ['j' - 'a'] = {"jwt"},    ['k' - 'a'] = {"key"},    ['o' - 'a'] = {"otp"},
        ['p' - 'a'] = {"pass", "pwd"}, ['s' - 'a'] = {"secret"}, ['t' - 'a'] = {"token"}};
    size_t i, a;
    for (i = 0; i < n; i++) {
        unsigned c = (unsigned char)(key[i] | 0x20) - 'a'; /* ASCII lower case; other bytes fall outside */
        if (c >= 26 || by_first[c][0] == NULL) continue;
        for (a = 0; a < 3 && by_first[c][a] != NULL; a++) {
            const char *w = by_first[c][a];
            size_t j = 1;
            while (w[j] != '\0' && i + j < n && tolower((unsigned char)key[i + j]) == w[j]) j++;
            if (w[j] == '\0') return 1;
        }
    }
    return 0;
}

int narr__secret_key(const char *key, size_t n)
{
    char words[12][24];
    size_t nw = 0, i = 0, w, k;
    if (!has_anchor(key, n)) return 0;
    while (i < n && nw < 12) {
        size_t len = 0;
        while (i < n && !isalnum((unsigned char)key[i])) i++;
        if (i >= n) break;
        do {
            if (len < sizeof words[0] - 1) words[nw][len++] = (char)tolower((unsigned char)key[i]);
            i++;
        } while (i < n && isalnum((unsigned char)key[i]) &&
                 !(isupper((unsigned char)key[i]) && islower((unsigned char)key[i - 1])) &&
                 !(isupper((unsigned char)key[i]) && isupper((unsigned char)key[i - 1]) && i + 1 < n &&
                   islower((unsigned char)key[i + 1])));
        words[nw++][len] = '\0';
    }
    for (w = 0; w + 1 < nw; w++) { /* passWord: two words that make one */
        char two[48];
        size_t a = strlen(words[w]);
        if (strchr("ptsacrjbo", words[w][0]) == NULL) continue;
        memcpy(two, words[w], a);
        memcpy(two + a, words[w + 1], strlen(words[w + 1]) + 1);
        for (k = 0; k < sizeof secret_words / sizeof secret_words[0]; k++)
            if (secret_words[k][1] == NULL && strcmp(two, secret_words[k][0]) == 0) return 1;
    }
    for (w = 0; w < nw; w++) {
        /* most words start with none of the secret words' letters: no compare for them */
        if (strchr("ptsacrjbo", words[w][0]) == NULL || words[w][0] == '\0') continue;
        for (k = 0; k < sizeof secret_words / sizeof secret_words[0]; k++) {
            if (words[w][0] != secret_words[k][0][0]) continue;
            if (strcmp(words[w], secret_words[k][0]) != 0) continue;
            if (secret_words[k][1] == NULL) return 1;
            if (w + 1 < nw && strcmp(words[w + 1], secret_words[k][1]) == 0) return 1;
        }
    }
    return 0;
}

static int b64url(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_';
}

/* End of a JWT starting at s (three base64url parts; the third, the signature, may be empty:
 * an unsigned "alg: none" token is as much a credential), or s when there is none. */
static const char *jwt_end(const char *s, const char *end)
{
    const char *p = s;
    int part;
    if (end - s < 10 || memcmp(s, "eyJ", 3) != 0) return s;
    for (part = 0; part < 3; part++) {
        const char *start = p;
        while (p < end && b64url((unsigned char)*p)) p++;
        if (p == start && part < 2) return s;
        if (part == 1 && (p - start < 3 || memcmp(start, "eyJ", 3) != 0) && p - start < 8) return s;
        if (part < 2) {
            if (p >= end || *p != '.') return s;
            p++;
        }
    }
    return p;
}

static int hexn(const char *p, const char *end, int n)
{
    int i;
    if (end - p < n) return 0;
    for (i = 0; i < n; i++)
        if (!isxdigit((unsigned char)p[i])) return 0;
    return 1;
}

typedef struct scan {
    const char *s, *end, *flushed;
    unsigned policy;
    size_t count;
    narr_redact_emit_fn emit;
    void *ctx;
} scan_t;

/* Emits the clean text up to `from`, the marker, and skips to `to`. */
static void cut(scan_t *sc, const char *from, const char *to)
{
    if (from > sc->flushed) sc->emit(sc->flushed, (size_t)(from - sc->flushed), sc->ctx);
    sc->emit(NARR_REDACTED, sizeof NARR_REDACTED - 1, sc->ctx);
    sc->flushed = to;
    sc->count++;
}

/* The key written before a separator at p (text starts at s): "password = x" and
 * "\"password\" : x" give password; *kend gets its end (key == *kend: there is none). */
static const char *key_before(const char *s, const char *p, const char **kend)
{
    const char *e = p, *key;
    while (e > s && e[-1] == ' ') e--;                         /* password = x */
    if (e > s && (e[-1] == '"' || e[-1] == '\'')) e--;         /* "password" : "..." */
    key = e;
    while (key > s && (is_word((unsigned char)key[-1]) || key[-1] == '.')) key--;
    *kend = e;
    return key;
}

/* At '=' or ':' (p): key=value, key: value, or scheme://user:password@host. Returns where to go on. */
static const char *at_separator(scan_t *sc, const char *p)
{
    const char *key = p, *v, *vend;
    if ((sc->policy & NARR_REDACT_URL) && p[0] == ':' && p[1] == '/' && p[2] == '/') {
        /* userinfo runs to the last '@' before the path ('/', '?', '#') or a space: a password
         * may hold a raw '@' (p@ssw0rd) though it should be escaped */
        const char *u = p + 3, *colon = NULL, *at = NULL, *q;
        for (q = u; q < sc->end && *q != '/' && *q != '?' && *q != '#' && !isspace((unsigned char)*q); q++) {
            if (*q == ':' && colon == NULL && at == NULL) colon = q;
            if (*q == '@') at = q;
        }
        if (at != NULL && colon != NULL && colon < at && colon + 1 < at) {
            cut(sc, colon + 1, at);
            return at + 1;
        }
        return p + 3;
    }
    if (!(sc->policy & NARR_REDACT_KV)) return p + 1;
    {
        const char *kend;
        key = key_before(sc->s, p, &kend);
        if (key == kend || (key > sc->s && (key[-1] == '@' || key[-1] == '/'))) return p + 1;
        if (!narr__secret_key(key, (size_t)(kend - key))) return p + 1;
    }
    v = p + 1;
    while (v < sc->end && *v == ' ') v++;
    if (v < sc->end && (*v == '"' || *v == '\'')) {
        char quote = *v++;
        vend = v;
        while (vend < sc->end && *vend != quote) vend++;
    } else {
        const char *k;
        int auth = 0;
        for (k = key; k + 4 <= p && !auth; k++) auth = strncasecmp(k, "auth", 4) == 0;
        vend = v;
        /* an Authorization value (Proxy-Authorization, X-Auth) is "Scheme credentials": keep going
         * past the scheme */
        if (auth) {
            while (vend < sc->end && *vend != '\n' && *vend != '"' && *vend != ',' && *vend != ';') vend++;
        } else {
            while (vend < sc->end && !isspace((unsigned char)*vend) && *vend != '&' && *vend != ',' &&
                   *vend != ';' && *vend != '"' && *vend != '\'')
                vend++;
        }
    }
    if (vend > v) cut(sc, v, vend);
    return vend > v ? vend : p + 1;
}

static const char *strpbrk_n(const char *s, const char *end, const char *set)
{
    for (; s < end; s++)
        if (strchr(set, *s) != NULL && *s != '\0') return s;
    return NULL;
}

static const char *at_bearer(scan_t *sc, const char *p)
{
    const char *t, *e;
    if ((p > sc->s && is_word((unsigned char)p[-1])) || sc->end - p < 8 || strncasecmp(p, "bearer", 6) != 0)
        return p + 1;
    t = p + 6;
    if (*t != ' ' && *t != '\t') return p + 1;
    while (t < sc->end && (*t == ' ' || *t == '\t')) t++;
    e = t;
    while (e < sc->end && (isalnum((unsigned char)*e) || (*e != '\0' && strchr("-._~+/=", *e) != NULL))) e++;
    if (e - t < 6 || (e - t < 8 && strpbrk_n(t, e, "0123456789") == NULL))
        return p + 1; /* "bearer of bad news" is prose; "Bearer abc1234" is not */
    cut(sc, t, e);
    return e;
}

static const char *at_dash(scan_t *sc, const char *p)
{
    if ((sc->policy & NARR_REDACT_KV) && sc->end - p > 3 && p[1] == '-' && (p == sc->s || isspace((unsigned char)p[-1]))) {
        /* a command line's --password VALUE (--password=VALUE is key=value) */
        const char *k = p + 2, *ke = k, *v, *ve;
        while (ke < sc->end && is_word((unsigned char)*ke)) ke++;
        if (ke > k && ke < sc->end && *ke == ' ' && narr__secret_key(k, (size_t)(ke - k))) {
            v = ke + 1;
            ve = v;
            while (ve < sc->end && !isspace((unsigned char)*ve)) ve++;
            if (ve > v && *v != '-') {
                cut(sc, v, ve);
                return ve;
            }
        }
    }
    if ((sc->policy & NARR_REDACT_PEM) && sc->end - p > 11 && memcmp(p, "-----BEGIN ", 11) == 0) {
        const char *hdr_end = memmem(p + 11, (size_t)(sc->end - p - 11), "-----", 5);
        const char *endm = hdr_end ? memmem(hdr_end + 5, (size_t)(sc->end - hdr_end - 5), "-----END ", 9) : NULL;
        if (hdr_end != NULL && endm != NULL && memmem(p, (size_t)(hdr_end - p), "PRIVATE KEY", 11)) {
            cut(sc, hdr_end + 5, endm);
            return endm + 9;
        }
    }
    if ((sc->policy & NARR_REDACT_UUID) && p - sc->s >= 8 && hexn(p - 8, sc->end, 8) && hexn(p + 1, sc->end, 4) &&
        p[5] == '-' && hexn(p + 6, sc->end, 4) && p[10] == '-' && hexn(p + 11, sc->end, 4) && p[15] == '-' &&
        hexn(p + 16, sc->end, 12) && (p - 8 == sc->s || !isxdigit((unsigned char)p[-9])) && p - 8 >= sc->flushed) {
        cut(sc, p - 8, p + 28);
        return p + 28;
    }
    return p + 1;
}

/* The bytes that can start a secret under a policy (built per call: a few stores, no table). */
typedef struct triggers {
    unsigned char bytes[8];
    int n;
} triggers_t;

static void triggers_for(unsigned policy, triggers_t *t)
{
    static const struct { unsigned bits; char c; } map[] = {
        {NARR_REDACT_KV | NARR_REDACT_URL, '='}, {NARR_REDACT_KV | NARR_REDACT_URL, ':'}, {NARR_REDACT_BEARER, 'B'},
        {NARR_REDACT_BEARER, 'b'}, {NARR_REDACT_JWT, 'J'}, {NARR_REDACT_PEM | NARR_REDACT_UUID | NARR_REDACT_KV, '-'}};
    size_t i;
    t->n = 0;
    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        if (policy & map[i].bits) t->bytes[t->n++] = (unsigned char)map[i].c;
}

/* The first trigger byte in [p, end), or NULL. */
static const char *next_trigger(const char *p, const char *end, const triggers_t *t)
{
    int k;
#ifdef __SSE2__
    __m128i want[8];
    for (k = 0; k < t->n; k++) want[k] = _mm_set1_epi8((char)t->bytes[k]);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p), hit = _mm_setzero_si128();
        int mask;
        for (k = 0; k < t->n; k++) hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, want[k]));
        mask = _mm_movemask_epi8(hit);
        if (mask != 0) return p + __builtin_ctz((unsigned)mask);
        p += 16;
    }
#endif
    for (; p < end; p++)
        for (k = 0; k < t->n; k++)
            if ((unsigned char)*p == t->bytes[k]) return p;
    return NULL;
}

/* The bytes that can start a secret under the default policy, for the short-text check. */
static const unsigned char default_trigger[256] = {['='] = 1, [':'] = 1, ['B'] = 1, ['b'] = 1, ['J'] = 1, ['-'] = 1};

size_t narr_redact(const char *s, size_t n, unsigned policy, narr_redact_emit_fn emit, void *ctx)
{
    scan_t sc = {s, s + n, s, policy, 0, emit, ctx};
    const char *p = s;
    triggers_t trig;
    if (policy == NARR_REDACT_DEFAULT && n < 64) { /* most values: short, with nothing to look at */
        size_t i;
        for (i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (!default_trigger[c]) continue;
            /* a trigger byte in a context that can start a secret ("bench" is no Bearer, the
             * key of "i=0" is no secret's) */
            if (c == ':' && n - i >= 3 && s[i + 1] == '/' && s[i + 2] == '/') break; /* a URL */
            if (c == '=' || c == ':') {
                const char *kend, *key = key_before(s, s + i, &kend);
                if (key < kend && narr__secret_key(key, (size_t)(kend - key))) break;
                continue;
            }
            if ((c == 'B' || c == 'b') && n - i >= 6 && strncasecmp(s + i, "bearer", 6) == 0) break;
            if (c == 'J' && i >= 2 && s[i - 1] == 'y' && s[i - 2] == 'e') break;
            if (c == '-' && i + 1 < n && s[i + 1] == '-') break;
        }
        if (i == n) {
            if (n > 0) emit(s, n, ctx);
            return 0;
        }
    }
    triggers_for(policy, &trig);
    while (trig.n > 0 && p < sc.end) {
        const char *hit = next_trigger(p, sc.end, &trig);
        if (hit == NULL) break;
        switch (*hit) {
        case '=':
        case ':':
            p = at_separator(&sc, hit);
            break;
        case 'B':
        case 'b':
            p = (policy & NARR_REDACT_BEARER) ? at_bearer(&sc, hit) : hit + 1;
            break;
        case 'J': {
            const char *start = hit - 2, *e;
            if (hit - s >= 2 && hit[-1] == 'y' && hit[-2] == 'e' && (start == s || !b64url((unsigned char)start[-1])) &&
                start >= sc.flushed && (e = jwt_end(start, sc.end)) != start) {
                cut(&sc, start, e);
                p = e;
            } else {
                p = hit + 1;
            }
            break;
        }
        default:
            p = at_dash(&sc, hit);
        }
    }
    if (sc.end > sc.flushed) emit(sc.flushed, (size_t)(sc.end - sc.flushed), ctx);
    return sc.count;
}

typedef struct fixed {
    char *out;
    size_t cap, len;
} fixed_t;

static void to_fixed(const char *piece, size_t n, void *ctx)
{
    fixed_t *f = ctx;
    size_t room = f->cap > f->len + 1 ? f->cap - f->len - 1 : 0;
    if (n > room) n = room;
    memcpy(f->out + f->len, piece, n);
    f->len += n;
}

size_t narr_redact_to(const char *s, unsigned policy, char *out, size_t cap)
{
    fixed_t f = {out, cap, 0};
    size_t count;
    if (cap == 0) return 0;
    count = narr_redact(s, strlen(s), policy, to_fixed, &f);
    out[f.len] = '\0';
    return count;
}
