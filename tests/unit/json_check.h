/* tests/unit/json_check.h - a strict RFC 8259 validator for one JSON text (UTF-8 checked),
 * written for the tests so they need nothing outside the repository. */
#ifndef NARR_TESTS_JSON_CHECK_H
#define NARR_TESTS_JSON_CHECK_H

#include <stddef.h>

typedef struct jc {
    const unsigned char *p, *end;
    int depth;
} jc_t;

static void jc_ws(jc_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static int jc_value(jc_t *j);

static int jc_utf8(jc_t *j)
{
    unsigned c = *j->p, need, v, min, i;
    if (c >= 0xC2 && c <= 0xDF) need = 1, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) need = 2, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) need = 3, v = c & 0x07, min = 0x10000;
    else return 0;
    if (j->end - j->p < (ptrdiff_t)need + 1) return 0;
    for (i = 1; i <= need; i++) {
        if ((j->p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (j->p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    j->p += need + 1;
    return 1;
}

static int jc_string(jc_t *j)
{
    j->p++; /* opening quote */
    while (j->p < j->end) {
        unsigned c = *j->p;
        if (c == '"') {
            j->p++;
            return 1;
        }
        if (c < 0x20) return 0;
        if (c == '\\') {
            int i;
            if (++j->p >= j->end) return 0;
            switch (*j->p) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': j->p++; break;
            case 'u':
                for (i = 1; i <= 4; i++) {
                    unsigned h;
                    if (j->p + i >= j->end) return 0;
                    h = j->p[i];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return 0;
                }
                j->p += 5;
                break;
            default: return 0;
            }
        } else if (c < 0x80) {
            j->p++;
        } else if (!jc_utf8(j)) {
            return 0;
        }
    }
    return 0;
}

static int jc_number(jc_t *j)
{
    const unsigned char *s = j->p;
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p >= j->end) return 0;
    if (*j->p == '0') j->p++;
    else if (*j->p >= '1' && *j->p <= '9') while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    else return 0;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    return j->p > s;
}

static int jc_lit(jc_t *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) return 0;
    j->p += n;
    return 1;
}

static int jc_value(jc_t *j)
{
    jc_ws(j);
    if (j->p >= j->end || ++j->depth > 64) return 0;
    switch (*j->p) {
    case '{':
        j->p++;
        jc_ws(j);
        if (j->p < j->end && *j->p == '}') break;
        for (;;) {
            jc_ws(j);
            if (j->p >= j->end || *j->p != '"' || !jc_string(j)) return 0;
            jc_ws(j);
            if (j->p >= j->end || *j->p++ != ':') return 0;
            if (!jc_value(j)) return 0;
            jc_ws(j);
            if (j->p < j->end && *j->p == ',') { j->p++; continue; }
            if (j->p < j->end && *j->p == '}') break;
            return 0;
        }
        break;
    case '[':
        j->p++;
        jc_ws(j);
        if (j->p < j->end && *j->p == ']') break;
        for (;;) {
            if (!jc_value(j)) return 0;
            jc_ws(j);
            if (j->p < j->end && *j->p == ',') { j->p++; continue; }
            if (j->p < j->end && *j->p == ']') break;
            return 0;
        }
        break;
    case '"': j->depth--; return jc_string(j);
    case 't': j->depth--; return jc_lit(j, "true");
    case 'f': j->depth--; return jc_lit(j, "false");
    case 'n': j->depth--; return jc_lit(j, "null");
    default: j->depth--; return jc_number(j);
    }
    j->p++; /* closing bracket */
    j->depth--;
    return 1;
}

/* 1 when [s, s+n) is exactly one JSON value, with optional surrounding white space. */
static int json_valid(const char *s, size_t n)
{
    jc_t j;
    j.p = (const unsigned char *)s;
    j.end = j.p + n;
    j.depth = 0;
    if (!jc_value(&j)) return 0;
    jc_ws(&j);
    return j.p == j.end;
}

#endif /* NARR_TESTS_JSON_CHECK_H */
