/* tools/narrate/ctf.c - narrate export --format ctf FILE -o DIR: a CTF 1.8 trace that
 * babeltrace2 reads. One stream file per thread; each site an event class ("actor:action", with
 * ":enter"/":exit" for calls) whose fields are typed as the site recorded them: each parameter
 * and result with its own name, integers as integers, doubles as doubles, strings as strings; an
 * exit's elapsed_ns; what else the event carries in "fields". Narration sites get a class per
 * level (their level is chosen per event), so every class has the right log level. Timestamps
 * are on a clock whose offset puts them in wall time. Losses: a drop record closes the thread's packet, and the next packet carries the
 * running count in events_discarded, which is where CTF readers look for them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "narrate/redact.h"
#include "reader.h"

#define CTF_MAGIC 0xC1FC1FC1u

typedef struct stream {
    uint32_t tid;
    FILE *f;
    narr__buf_t events; /* the open packet's events */
    uint64_t begin, end, discarded, nevents;
    uint64_t reported; /* events_discarded of the last packet written */
    uint64_t lost_at;  /* losses before the stream's first event: when they were noticed (0: none) */
} stream_t;

/* CTF/LTTng log levels count down from EMERG (0) to DEBUG (14); narrate's count up from TRACE
 * (0). babeltrace2 names them: FATAL -> TRACE_CRIT, ERROR -> TRACE_ERR, WARN -> TRACE_WARNING,
 * INFO -> TRACE_INFO, DEBUG -> TRACE_DEBUG_LINE, TRACE -> TRACE_DEBUG. */
static unsigned ctf_loglevel(unsigned level)
{
    static const unsigned map[] = {14, 13, 6, 4, 3, 2};
    return level < sizeof map / sizeof map[0] ? map[level] : 14;
}

static void put_u32(narr__buf_t *b, uint32_t v) { narr__buf_put(b, &v, 4); }
static void put_u64(narr__buf_t *b, uint64_t v) { narr__buf_put(b, &v, 8); }

/* Packet header and context, then the events; sizes in bits. */
static void close_packet(stream_t *s)
{
    narr__buf_t p = {0};
    uint64_t bits;
    if (s->nevents == 0 && s->discarded == s->reported) return; /* an empty packet only to report losses */
    s->reported = s->discarded;
    if (s->end == 0) s->begin = s->end = s->lost_at; /* only losses, no event yet */
    bits = (8u + 40u + s->events.len) * 8u;
    put_u32(&p, CTF_MAGIC);
    put_u32(&p, 0);           /* stream_id */
    put_u64(&p, s->begin);    /* timestamp_begin */
    put_u64(&p, s->end);      /* timestamp_end */
    put_u64(&p, bits);        /* content_size */
    put_u64(&p, bits);        /* packet_size */
    put_u64(&p, s->discarded); /* events_discarded: running count */
    narr__buf_put(&p, s->events.p, s->events.len);
    fwrite(p.p, 1, p.len, s->f);
    narr__buf_free(&p);
    s->events.len = 0;
    s->nevents = 0;
}

static stream_t *stream_for(stream_t **v, size_t *n, uint32_t tid, const char *dir, uint64_t start)
{
    size_t i;
    char path[4096];
    stream_t *fresh;
    for (i = 0; i < *n; i++)
        if ((*v)[i].tid == tid) return &(*v)[i];
    fresh = realloc(*v, (*n + 1) * sizeof **v);
    if (fresh == NULL) return NULL;
    *v = fresh;
    memset(&fresh[*n], 0, sizeof fresh[0]);
    fresh[*n].tid = tid;
    snprintf(path, sizeof path, "%s/stream_%u", dir, tid);
    fresh[*n].f = fopen(path, "wb");
    if (fresh[*n].f == NULL) return NULL;
    /* an empty first packet at the trace's start with no losses: readers count a packet's
     * losses against the one before, so the first real packet's are then exact, not "may have" */
    fresh[*n].begin = fresh[*n].end = start;
    fresh[*n].nevents = 1; /* (close_packet writes it although it holds no event) */
    close_packet(&fresh[*n]);
    fresh[*n].begin = fresh[*n].end = 0;
    return &fresh[(*n)++];
}

static void tsdl_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        if ((unsigned char)*s >= 0x20) fputc(*s, f);
    }
    fputc('"', f);
}

/* A site's typed fields: its named values (parameters, result, keys of hand-written sites) */
static int typed_field(const narr_site_t *s, unsigned i)
{
    return s->kind != NARR_KIND_NARRATE && i < s->npre && s->keys != NULL && s->keys[i] != NULL && s->keys[i][0] != '@' &&
           s->keys[i][0] != '\0';
}

static const char *tsdl_type(unsigned char type)
{
    switch (type) {
    case NARR__T_I64: return "int64_t";
    case NARR__T_U64: case NARR__T_BOOL: return "uint64_t";
    case NARR__T_PTR: return "ptr_t";
    case NARR__T_F64: return "double";
    default: return "string"; /* strings, literals, enum constants by name */
    }
}

/* A field name TSDL accepts: the leading '_' is CTF's escape (readers show the name without it),
 * other characters than letters, digits and '_' become '_' */
static void tsdl_name(FILE *f, const char *key)
{
    fputc('_', f);
    for (; *key; key++) fputc(((*key >= 'a' && *key <= 'z') || (*key >= 'A' && *key <= 'Z') || (*key >= '0' && *key <= '9')) ? *key : '_', f);
}

#define CTF_CLASSES_PER_SITE 8u /* narration: one class per level; other sites use the first */

static int write_metadata(narr_trace_t *t, const char *dir)
{
    char path[4096];
    FILE *f;
    size_t i;
    unsigned k, lv;
    snprintf(path, sizeof path, "%s/metadata", dir);
    f = fopen(path, "w");
    if (f == NULL) return -1;
    fprintf(f, "/* CTF 1.8 */\n\n"
               "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
               "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
               "typealias integer { size = 64; align = 8; signed = true; } := int64_t;\n"
               "typealias integer { size = 64; align = 8; signed = false; base = 16; } := ptr_t;\n"
               "typealias floating_point { exp_dig = 11; mant_dig = 53; align = 8; } := double;\n\n"
               "trace {\n\tmajor = 1;\n\tminor = 8;\n\tbyte_order = le;\n"
               "\tpacket.header := struct {\n\t\tuint32_t magic;\n\t\tuint32_t stream_id;\n\t};\n};\n\n"
               "env {\n\tdomain = \"ust\";\n\ttracer_name = \"narrate\";\n\tvpid = %u;\n\tprocname = ", t->pid);
    tsdl_string(f, t->program);
    fprintf(f, ";\n};\n\n"
               "clock {\n\tname = monotonic;\n\tfreq = 1000000000;\n\toffset_s = %lld;\n\toffset = %lld;\n};\n\n"
               "typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; } := clock_t;\n\n"
               "stream {\n\tid = 0;\n"
               "\tpacket.context := struct {\n\t\tclock_t timestamp_begin;\n\t\tclock_t timestamp_end;\n"
               "\t\tuint64_t content_size;\n\t\tuint64_t packet_size;\n\t\tuint64_t events_discarded;\n\t};\n"
               "\tevent.header := struct {\n\t\tuint32_t id;\n\t\tclock_t timestamp;\n\t};\n"
               "\tevent.context := struct {\n\t\tuint32_t tid;\n\t};\n};\n",
            (long long)(t->real_minus_mono / 1000000000), (long long)(t->real_minus_mono % 1000000000));
    for (i = 1; i < t->nsites; i++) {
        const narr_site_t *s = t->sites[i];
        char name[512];
        if (s == NULL) continue;
        for (lv = 0; lv < (s->kind == NARR_KIND_NARRATE ? NARR_LEVEL_FATAL + 1u : 1u); lv++) {
            if (s->kind == NARR_KIND_NARRATE) snprintf(name, sizeof name, "narration:%s", narr_level_name((narr_level_t)lv));
            else snprintf(name, sizeof name, "%s:%s%s", s->actor, s->action,
                          narr__kind_enters(s->kind) ? ":enter" : narr__kind_exits(s->kind) ? ":exit" : "");
            fprintf(f, "\nevent {\n\tname = ");
            tsdl_string(f, name);
            fprintf(f, ";\n\tid = %zu;\n\tstream_id = 0;\n\tloglevel = %u;\n"
                       "\tfields := struct {\n\t\tstring level;\n\t\tstring actor;\n\t\tstring action;\n\t\tstring message;\n",
                    i * CTF_CLASSES_PER_SITE + lv, ctf_loglevel(s->kind == NARR_KIND_NARRATE ? lv : s->level));
            for (k = 0; k < s->ntypes; k++) {
                if (!typed_field(s, k)) continue;
                fprintf(f, "\t\t%s ", tsdl_type(s->types[k]));
                tsdl_name(f, s->keys[k]);
                fprintf(f, ";\n");
            }
            if (narr__kind_exits(s->kind)) fprintf(f, "\t\tuint64_t elapsed_ns;\n");
            fprintf(f, "\t\tstring fields;\n\t};\n};\n");
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* The decoded value of a site's named value, by its key */
static const narr_kv_t *kv_named(const narr_event_t *ev, const char *key)
{
    size_t i;
    for (i = 0; i < ev->nkv; i++)
        if (ev->kv[i].key != NULL && strcmp(ev->kv[i].key, key) == 0) return &ev->kv[i];
    return NULL;
}

/* One typed field's bytes, from the value as decoded (the text the sinks show) */
static void put_typed(narr__buf_t *b, unsigned char type, const char *key, const narr_kv_t *kv)
{
    const char *v = kv != NULL ? kv->value : "";
    switch (type) {
    case NARR__T_I64: {
        int64_t x = strtoll(v, NULL, 0);
        narr__buf_put(b, &x, 8);
        break;
    }
    case NARR__T_U64: case NARR__T_PTR: {
        uint64_t x = strcmp(v, "true") == 0 ? 1u : strtoull(v, NULL, 0);
        narr__buf_put(b, &x, 8);
        break;
    }
    case NARR__T_BOOL: {
        uint64_t x = strcmp(v, "true") == 0;
        narr__buf_put(b, &x, 8);
        break;
    }
    case NARR__T_F64: {
        double x = strtod(v, NULL);
        narr__buf_put(b, &x, 8);
        break;
    }
    default: /* redacted as every other output (a value under a secret key never shows) */
        if (kv != NULL)
            narr__value_put(b, key, kv->value, kv->value_len, NARR__ESC_CONSOLE, NARR_REDACT_DEFAULT);
        narr__buf_putc(b, '\0');
    }
}

int narrate_export_ctf(narr_trace_t *t, const char *dir)
{
    stream_t *streams = NULL;
    size_t nstreams = 0, i, k;
    narr__buf_t text = {0};
    const narr_tevent_t *e;
    uint64_t start = UINT64_MAX;
    int rc = 0;
    narr_progress_t prog = {"exporting", 0, 0};
    if (strcmp(dir, "-") == 0) {
        fprintf(stderr, "narrate export --format ctf: give a folder with -o\n");
        return 2;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "narrate: cannot make %s: %s\n", dir, strerror(errno));
        return 1;
    }
    if (write_metadata(t, dir) != 0) {
        fprintf(stderr, "narrate: cannot write %s/metadata: %s\n", dir, strerror(errno));
        return 1;
    }
    /* by time (a thread's blocks and its drop records in one order); the first event's time is
     * the earliest of all: every stream's first packet begins there */
    for (i = 0, e = narr_trace_next(t); e != NULL && rc == 0; e = narr_trace_next(t), i++) {
        stream_t *s;
        const narr_event_t *ev;
        if (start == UINT64_MAX) start = e->mono;
        if ((s = stream_for(&streams, &nstreams, e->tid, dir, start)) == NULL) {
            fprintf(stderr, "narrate: cannot write the stream of thread %u in %s: %s\n", e->tid, dir, strerror(errno));
            rc = 1;
            break;
        }
        if ((i & 0xffff) == 0) narr_progress_step(&prog, t->stream_done, t->stream_events);
        if (e->site == 0) { /* a drop record: the next packet says how many were lost */
            close_packet(s);
            s->discarded += e->dropped;
            /* the lost events lie between the stream's last event and its next one; the drop
             * record's own time is when the consumer noticed, which may be later than events
             * of the thread still to come: a packet must not begin after its events (babeltrace2
             * refuses a stream whose time goes backwards) */
            s->begin = s->end;
            if (s->end == 0) s->lost_at = e->mono; /* (the next event's time will begin the packet) */
            continue;
        }
        ev = narr_trace_decode(t, e);
        if (ev == NULL) continue;
        if ((s->nevents == 0 && s->discarded == s->reported) || s->end == 0) s->begin = e->mono;
        if (e->mono > s->end) s->end = e->mono;
        if (s->begin > s->end) s->begin = s->end;
        s->nevents++;
        {
            const narr_site_t *site = t->sites[e->site];
            unsigned lv = site->kind == NARR_KIND_NARRATE && ev->level <= NARR_LEVEL_FATAL ? (unsigned)ev->level : 0u;
            put_u32(&s->events, (uint32_t)(e->site * CTF_CLASSES_PER_SITE + lv));
            put_u64(&s->events, e->mono);
            put_u32(&s->events, e->tid);
            narr__buf_put(&s->events, narr_level_name(ev->level), strlen(narr_level_name(ev->level)) + 1);
            narr__buf_put(&s->events, ev->actor, strlen(ev->actor) + 1);
            narr__buf_put(&s->events, ev->action, strlen(ev->action) + 1);
            text.len = 0;
            narr__text_put(&text, ev->message, ev->message_len, NARR__ESC_CONSOLE, NARR_REDACT_DEFAULT);
            narr__buf_putc(&text, '\0');
            narr__buf_put(&s->events, text.p, text.len);
            for (k = 0; k < site->ntypes; k++)
                if (typed_field(site, (unsigned)k)) put_typed(&s->events, site->types[k], site->keys[k], kv_named(ev, site->keys[k]));
            if (narr__kind_exits(site->kind)) put_u64(&s->events, ev->has_elapsed ? ev->elapsed_ns : 0);
            text.len = 0;
            if (ev->target) {
                narr__buf_put(&text, "target=\"", 8);
                narr__text_put(&text, ev->target, strlen(ev->target), NARR__ESC_CONSOLE, NARR_REDACT_DEFAULT);
                narr__buf_put(&text, "\" ", 2);
            }
            for (k = 0; k < ev->nkv; k++) { /* the rest; keys escaped, values under secret keys redacted */
                size_t j;
                int typed = 0;
                for (j = 0; j < site->ntypes && !typed; j++)
                    typed = typed_field(site, (unsigned)j) && strcmp(site->keys[j], ev->kv[k].key) == 0;
                if (typed || (narr__kind_exits(site->kind) && strcmp(ev->kv[k].key, "elapsed_ms") == 0)) continue;
                narr__text_put(&text, ev->kv[k].key, strlen(ev->kv[k].key), NARR__ESC_CONSOLE, NARR_REDACT_NONE);
                narr__buf_put(&text, "=\"", 2);
                narr__value_put(&text, ev->kv[k].key, ev->kv[k].value, ev->kv[k].value_len, NARR__ESC_CONSOLE, NARR_REDACT_DEFAULT);
                narr__buf_put(&text, "\" ", 2);
            }
            narr__buf_putc(&text, '\0');
            narr__buf_put(&s->events, text.p, text.len);
        }
        if (s->events.len > (1u << 20)) close_packet(s);
    }
    narr_progress_step(&prog, t->stream_events, t->stream_events);
    for (i = 0; i < nstreams; i++) {
        close_packet(&streams[i]); /* also an empty one, when losses came after the last event */
        if (streams[i].f != NULL && fclose(streams[i].f) != 0) rc = 1;
        narr__buf_free(&streams[i].events);
    }
    free(streams);
    narr__buf_free(&text);
    return rc;
}
