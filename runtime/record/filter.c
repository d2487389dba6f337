/* runtime/record/filter.c - NARRATE_LOG: RUST_LOG-style directives over actor and function names.
 * "info,orchestratord=trace,dispatch_job=off": a bare level is the default; name=level sets a
 * level for an actor or a function (a function's directive wins over its actor's); a bare name
 * means name=trace. Sites read the result once, when they resolve. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

typedef struct directive {
    char name[96];
    narr_level_t level;
} directive_t;

static pthread_mutex_t filter_lock = PTHREAD_MUTEX_INITIALIZER;
static directive_t dirs[NARR_CFG_FILTER_MAX];
static size_t ndirs;
static narr_level_t default_level = NARR_LEVEL_TRACE;
static uint64_t generation; /* atomic */

uint64_t narr__filter_generation(void)
{
    return __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
}

static const char *const level_names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"};

const char *narr_level_name(narr_level_t level)
{
    return (unsigned)level <= NARR_LEVEL_OFF ? level_names[level] : "?";
}

int narr_level_parse(const char *text, size_t len, narr_level_t *out)
{
    unsigned i;
    for (i = 0; i <= NARR_LEVEL_OFF; i++) {
        if (strlen(level_names[i]) == len && strncasecmp(text, level_names[i], len) == 0) {
            *out = (narr_level_t)i;
            return 0;
        }
    }
    if (len == 7 && strncasecmp(text, "warning", 7) == 0) {
        *out = NARR_LEVEL_WARN;
        return 0;
    }
    return NARR_EINVAL;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**s)) (*s)++, (*n)--;
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

void narr__filter_fork(int phase)
{
    if (phase == NARR__FORK_PREPARE) pthread_mutex_lock(&filter_lock);
    else pthread_mutex_unlock(&filter_lock);
}

/* A name as actors and functions are spelled: letters, digits and _ . : - / */
static int name_ok(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && strchr("_.:-/", s[i]) == NULL) return 0;
    return n > 0;
}

/* Every directive is read on its own: one that cannot be read is reported (once, with what was
 * done instead) and left out, the others apply. Returns NARR_EINVAL when any was left out. */
int narr__filter_parse(const char *spec)
{
    directive_t parsed[NARR_CFG_FILTER_MAX];
    size_t n = 0;
    int bad = 0;
    narr_level_t def = NARR_LEVEL_TRACE;
    const char *p = spec == NULL ? "" : spec;

    while (*p != '\0') {
        const char *comma = strchr(p, ','), *eq;
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *item = p;
        trim(&item, &len);
        p = comma ? comma + 1 : p + strlen(p);
        if (len == 0) continue; /* "info,,x=debug": an empty directive says nothing */
        eq = memchr(item, '=', len);
        if (eq == NULL) {
            narr_level_t l;
            if (narr_level_parse(item, len, &l) == 0) {
                def = l;
                continue;
            }
            eq = item + len; /* bare name: trace for that name */
        }
        {
            const char *name = item, *lv = eq + 1;
            size_t nlen = (size_t)(eq - item), lvlen = eq < item + len ? len - nlen - 1 : 0;
            narr_level_t l = NARR_LEVEL_TRACE;
            trim(&name, &nlen);
            trim(&lv, &lvlen);
            if (!name_ok(name, nlen) || nlen >= sizeof parsed[0].name) {
                fprintf(stderr, "narrate: NARRATE_LOG: '%.*s' is not a directive (a level, name=level or a "
                                "name of letters, digits and _.:-/); left out\n", (int)len, item);
                bad = 1;
                continue;
            }
            if ((lvlen > 0 && narr_level_parse(lv, lvlen, &l) != 0) || (eq < item + len && lvlen == 0)) {
                fprintf(stderr, "narrate: NARRATE_LOG: cannot read the level in '%.*s' (one of trace, debug, "
                                "info, warn, error, fatal, off); left out\n", (int)len, item);
                bad = 1;
                continue;
            }
            if (n == NARR_CFG_FILTER_MAX) {
                fprintf(stderr, "narrate: NARRATE_LOG: more than %u directives; '%.*s' and the rest left out\n",
                        NARR_CFG_FILTER_MAX, (int)len, item);
                bad = 1;
                break;
            }
            memcpy(parsed[n].name, name, nlen);
            parsed[n].name[nlen] = '\0';
            parsed[n].level = l;
            n++;
        }
    }
    pthread_mutex_lock(&filter_lock);
    memcpy(dirs, parsed, n * sizeof parsed[0]);
    ndirs = n;
    default_level = def;
    __atomic_fetch_add(&generation, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&filter_lock);
    return bad ? NARR_EINVAL : 0;
}

narr_level_t narr__filter_for(const char *actor, const char *func)
{
    narr_level_t by_actor = NARR_LEVEL_OFF, by_func = NARR_LEVEL_OFF, out;
    int have_actor = 0, have_func = 0;
    size_t i;
    pthread_mutex_lock(&filter_lock);
    for (i = 0; i < ndirs; i++) {
        if (func != NULL && strcmp(dirs[i].name, func) == 0) by_func = dirs[i].level, have_func = 1;
        if (actor != NULL && strcmp(dirs[i].name, actor) == 0) by_actor = dirs[i].level, have_actor = 1;
    }
    out = have_func ? by_func : have_actor ? by_actor : default_level;
    pthread_mutex_unlock(&filter_lock);
    return out;
}

int narr_filter_set(const char *spec)
{
    int rc = narr__filter_parse(spec);
    narr__site_reresolve_all(); /* the good directives apply even when one was left out */
    return rc;
}

narr_level_t narr_filter_level(const char *actor, const char *func)
{
    return narr__filter_for(actor, func);
}
