/* runtime/record/site.c - the call-site registry: ids for sites, the filter decision cached in each. */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static pthread_mutex_t site_lock = PTHREAD_MUTEX_INITIALIZER;
static narr_site_t **chunks[NARR_CFG_SITE_CHUNKS];
static uint32_t nsites; /* guarded by site_lock; ids are 1..nsites */
static int sites_muted; /* after narr_shutdown: every site resolves to disabled */

/* Functions are matched by their own name: for ENTER/EXIT the action is the function. */
static const char *filter_func(const narr_site_t *s)
{
    return (s->kind == NARR_KIND_ENTER || s->kind == NARR_KIND_EXIT) ? s->action : s->func;
}

static int32_t site_resolve_locked(narr_site_t *s);

static int32_t decide(const narr_site_t *s, int32_t id)
{
    if (sites_muted) return -id;
    if (__atomic_load_n(&((narr_site_t *)s)->flags, __ATOMIC_RELAXED) & NARR_SITE_THROTTLED) return -id;
    if (s->kind == NARR_KIND_NARRATE) return id; /* its actor is known per call: narr__narrate filters */
    if (s->kind >= NARR_KIND_CONTEXT) return id; /* the consumer needs every context change */
    if ((narr_level_t)s->level >= narr__filter_for(s->actor, filter_func(s))) return id;
    /* refused; while some context is boosted, each thread's level decides (conditional: 0) */
    return __atomic_load_n(&narr__boosts, __ATOMIC_ACQUIRE) > 0 ? 0 : -id;
}

int32_t narr__site_slow(narr_site_t *site)
{
    int32_t id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE), st;
    if (id == 0) { /* never seen: register it */
        st = narr__site_resolve(site);
        if (st != 0) return st;
        id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
        if (id == 0) return -1;
    }
    st = __atomic_load_n(&site->state, __ATOMIC_ACQUIRE);
    if (st != 0) return st; /* re-resolved meanwhile */
    return (int)site->level >= narr__boost ? id : -id;
}

int32_t narr__site_resolve(narr_site_t *s)
{
    int32_t st;
    int saved = errno;
    if (narr__in_slow) { /* re-entered from a signal handler: see narr__reserve_slow */
        __atomic_fetch_add(&narr__dropped_ringless, 1, __ATOMIC_RELAXED);
        return -1;
    }
    narr__in_slow = 1;
    st = narr__ensure_init() != 0 ? -1 : 0;
    if (st == 0) st = site_resolve_locked(s);
    narr__in_slow = 0;
    errno = saved;
    return st;
}

/* Registers one site under `id` (the chunk exists). State first, id second: a thread that sees
 * the id (narr__site_slow) knows the state is final, so a site still 0 then is truly
 * conditional, never one being registered (an early version stored the id first, and events of
 * other threads racing the first one through a new site were taken for refused and lost). */
static int32_t register_locked(narr_site_t *s, uint32_t id)
{
    int32_t st;
    __atomic_store_n(&chunks[id / NARR_CFG_SITE_CHUNK][id % NARR_CFG_SITE_CHUNK], s, __ATOMIC_RELEASE);
    narr__recover_site(s, id); /* described in the recovery file before its first record */
    st = decide(s, (int32_t)id);
    __atomic_store_n(&s->state, st, __ATOMIC_RELEASE); /* pairs with narr__site_state */
    __atomic_store_n(&s->id, (int32_t)id, __ATOMIC_RELEASE);
    return st;
}

static int32_t site_resolve_locked(narr_site_t *s)
{
    int32_t st;
    pthread_mutex_lock(&site_lock);
    st = __atomic_load_n(&s->state, __ATOMIC_RELAXED);
    if (st == 0 && __atomic_load_n(&s->id, __ATOMIC_RELAXED) == 0) {
        /* a generated enter comes with its exit sites (next): they take the ids after it, all
         * registered before the enter, whose exits are recorded as its id + 1 and + 2 */
        narr_site_t *x;
        uint32_t n = 1, i, id = nsites + 1;
        for (x = s->next; x != NULL && n < 3; x = x->next) n++;
        for (i = 0; i < n; i++) {
            uint32_t c = (id + i) / NARR_CFG_SITE_CHUNK;
            if (c >= NARR_CFG_SITE_CHUNKS) goto full;
            if (chunks[c] == NULL) {
                narr_site_t **fresh = calloc(NARR_CFG_SITE_CHUNK, sizeof *fresh);
                if (fresh == NULL) goto full;
                /* pairs with the acquire in narr__site_get */
                __atomic_store_n(&chunks[c], fresh, __ATOMIC_RELEASE);
            }
        }
        nsites = id + n - 1;
        for (x = s->next, i = 1; i < n; x = x->next, i++) (void)register_locked(x, id + i);
        st = register_locked(s, id);
    }
    pthread_mutex_unlock(&site_lock);
    return st;
full:
    pthread_mutex_unlock(&site_lock);
    return -1; /* not registered: the site stays unresolved and records nothing */
}

void narr__sites_describe_all(void (*fn)(const narr_site_t *s, uint32_t id))
{
    uint32_t id;
    pthread_mutex_lock(&site_lock);
    for (id = 1; id <= nsites; id++)
        if (chunks[id / NARR_CFG_SITE_CHUNK][id % NARR_CFG_SITE_CHUNK] != NULL)
            fn(chunks[id / NARR_CFG_SITE_CHUNK][id % NARR_CFG_SITE_CHUNK], id);
    pthread_mutex_unlock(&site_lock);
}

void narr__sites_fork(int phase)
{
    if (phase == NARR__FORK_PREPARE) pthread_mutex_lock(&site_lock);
    else pthread_mutex_unlock(&site_lock); /* the registry is the child's too: same code, same sites */
}

int narr__site_throttle(uint32_t enter_id)
{
    narr_site_t *s = narr__site_get(enter_id);
    if (s == NULL || s->kind != NARR_KIND_FN_ENTER || !(s->flags & NARR_SITE_WHOLE)) return -1;
    pthread_mutex_lock(&site_lock);
    /* under the lock: a re-resolve (narr_filter_set) sees the flag; calls already in progress
       record their exits (their enter's id was read at their start) */
    __atomic_or_fetch(&s->flags, NARR_SITE_THROTTLED, __ATOMIC_RELAXED);
    __atomic_store_n(&s->state, -(int32_t)enter_id, __ATOMIC_RELEASE); /* pairs with narr__site_state */
    pthread_mutex_unlock(&site_lock);
    return 0;
}

narr_site_t *narr__site_get(uint32_t id)
{
    narr_site_t **c;
    if (id == 0 || id / NARR_CFG_SITE_CHUNK >= NARR_CFG_SITE_CHUNKS) return NULL;
    c = __atomic_load_n(&chunks[id / NARR_CFG_SITE_CHUNK], __ATOMIC_ACQUIRE);
    return c == NULL ? NULL : __atomic_load_n(&c[id % NARR_CFG_SITE_CHUNK], __ATOMIC_ACQUIRE);
}

static void reresolve_locked(void)
{
    uint32_t id;
    for (id = 1; id <= nsites; id++) {
        narr_site_t *s = chunks[id / NARR_CFG_SITE_CHUNK][id % NARR_CFG_SITE_CHUNK];
        if (s != NULL) __atomic_store_n(&s->state, decide(s, (int32_t)id), __ATOMIC_RELEASE);
    }
}

/* The address ranges of the loaded object whose base is `base` (its PT_LOAD segments). */
typedef struct object_ranges {
    const void *base;
    uintptr_t lo[16], hi[16];
    int n;
} object_ranges_t;

static int find_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    object_ranges_t *o = arg;
    int i;
    (void)size;
    if ((const void *)info->dlpi_addr != o->base) return 0; /* (a shared object's base is its load address) */
    o->n = 0;
    for (i = 0; i < info->dlpi_phnum && o->n < 16; i++) {
        if (info->dlpi_phdr[i].p_type != PT_LOAD) continue;
        o->lo[o->n] = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
        o->hi[o->n] = o->lo[o->n] + info->dlpi_phdr[i].p_memsz;
        o->n++;
    }
    return 1;
}

static int in_object(const object_ranges_t *o, const void *p)
{
    int i;
    for (i = 0; i < o->n; i++)
        if ((uintptr_t)p >= o->lo[i] && (uintptr_t)p < o->hi[i]) return 1;
    return 0;
}

/* A shared object is being unloaded (narrate.h's hook, from its destructors): what its sites
 * recorded is delivered while their descriptors still exist, then the registry forgets them.
 * Their ids are not reused; loading it again registers its sites anew. Which object a site
 * lives in is worked out here, from the object's segments, not when sites register: start-up
 * pays nothing for it. */
void narr__module_unloading(const void *anchor)
{
    Dl_info info;
    object_ranges_t obj;
    uint32_t id;
    if (!narr__consumer_running() || !dladdr(anchor, &info)) return; /* exit(): already stopped */
    memset(&obj, 0, sizeof obj);
    obj.base = info.dli_fbase;
    if (dl_iterate_phdr(find_object, &obj) == 0 || obj.n == 0) return;
    (void)narr_flush();
    pthread_mutex_lock(&site_lock);
    for (id = 1; id <= nsites; id++) {
        uint32_t c = id / NARR_CFG_SITE_CHUNK, k = id % NARR_CFG_SITE_CHUNK;
        if (chunks[c][k] != NULL && in_object(&obj, chunks[c][k])) __atomic_store_n(&chunks[c][k], NULL, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&site_lock);
}

void narr__site_reresolve_all(void)
{
    pthread_mutex_lock(&site_lock);
    reresolve_locked();
    pthread_mutex_unlock(&site_lock);
}

void narr__site_mute_all(int muted)
{
    pthread_mutex_lock(&site_lock);
    sites_muted = muted;
    reresolve_locked();
    pthread_mutex_unlock(&site_lock);
}
