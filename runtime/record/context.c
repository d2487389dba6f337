/* runtime/record/context.c - ids (UUID v4/v7, trace and span ids), W3C traceparent, and the per-thread
 * context stack narration reads its correlation and trace ids from. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "internal.h"
#include "narrate/context.h"

#define STACK_MAX 32

static _Thread_local narr_context_t stack[STACK_MAX];
static _Thread_local unsigned depth;
int narr__boosts;
_Thread_local int narr__boost = NARR_LEVEL_OFF;

static int random_bytes(void *p, size_t n)
{
    unsigned char *b = p;
    while (n > 0) {
        ssize_t r = getrandom(b, n, 0);
        if (r < 0) return NARR_EIO;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
    size_t i;
    for (i = 0; i < 2 * n; i++) {
        int v;
        char c = s[i];
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else return NARR_EINVAL; /* W3C: lower-case hex only */
        if (i % 2 == 0) out[i / 2] = (uint8_t)(v << 4);
        else out[i / 2] |= (uint8_t)v;
    }
    return 0;
}

static void uuid_text(const uint8_t b[16], char out[NARR_UUID_LEN + 1])
{
    hex(out, b, 4);
    out[8] = '-';
    hex(out + 9, b + 4, 2);
    out[13] = '-';
    hex(out + 14, b + 6, 2);
    out[18] = '-';
    hex(out + 19, b + 8, 2);
    out[23] = '-';
    hex(out + 24, b + 10, 6);
    out[36] = '\0';
}

int narr_uuid_v4(char out[NARR_UUID_LEN + 1])
{
    uint8_t b[16];
    if (random_bytes(b, sizeof b) != 0) return NARR_EIO;
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    uuid_text(b, out);
    return 0;
}

int narr_uuid_v7(char out[NARR_UUID_LEN + 1])
{
    uint8_t b[16];
    struct timespec ts;
    uint64_t ms;
    int i;
    if (random_bytes(b, sizeof b) != 0) return NARR_EIO;
    clock_gettime(CLOCK_REALTIME, &ts);
    ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    for (i = 0; i < 6; i++) b[i] = (uint8_t)(ms >> (40 - 8 * i)); /* 48-bit big-endian milliseconds */
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x70);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    uuid_text(b, out);
    return 0;
}

int narr_uuid_validate(const char *s, int version)
{
    static const int dash[] = {8, 13, 18, 23};
    int i, d = 0;
    if (s == NULL || strlen(s) != NARR_UUID_LEN) return NARR_EINVAL;
    for (i = 0; i < NARR_UUID_LEN; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-') return NARR_EINVAL;
            d++;
        } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F'))) {
            return NARR_EINVAL;
        }
    }
    if (strchr("89abAB", s[19]) == NULL) return NARR_EINVAL; /* RFC 4122 variant */
    if (version != 0 && s[14] != "0123456789"[version % 10]) return NARR_EINVAL;
    return 0;
}

static int nonzero(const uint8_t *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i]) return 1;
    return 0;
}

int narr_context_child(const narr_context_t *parent, narr_context_t *out)
{
    narr_context_t c = *parent;
    memcpy(c.parent_span_id, parent->span_id, sizeof c.parent_span_id);
    do {
        if (random_bytes(c.span_id, sizeof c.span_id) != 0) return NARR_EIO;
    } while (!nonzero(c.span_id, sizeof c.span_id));
    *out = c;
    return 0;
}

int narr_context_new(narr_context_t *out, const char *correlation_id)
{
    narr_context_t c;
    memset(&c, 0, sizeof c);
    do {
        if (random_bytes(c.trace_id, sizeof c.trace_id) != 0) return NARR_EIO;
    } while (!nonzero(c.trace_id, sizeof c.trace_id));
    c.flags = (uint8_t)narr__sample_id_passes(c.trace_id); /* the head decision travels in traceparent */
    if (correlation_id != NULL) snprintf(c.correlation_id, sizeof c.correlation_id, "%s", correlation_id);
    else if (narr_uuid_v7(c.correlation_id) != 0) return NARR_EIO;
    do {
        if (random_bytes(c.span_id, sizeof c.span_id) != 0) return NARR_EIO;
    } while (!nonzero(c.span_id, sizeof c.span_id));
    *out = c; /* a root: no parent span */
    return 0;
}

int narr_context_inject(const narr_context_t *ctx, char traceparent[NARR_TRACEPARENT_LEN + 1], char *tracestate,
                        size_t tracestate_cap)
{
    int rc;
    if (ctx == NULL || traceparent == NULL) return NARR_EINVAL;
    rc = narr_traceparent_format(ctx, traceparent);
    if (rc == 0 && tracestate != NULL && tracestate_cap > 0)
        snprintf(tracestate, tracestate_cap, "%s", ctx->tracestate);
    return rc;
}

int narr_context_extract(const char *traceparent, const char *tracestate, narr_context_t *out)
{
    narr_context_t remote;
    int rc;
    if (out == NULL) return NARR_EINVAL;
    rc = narr_traceparent_parse(traceparent, &remote);
    if (rc != 0) return rc;
    if (tracestate != NULL && strlen(tracestate) <= NARR_TRACESTATE_MAX)
        snprintf(remote.tracestate, sizeof remote.tracestate, "%s", tracestate);
    hex(remote.correlation_id, remote.trace_id, 16);
    remote.correlation_id[32] = '\0';
    return narr_context_child(&remote, out);
}

int narr_traceparent_format(const narr_context_t *ctx, char out[NARR_TRACEPARENT_LEN + 1])
{
    if (!nonzero(ctx->trace_id, 16) || !nonzero(ctx->span_id, 8)) return NARR_EINVAL;
    memcpy(out, "00-", 3);
    hex(out + 3, ctx->trace_id, 16);
    out[35] = '-';
    hex(out + 36, ctx->span_id, 8);
    out[52] = '-';
    hex(out + 53, &ctx->flags, 1);
    out[55] = '\0';
    return 0;
}

int narr_traceparent_parse(const char *h, narr_context_t *out)
{
    narr_context_t c;
    uint8_t version;
    size_t n;
    if (h == NULL) return NARR_EINVAL;
    n = strlen(h);
    if (n < NARR_TRACEPARENT_LEN || h[2] != '-' || h[35] != '-' || h[52] != '-') return NARR_EINVAL;
    memset(&c, 0, sizeof c);
    if (unhex(h, &version, 1) != 0 || version == 0xff) return NARR_EINVAL;
    if (version == 0 && n != NARR_TRACEPARENT_LEN) return NARR_EINVAL; /* version 00 has nothing after */
    if (version != 0 && n > NARR_TRACEPARENT_LEN && h[55] != '-') return NARR_EINVAL;
    if (unhex(h + 3, c.trace_id, 16) != 0 || unhex(h + 36, c.span_id, 8) != 0 || unhex(h + 53, &c.flags, 1) != 0)
        return NARR_EINVAL;
    if (!nonzero(c.trace_id, 16) || !nonzero(c.span_id, 8)) return NARR_EINVAL;
    *out = c;
    return 0;
}

int narr_context_set_debug(narr_context_t *ctx, narr_level_t level)
{
    if (ctx == NULL || (int)level < NARR_LEVEL_TRACE || (int)level > NARR_LEVEL_OFF) return NARR_EINVAL;
    ctx->debug = level == NARR_LEVEL_OFF ? 0 : (uint8_t)(level + 1);
    return 0;
}

int narr_context_set_debug_header(narr_context_t *ctx, const char *value)
{
    static const char *const on[] = {"1", "on", "true", "yes", "verbose", "full"};
    static const char *const off[] = {"", "0", "off", "false", "no"};
    narr_level_t level;
    size_t i;
    if (ctx == NULL || value == NULL) return NARR_EINVAL;
    for (i = 0; i < sizeof on / sizeof on[0]; i++)
        if (strcasecmp(value, on[i]) == 0) return narr_context_set_debug(ctx, NARR_LEVEL_TRACE);
    for (i = 0; i < sizeof off / sizeof off[0]; i++)
        if (strcasecmp(value, off[i]) == 0) return narr_context_set_debug(ctx, NARR_LEVEL_OFF);
    if (narr_level_parse(value, strlen(value), &level) != 0) return NARR_EINVAL;
    return narr_context_set_debug(ctx, level);
}

/* The consumer follows each thread's context (the ids of OTLP spans, head sampling): one
 * internal record per change. */
static void record_enter(const narr_context_t *c)
{
    uint64_t hi, lo, span, parent;
    memcpy(&hi, c->trace_id, 8);
    memcpy(&lo, c->trace_id + 8, 8);
    memcpy(&span, c->span_id, 8);
    memcpy(&parent, c->parent_span_id, 8);
    /* the consumer reads the values, not the text (sample.c); depth (after entering) lets it
     * resynchronise when a full ring dropped a context record */
    NARR__REC(NARR_LEVEL_TRACE, NARR_KIND_CONTEXT, "narrate", "context", 0, "%llx %llx %llx %llx %llx %s",
              (unsigned long long)hi, (unsigned long long)lo, (unsigned long long)span, (unsigned long long)parent,
              (unsigned long long)c->flags | (unsigned long long)c->debug << 8 | (unsigned long long)depth << 16,
              c->correlation_id);
}

static void record_leave(void)
{
    /* the depth after leaving: the consumer resynchronises if a record of this thread was lost */
    NARR__REC(NARR_LEVEL_TRACE, NARR_KIND_CONTEXT_LEAVE, "narrate", "context", 0, "%llu", (unsigned long long)depth);
}

/* A boosted context entered or left: the first and the last change how sites resolve. */
static void boost_change(int delta)
{
    int now = __atomic_add_fetch(&narr__boosts, delta, __ATOMIC_ACQ_REL);
    if ((delta > 0 && now == 1) || (delta < 0 && now == 0)) narr__site_reresolve_all();
}

static void boost_from_top(void)
{
    narr__boost = depth > 0 && stack[depth - 1].debug ? stack[depth - 1].debug - 1 : NARR_LEVEL_OFF;
}

int narr_context_enter(const narr_context_t *ctx)
{
    if (ctx == NULL) return NARR_EINVAL;
    if (depth == STACK_MAX) return NARR_ENOSPC;
    stack[depth++] = *ctx;
    if (ctx->debug) boost_change(1);
    boost_from_top();
    record_enter(ctx);
    return 0;
}

int narr_context_leave(void)
{
    if (depth == 0) return NARR_ESTATE;
    depth--;
    if (stack[depth].debug) boost_change(-1);
    boost_from_top();
    record_leave();
    return 0;
}

int narr_context_current(narr_context_t *out)
{
    if (depth == 0) return NARR_ESTATE;
    *out = stack[depth - 1];
    return 0;
}

const narr_context_t *narr__context_top(void)
{
    return depth == 0 ? NULL : &stack[depth - 1];
}
