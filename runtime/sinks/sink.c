/* runtime/sinks/sink.c - the sink table and NARRATE_OUTPUT. A sink is a function, its user data and a
 * minimum level; the consumer calls every sink for every event at or above its level, one at a
 * time. A raw sink (the trace file) also takes a thread's records as they are, in batches
 * (narr__sinks_raw), and then gets no decoded events but drop reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "narrate/otlp.h"
#include "narrate/redact.h"

#ifdef NARR_HAVE_OTLP
#define NARR__HAVE_OTLP 1
#else
#define NARR__HAVE_OTLP 0
/* Built without libcurl: the otlp sink says so. */
int narr_sink_otlp_add(const narr_otlp_config_t *cfg, narr_level_t min_level)
{
    (void)cfg, (void)min_level;
    return NARR_EUNSUPPORTED;
}

void narr_otlp_stats_get(narr_otlp_stats_t *out)
{
    memset(out, 0, sizeof *out);
}
#endif

typedef struct sink {
    narr_sink_fn fn;
    narr__raw_fn raw; /* NULL: decoded events only */
    narr_sink_ctl_fn ctl;
    void *user;
    narr_level_t min_level;
    int id;
    narr_sink_options_t *opts; /* stable while the sink lives (sinks[] entries move) */
    unsigned flags;            /* NARR__SINK_* */
} sink_t;

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static sink_t sinks[NARR_CFG_SINKS_MAX];
static size_t nsinks;
static int next_id = 1;
static narr_sink_options_t *current; /* consumer only: the options of the sink being called */
static narr_mode_t default_mode;
static int raw_on; /* consumer only: raw sinks take records this pass (narr__sinks_plan) */

narr_sink_options_t *narr_sink_current_options(void)
{
    return current;
}

void narr__sinks_default_mode(narr_mode_t mode)
{
    default_mode = mode;
}

int narr__write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int narr_sink_add(narr_sink_fn fn, narr_sink_ctl_fn ctl, void *user, narr_level_t min_level)
{
    return narr__sink_add_ex(fn, ctl, user, min_level, 0);
}

int narr__sink_add_ex(narr_sink_fn fn, narr_sink_ctl_fn ctl, void *user, narr_level_t min_level, unsigned flags)
{
    return narr__sink_add_raw(NULL, fn, ctl, user, min_level, flags);
}

/* Whether a sink that keeps every record is added (raw or COMPLETE), for threads attaching a
 * ring: read without the lock, which the consumer holds while sinks run (a sink that records
 * attaches the consumer's ring). */
static int keep_all;
int narr__skip_off;

static void keep_all_locked(void)
{
    size_t i;
    int any = 0;
    for (i = 0; i < nsinks; i++) any |= sinks[i].raw != NULL || (sinks[i].flags & NARR__SINK_COMPLETE) || narr__skip_off;
    __atomic_store_n(&keep_all, any, __ATOMIC_RELAXED);
}

int narr__sinks_keep_all(void)
{
    return __atomic_load_n(&keep_all, __ATOMIC_RELAXED);
}

int narr__sink_add_raw(narr__raw_fn raw, narr_sink_fn fn, narr_sink_ctl_fn ctl, void *user, narr_level_t min_level,
                       unsigned flags)
{
    int id;
    narr_sink_options_t *opts;
    if (fn == NULL || (unsigned)min_level > NARR_LEVEL_OFF) return NARR_EINVAL;
    opts = calloc(1, sizeof *opts);
    if (opts == NULL) return NARR_ENOMEM;
    opts->mode = default_mode;
    opts->redaction = NARR_REDACT_DEFAULT;
    pthread_mutex_lock(&sink_lock);
    if (nsinks == NARR_CFG_SINKS_MAX) {
        pthread_mutex_unlock(&sink_lock);
        free(opts);
        return NARR_ENOSPC;
    }
    sinks[nsinks].opts = opts;
    id = next_id++;
    sinks[nsinks].fn = fn;
    sinks[nsinks].raw = raw;
    sinks[nsinks].ctl = ctl;
    sinks[nsinks].user = user;
    sinks[nsinks].min_level = min_level;
    sinks[nsinks].id = id;
    sinks[nsinks].flags = flags;
    nsinks++;
    keep_all_locked();
    pthread_mutex_unlock(&sink_lock);
    return id;
}

int narr_sink_remove(int sink_id)
{
    size_t i;
    sink_t gone = {0};
    int found = 0;
    /* Deliver what is pending first, so the sink sees every event recorded before removal. */
    (void)narr_flush();
    pthread_mutex_lock(&sink_lock);
    for (i = 0; i < nsinks; i++) {
        if (sinks[i].id == sink_id) {
            gone = sinks[i];
            memmove(&sinks[i], &sinks[i + 1], (nsinks - i - 1) * sizeof sinks[0]);
            nsinks--;
            keep_all_locked();
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&sink_lock);
    if (!found) return NARR_EINVAL;
    if (gone.ctl) gone.ctl(gone.user, NARR_SINK_CLOSE);
    free(gone.opts);
    return 0;
}

static narr_sink_options_t *find_opts(int sink_id)
{
    size_t i;
    for (i = 0; i < nsinks; i++)
        if (sinks[i].id == sink_id) return sinks[i].opts;
    return NULL;
}

int narr_sink_set_mode(int sink_id, narr_mode_t mode)
{
    narr_sink_options_t *o;
    if ((unsigned)mode > NARR_MODE_STORY) return NARR_EINVAL;
    pthread_mutex_lock(&sink_lock);
    o = find_opts(sink_id);
    if (o != NULL) o->mode = mode;
    pthread_mutex_unlock(&sink_lock);
    return o ? 0 : NARR_EINVAL;
}

int narr_sink_set_redaction(int sink_id, unsigned policy)
{
    narr_sink_options_t *o;
    pthread_mutex_lock(&sink_lock);
    o = find_opts(sink_id);
    if (o != NULL) o->redaction = policy;
    pthread_mutex_unlock(&sink_lock);
    return o ? 0 : NARR_EINVAL;
}

uint64_t narr_sink_redactions(int sink_id)
{
    narr_sink_options_t *o;
    uint64_t n = 0;
    (void)narr_flush();
    pthread_mutex_lock(&sink_lock);
    o = find_opts(sink_id);
    if (o != NULL) n = o->redactions;
    pthread_mutex_unlock(&sink_lock);
    return n;
}

void narr__sinks_fork(int phase)
{
    if (phase == NARR__FORK_PREPARE) {
        pthread_mutex_lock(&sink_lock);
        return;
    }
    if (phase == NARR__FORK_CHILD) { /* abandoned: their buffers hold the parent's events */
        size_t i;
        for (i = 0; i < nsinks; i++) {
            if ((sinks[i].flags & NARR__SINK_ABANDONS) && sinks[i].ctl) sinks[i].ctl(sinks[i].user, NARR__SINK_ABANDON);
            free(sinks[i].opts);
        }
        nsinks = 0; /* a program's own sinks are dropped without a call: they never learn of forks */
        keep_all_locked();
    }
    pthread_mutex_unlock(&sink_lock);
}

narr_level_t narr__sinks_plan(int raw_allowed, int *raw, int *complete)
{
    size_t i;
    int need = NARR_LEVEL_OFF + 1, any_raw = 0, all = 0;
    pthread_mutex_lock(&sink_lock);
    for (i = 0; i < nsinks; i++) any_raw |= raw_allowed && sinks[i].raw != NULL;
    for (i = 0; i < nsinks; i++) {
        if (any_raw && sinks[i].raw != NULL) continue;
        if (sinks[i].flags & NARR__SINK_CONTEXTS) need = NARR_LEVEL_TRACE; /* every record, for its contexts */
        if ((int)sinks[i].min_level < need) need = (int)sinks[i].min_level;
        if (sinks[i].min_level < NARR_LEVEL_OFF) all |= (sinks[i].flags & NARR__SINK_COMPLETE) || narr__skip_off;
    }
    raw_on = any_raw;
    pthread_mutex_unlock(&sink_lock);
    *raw = any_raw;
    *complete = all;
    return (narr_level_t)need;
}

size_t narr__sinks_raw(const narr__raw_batch_t *b)
{
    size_t i, events = 0, e;
    pthread_mutex_lock(&sink_lock);
    for (i = 0; i < nsinks; i++) {
        if (sinks[i].raw == NULL) continue;
        current = sinks[i].opts;
        e = sinks[i].raw(b, sinks[i].user);
        if (e > events) events = e;
    }
    current = NULL;
    pthread_mutex_unlock(&sink_lock);
    return events;
}

void narr__sinks_dispatch(const narr_event_t *ev)
{
    size_t i;
    pthread_mutex_lock(&sink_lock);
    for (i = 0; i < nsinks; i++) {
        /* drop reports reach every sink, whatever its level; context changes only those asking;
         * raw sinks had this pass's records already */
        if (raw_on && sinks[i].raw != NULL && ev->kind != NARR_KIND_DROP) continue;
        if (ev->kind >= NARR_KIND_CONTEXT ? (sinks[i].flags & NARR__SINK_CONTEXTS) != 0
                                          : ev->kind == NARR_KIND_DROP || ev->level >= sinks[i].min_level) {
            current = sinks[i].opts;
            sinks[i].fn(ev, sinks[i].user);
        }
    }
    current = NULL;
    pthread_mutex_unlock(&sink_lock);
}

void narr__sinks_close_all(void)
{
    sink_t copy[NARR_CFG_SINKS_MAX];
    size_t n, i;
    pthread_mutex_lock(&sink_lock);
    n = nsinks;
    memcpy(copy, sinks, n * sizeof sinks[0]);
    nsinks = 0;
    keep_all_locked();
    pthread_mutex_unlock(&sink_lock);
    for (i = 0; i < n; i++) {
        if (copy[i].ctl) copy[i].ctl(copy[i].user, NARR_SINK_CLOSE);
        free(copy[i].opts);
    }
}

void narr__sinks_flush_all(void)
{
    size_t i;
    pthread_mutex_lock(&sink_lock);
    for (i = 0; i < nsinks; i++)
        if (sinks[i].ctl) sinks[i].ctl(sinks[i].user, NARR_SINK_FLUSH);
    pthread_mutex_unlock(&sink_lock);
}

/* "console", "jsonl:PATH", "none"; comma separated. Unknown entries are reported and skipped. */
/* A file output's path: %p is the process id, %n the program's name, %% a percent sign (as LLVM's
 * profile files name theirs); a path that ends in '/' or names a directory gets
 * <name>-<pid>.<ext> inside it. So processes that share NARRATE_OUTPUT write files of their own. */
static const char *output_path(const char *in, const char *ext, char *out, size_t cap)
{
    size_t n = 0;
    const char *p;
    struct stat st;
    char name[128];
    snprintf(name, sizeof name, "%s", narr__program_name()[0] ? narr__program_name() : "narrate");
    for (p = name; *p; p++) /* "orchestratord@0.3.1" is a name; a '/' would be a folder */
        if (*p == '/') name[p - name] = '_';
    for (p = in; *p && n + 1 < cap; p++) {
        if (p[0] == '%' && (p[1] == 'p' || p[1] == 'n' || p[1] == '%')) {
            p++;
            if (*p == 'p') n += (size_t)snprintf(out + n, cap - n, "%ld", (long)getpid());
            else if (*p == 'n') n += (size_t)snprintf(out + n, cap - n, "%s", name);
            else out[n++] = '%';
            if (n >= cap) n = cap - 1;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    if (n > 0 && (out[n - 1] == '/' || (stat(out, &st) == 0 && S_ISDIR(st.st_mode))))
        snprintf(out + n, cap - n, "%s%s-%ld.%s", out[n - 1] == '/' ? "" : "/", name, (long)getpid(), ext);
    return out;
}

/* NARRATE_OUTPUT: every part is tried; one that cannot be used is reported with the reason and
 * the others stay. console_level is the console's minimum level (the default output's quieter
 * start when NARRATE_LOG is unset; see init.c). */
int narr__outputs_open(const char *spec, narr_level_t console_level)
{
    const char *p = spec;
    int rc = 0, named = 0, opened = 0;
    while (p != NULL && *p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[1024], file[1200];
        int r = 0;
        if (len >= sizeof item) len = sizeof item - 1;
        memcpy(item, p, len);
        item[len] = '\0';
        p = comma ? comma + 1 : NULL;
        if (len == 0) continue;
        named++;
        errno = 0;
        if (strcmp(item, "none") == 0) {
            opened++;
            continue;
        } else if (strcmp(item, "console") == 0) {
            r = narr_sink_console_add(2, NARR_COLOR_AUTO, console_level);
        } else if (strncmp(item, "jsonl:", 6) == 0 && item[6] != '\0') {
            const char *path = output_path(item + 6, "jsonl", file, sizeof file);
            r = narr_sink_jsonl_add(path, NARR_LEVEL_TRACE);
            if (r < 0) fprintf(stderr, "narrate: NARRATE_OUTPUT: cannot open '%s' for JSON lines: %s; left out\n",
                               path, errno ? strerror(errno) : narr_strerror(r));
        } else if (strncmp(item, "trace:", 6) == 0 && item[6] != '\0') {
            const char *path = output_path(item + 6, "trace", file, sizeof file);
            r = narr_sink_trace_add(path, NARR_LEVEL_TRACE);
            if (r < 0) fprintf(stderr, "narrate: NARRATE_OUTPUT: cannot open '%s' for the trace: %s; left out\n",
                               path, errno ? strerror(errno) : narr_strerror(r));
        } else if (strcmp(item, "otlp") == 0) {
            r = narr_sink_otlp_add(NULL, NARR_LEVEL_TRACE);
            if (r == NARR_EUNSUPPORTED)
                fprintf(stderr, "narrate: NARRATE_OUTPUT: otlp needs libcurl (libcurl.so.4), which %s; left out\n",
                        NARR__HAVE_OTLP ? "could not be loaded" : "this narrate was built without");
            else if (r < 0) fprintf(stderr, "narrate: NARRATE_OUTPUT: cannot start the otlp sink; left out\n");
        } else {
            fprintf(stderr, "narrate: NARRATE_OUTPUT: unknown or unavailable output '%s' "
                            "(this build has: console, jsonl:PATH, trace:PATH, %snone); left out\n", item,
                    NARR__HAVE_OTLP ? "otlp, " : "");
            r = NARR_EINVAL;
        }
        if (r < 0) rc = r;
        else opened++;
    }
    if (named == 0) { /* "," or " ": nothing named at all, which is never what was meant */
        fprintf(stderr, "narrate: NARRATE_OUTPUT: '%s' names no output (console, jsonl:PATH, trace:PATH, "
                        "otlp, none); using console\n", spec);
        rc = narr_sink_console_add(2, NARR_COLOR_AUTO, console_level);
        if (rc >= 0) rc = 0;
    } else if (opened == 0) {
        fprintf(stderr, "narrate: NARRATE_OUTPUT: no output could be opened; events are counted but written nowhere\n");
    }
    return rc;
}
