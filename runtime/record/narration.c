/* runtime/record/narration.c - the producer side of NARR_NARRATE: checks the filter for the event's
 * actor, sizes the record exactly, copies every string (the caller's buffers may not outlive
 * the call), and takes the correlation and trace ids of the thread's current context. */
#include <stddef.h>
#include <string.h>

#include "internal.h"
#include "narrate/context.h"
#include "narrate/narration.h"

#define STR_MAX 1024u

const narr_field_desc_t narr__fields[] = {
    {"actor", offsetof(narr_fields_t, actor), 's'},
    {"action", offsetof(narr_fields_t, action), 's'},
    {"target", offsetof(narr_fields_t, target), 's'},
    {"human", offsetof(narr_fields_t, human), 't'},
    {"cute", offsetof(narr_fields_t, cute), 't'},
    {"story", offsetof(narr_fields_t, story), 't'},
    {"correlation_id", offsetof(narr_fields_t, correlation_id), 's'},
    {"session_id", offsetof(narr_fields_t, session_id), 's'},
    {"job_id", offsetof(narr_fields_t, job_id), 's'},
    {"task_id", offsetof(narr_fields_t, task_id), 's'},
    {"pool_id", offsetof(narr_fields_t, pool_id), 's'},
    {"replica_id", offsetof(narr_fields_t, replica_id), 's'},
    {"worker_id", offsetof(narr_fields_t, worker_id), 's'},
    {"error_kind", offsetof(narr_fields_t, error_kind), 's'},
    {"retry_after_ms", offsetof(narr_fields_t, retry_after_ms), 'n'},
    {"backoff_ms", offsetof(narr_fields_t, backoff_ms), 'n'},
    {"duration_ms", offsetof(narr_fields_t, duration_ms), 'n'},
    {"queue_position", offsetof(narr_fields_t, queue_position), 'n'},
    {"predicted_start_ms", offsetof(narr_fields_t, predicted_start_ms), 'n'},
    {"engine", offsetof(narr_fields_t, engine), 's'},
    {"engine_version", offsetof(narr_fields_t, engine_version), 's'},
    {"model_ref", offsetof(narr_fields_t, model_ref), 's'},
    {"device", offsetof(narr_fields_t, device), 's'},
    {"tokens_in", offsetof(narr_fields_t, tokens_in), 'n'},
    {"tokens_out", offsetof(narr_fields_t, tokens_out), 'n'},
    {"decode_time_ms", offsetof(narr_fields_t, decode_time_ms), 'n'},
};
const size_t narr__nfields = sizeof narr__fields / sizeof narr__fields[0];

static narr_fatal_hook_fn fatal_hook;

void narr_set_fatal_hook(narr_fatal_hook_fn hook)
{
    __atomic_store_n(&fatal_hook, hook, __ATOMIC_RELEASE);
}

void narr__fatal(void)
{
    narr_fatal_hook_fn hook = __atomic_load_n(&fatal_hook, __ATOMIC_ACQUIRE);
    (void)narr_flush();
    if (hook != NULL) hook();
}

static uint32_t str_size(const char *s)
{
    size_t n = s == NULL ? 0 : strnlen(s, STR_MAX);
    return 8u + (uint32_t)((n + 7u) & ~(size_t)7u);
}

static unsigned char *put_tag(unsigned char *p, unsigned id, unsigned enc, unsigned n)
{
    uint64_t tag = (uint64_t)id | ((uint64_t)enc << 8) | ((uint64_t)n << 16);
    memcpy(p, &tag, 8);
    return p + 8;
}

static int text_set(const narr_text_t *t)
{
    return t->fmt != NULL;
}

static uint32_t text_size(const narr_text_t *t)
{
    uint32_t need = 8 + str_size(t->fmt);
    unsigned i;
    for (i = 0; i < t->n; i++) need += 8 + (t->types[i] == NARR__T_STR ? str_size(t->vals[i].s) : 8u);
    return need;
}

static unsigned char *put_text(unsigned char *p, unsigned id, const narr_text_t *t)
{
    unsigned i;
    p = put_tag(p, id, 't', t->n);
    p = narr__put_str_copy(p, t->fmt, STR_MAX);
    for (i = 0; i < t->n; i++) {
        uint64_t type = t->types[i];
        memcpy(p, &type, 8);
        p += 8;
        p = t->types[i] == NARR__T_STR ? narr__put_str_copy(p, t->vals[i].s, STR_MAX) : narr__put_val(p, t->types[i], t->vals[i]);
    }
    return p;
}

/* A string field's value: the actor and correlation id have defaults, the rest is as given. */
static const char *field_string(const narr_fields_t *f, size_t i, const char *actor, const char *corr)
{
    if (i == NARR__F_ACTOR) return actor;
    if (i == NARR__F_CORRELATION) return corr;
    return *(const char *const *)(const void *)((const char *)f + narr__fields[i].offset);
}

/* The filter's level for an actor and function, cached per thread until the filter changes. */
static narr_level_t filter_cached(const char *actor, const char *func)
{
    static _Thread_local struct { const char *actor, *func; uint64_t gen; narr_level_t level; } cache[8];
    static _Thread_local unsigned next;
    uint64_t gen = narr__filter_generation();
    unsigned i;
    for (i = 0; i < 8; i++)
        if (cache[i].actor == actor && cache[i].func == func && cache[i].gen == gen) return cache[i].level;
    i = next++ % 8;
    cache[i].actor = actor;
    cache[i].func = func;
    cache[i].gen = gen;
    cache[i].level = narr__filter_for(actor, func);
    return cache[i].level;
}

void narr__narrate(narr_site_t *site, int32_t st, int level, const narr_fields_t *f)
{
    const narr_context_t *ctx = narr__context_top();
    const char *actor = f->actor ? f->actor : "app";
    const char *corr = f->correlation_id ? f->correlation_id : (ctx && ctx->correlation_id[0] ? ctx->correlation_id : NULL);
    uint32_t need = NARR__REC_HDR + 8;
    unsigned nitems = 0;
    size_t i;
    const narr_extra_t *x;
    narr__rec_t g;
    unsigned char *p;

    if (level < NARR_LEVEL_TRACE || level > NARR_LEVEL_FATAL) return; /* MUTE, OFF */
    if ((narr_level_t)level < filter_cached(actor, site->func) && level < narr__boost) return;
    for (i = 0; i < narr__nfields; i++) {
        const char *base = (const char *)f + narr__fields[i].offset;
        if (narr__fields[i].enc == 's') {
            const char *s = field_string(f, i, actor, corr);
            if (s != NULL) need += 8 + str_size(s), nitems++;
        } else if (narr__fields[i].enc == 'n') {
            if (((const narr_num_t *)(const void *)base)->set) need += 16, nitems++;
        } else if (text_set((const narr_text_t *)(const void *)base)) {
            need += text_size((const narr_text_t *)(const void *)base), nitems++;
        }
    }
    for (x = f->extra; x != NULL && x->key != NULL; x++) need += 8 + str_size(x->key) + str_size(x->value), nitems++;
    if (ctx != NULL) need += 8 + 24, nitems++;

    p = narr__rec_reserve(st, need, &g);
    if (p == NULL) return;
    {
        uint64_t head = (uint64_t)(unsigned)level | ((uint64_t)nitems << 8);
        memcpy(p, &head, 8);
        p += 8;
    }
    for (i = 0; i < narr__nfields; i++) {
        const char *base = (const char *)f + narr__fields[i].offset;
        if (narr__fields[i].enc == 's') {
            const char *s = field_string(f, i, actor, corr);
            if (s != NULL) p = narr__put_str_copy(put_tag(p, (unsigned)i, 's', 0), s, STR_MAX);
        } else if (narr__fields[i].enc == 'n') {
            const narr_num_t *num = (const narr_num_t *)(const void *)base;
            if (num->set) p = narr__put_i(put_tag(p, (unsigned)i, 'n', 0), num->v);
        } else if (text_set((const narr_text_t *)(const void *)base)) {
            p = put_text(p, (unsigned)i, (const narr_text_t *)(const void *)base);
        }
    }
    for (x = f->extra; x != NULL && x->key != NULL; x++) {
        p = put_tag(p, NARR__F_EXTRA, 'x', 0);
        p = narr__put_str_copy(p, x->key, STR_MAX);
        p = narr__put_str_copy(p, x->value, STR_MAX);
    }
    if (ctx != NULL) {
        p = put_tag(p, NARR__F_CONTEXT, 'r', 0);
        memcpy(p, ctx->trace_id, 16);
        memcpy(p + 16, ctx->span_id, 8);
        p += 24;
    }
    narr__commit(&g, p);
    if (level == NARR_LEVEL_FATAL) narr__fatal();
}
