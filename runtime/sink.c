/* runtime/sink.c - the sink table and NARRATE_OUTPUT. A sink is a function, its user data and a
 * minimum level; the consumer calls every sink for every event, one at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct sink {
    narr_sink_fn fn;
    narr_sink_ctl_fn ctl;
    void *user;
    narr_level_t min_level;
    int id;
} sink_t;

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static sink_t sinks[NARR_CFG_SINKS_MAX];
static size_t nsinks;
static int next_id = 1;

int narr_sink_add(narr_sink_fn fn, narr_sink_ctl_fn ctl, void *user, narr_level_t min_level)
{
    int id;
    if (fn == NULL || (unsigned)min_level > NARR_LEVEL_OFF) return NARR_EINVAL;
    pthread_mutex_lock(&sink_lock);
    if (nsinks == NARR_CFG_SINKS_MAX) {
        pthread_mutex_unlock(&sink_lock);
        return NARR_ENOSPC;
    }
    id = next_id++;
    sinks[nsinks].fn = fn;
    sinks[nsinks].ctl = ctl;
    sinks[nsinks].user = user;
    sinks[nsinks].min_level = min_level;
    sinks[nsinks].id = id;
    nsinks++;
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
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&sink_lock);
    if (!found) return NARR_EINVAL;
    if (gone.ctl) gone.ctl(gone.user, NARR_SINK_CLOSE);
    return 0;
}

void narr__sinks_dispatch(const narr_event_t *ev)
{
    size_t i;
    pthread_mutex_lock(&sink_lock);
    for (i = 0; i < nsinks; i++) {
        /* drop reports reach every sink, whatever its level */
        if (ev->kind == NARR_KIND_DROP || ev->level >= sinks[i].min_level) sinks[i].fn(ev, sinks[i].user);
    }
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
    pthread_mutex_unlock(&sink_lock);
    for (i = 0; i < n; i++)
        if (copy[i].ctl) copy[i].ctl(copy[i].user, NARR_SINK_CLOSE);
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
int narr__outputs_open(const char *spec)
{
    const char *p = spec;
    int rc = 0;
    while (p != NULL && *p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[1024];
        int r = 0;
        if (len >= sizeof item) len = sizeof item - 1;
        memcpy(item, p, len);
        item[len] = '\0';
        p = comma ? comma + 1 : NULL;
        if (len == 0 || strcmp(item, "none") == 0) continue;
        if (strcmp(item, "console") == 0) {
            r = narr_sink_console_add(2, NARR_COLOR_AUTO, NARR_LEVEL_TRACE);
        } else if (strncmp(item, "jsonl:", 6) == 0 && item[6] != '\0') {
            r = narr_sink_jsonl_add(item + 6, NARR_LEVEL_TRACE);
            if (r < 0) fprintf(stderr, "narrate: NARRATE_OUTPUT: cannot open '%s' for JSON lines\n", item + 6);
        } else {
            fprintf(stderr, "narrate: NARRATE_OUTPUT: unknown or unavailable sink '%s' "
                            "(this build has: console, jsonl:PATH, none)\n", item);
            r = NARR_EINVAL;
        }
        if (r < 0) rc = r;
    }
    return rc;
}
