/* runtime/init.c - start and stop: configuration from narr_config_t and the environment,
 * the consumer thread, the sinks, and the flush at exit(). */
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int state; /* 0 never started, 1 running, 2 shut down; atomic for the fast check */
static int atexit_done, clock_done;
static char program[256];
/* The configuration in effect, kept so a forked child can start again the same way. */
static narr_config_t saved;
static char saved_outputs[1024], saved_filter[1024], saved_overload[64], saved_min_duration[64];
static int restart_after_fork;

static void keep(char *dst, size_t cap, const char **field)
{
    if (*field == NULL) return;
    snprintf(dst, cap, "%s", *field);
    *field = dst;
}

/* The child's outputs: files get ".<pid>" so parent and child never write the same one. */
static void child_outputs(char *out, size_t cap, const char *spec)
{
    const char *p = spec;
    size_t len = 0;
    out[0] = '\0';
    while (p != NULL && *p != '\0' && len < cap) {
        const char *comma = strchr(p, ',');
        int n = comma ? (int)(comma - p) : (int)strlen(p);
        int file = (n > 6 && (strncmp(p, "jsonl:", 6) == 0 || strncmp(p, "trace:", 6) == 0));
        len += (size_t)snprintf(out + len, cap - len, "%s%.*s", len ? "," : "", n, p);
        if (file && len < cap) len += (size_t)snprintf(out + len, cap - len, ".%ld", (long)getpid());
        p = comma ? comma + 1 : NULL;
    }
}

void narr__init_fork(int phase)
{
    if (phase == NARR__FORK_PREPARE) {
        pthread_mutex_lock(&init_lock);
        return;
    }
    if (phase == NARR__FORK_CHILD && state == 1) {
        __atomic_store_n(&state, 0, __ATOMIC_RELEASE); /* the next event starts it again */
        restart_after_fork = 1;
    }
    pthread_mutex_unlock(&init_lock);
}

const char *narr__program_name(void)
{
    return program;
}

void narr__set_program_name(const char *name)
{
    snprintf(program, sizeof program, "%s", name);
}

/* "65536", "512K", "4M", "1G", with "i" and "B" allowed after the unit ("4MiB"); 0 when the text
 * is not such a size (a sign, a fraction, a space, another unit, or an overflow). */
static size_t parse_size(const char *s)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;
    if (s[0] < '0' || s[0] > '9') return 0; /* strtoull would take "-5" as 2^64-5 */
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s) return 0;
    if (*end == 'k' || *end == 'K') shift = 10, end++;
    else if (*end == 'm' || *end == 'M') shift = 20, end++;
    else if (*end == 'g' || *end == 'G') shift = 30, end++;
    if (shift != 0 && (*end == 'i' || *end == 'I')) end++;
    if (*end == 'b' || *end == 'B') end++;
    if (*end != '\0' || v > (SIZE_MAX >> shift)) return 0;
    return (size_t)(v << shift);
}

#define NARR__SIZE_FORMS "a size such as 65536, 512K, 4M or 1G"

static void size_text(char *out, size_t cap, size_t bytes)
{
    if (bytes >= (1u << 30) && bytes % (1u << 30) == 0) snprintf(out, cap, "%zuG", bytes >> 30);
    else if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) snprintf(out, cap, "%zuM", bytes >> 20);
    else if (bytes >= (1u << 10) && bytes % (1u << 10) == 0) snprintf(out, cap, "%zuK", bytes >> 10);
    else snprintf(out, cap, "%zu", bytes);
}

/* A ring size from the environment: unreadable -> fallback; out of range -> the nearest bound;
 * each said once on stderr with what is used instead. A size between bounds is rounded up to
 * a power of two, as the ring needs, without a word. */
static size_t env_ring_size(const char *name, const char *text, size_t fallback)
{
    char used[32];
    size_t v = parse_size(text);
    if (v == 0) {
        size_text(used, sizeof used, fallback);
        fprintf(stderr, "narrate: %s: cannot read '%s' (" NARR__SIZE_FORMS "); using %s\n", name, text, used);
        return fallback;
    }
    if (v > NARR_CFG_RING_MAX || v < NARR_CFG_RING_MIN) {
        size_t b = v > NARR_CFG_RING_MAX ? (size_t)NARR_CFG_RING_MAX : (size_t)NARR_CFG_RING_MIN;
        size_text(used, sizeof used, b);
        fprintf(stderr, "narrate: %s: '%s' is %s than a ring can be; using %s\n", name, text,
                v > NARR_CFG_RING_MAX ? "larger" : "smaller", used);
        return b;
    }
    return v;
}

static size_t ring_size(size_t want)
{
    size_t cap = NARR_CFG_RING_MIN;
    if (want == 0) return NARR_CFG_RING_DEFAULT;
    while (cap < want && cap < NARR_CFG_RING_MAX) cap <<= 1;
    return cap;
}

static void at_exit(void)
{
    (void)narr_shutdown();
}

/* NARRATE_MIN_DURATION: "0" (off), or a number with ns, us, ms or s ("1us", "500ns", "1.5ms");
 * anything else is said once and the default used. */
static void min_duration_parse(const char *v)
{
    char *end;
    double x;
    narr__min_duration_ns = NARR_CFG_MIN_DURATION_NS;
    if (v == NULL || v[0] == '\0') return;
    if (strcmp(v, "0") == 0 || strcmp(v, "off") == 0) {
        narr__min_duration_ns = 0;
        return;
    }
    x = strtod(v, &end);
    if (end != v && x >= 0 && v[0] >= '0' && v[0] <= '9') {
        double unit = strcmp(end, "ns") == 0 ? 1 : strcmp(end, "us") == 0 ? 1e3 : strcmp(end, "ms") == 0 ? 1e6
                    : strcmp(end, "s") == 0 ? 1e9 : -1;
        if (unit > 0 && x * unit < 60e9) {
            narr__min_duration_ns = (uint64_t)(x * unit + 0.5);
            return;
        }
    }
    fprintf(stderr, "narrate: NARRATE_MIN_DURATION: cannot read '%s' (0, or a duration such as 500ns, 1us, 2ms); "
                    "using 1us\n", v);
}

/* "auto" (default: drop, but wait while an output keeps every event), "drop", "block" (wait for
 * room as long as it takes), "block:MS" (wait up to MS ms, then drop), "overwrite". */
static void overload_parse(const char *v)
{
    narr__overload = NARR__OVERLOAD_DROP;
    narr__overload_auto = 0;
    narr__auto_gave_up = 0;
    narr__block_ns = NARR_CFG_BLOCK_NS;
    if (v == NULL || v[0] == '\0' || strcmp(v, "auto") == 0) {
        narr__overload_auto = 1;
        return;
    }
    if (strcmp(v, "drop") == 0) return;
    if (strcmp(v, "overwrite") == 0) {
        narr__overload = NARR__OVERLOAD_OVERWRITE;
    } else if (strncmp(v, "block", 5) == 0 && (v[5] == '\0' || v[5] == ':')) {
        narr__overload = NARR__OVERLOAD_BLOCK;
        narr__block_ns = UINT64_MAX; /* every event kept: the program waits as long as it takes */
        if (v[5] == ':') {
            char *end;
            unsigned long ms = strtoul(v + 6, &end, 10);
            if (*end != '\0' || end == v + 6 || ms > 60000) fprintf(stderr, "narrate: NARRATE_OVERLOAD: '%s': block:MS takes 0..60000; block (no limit) used\n", v);
            else narr__block_ns = (uint64_t)ms * 1000000u;
        }
    } else {
        fprintf(stderr, "narrate: NARRATE_OVERLOAD: '%s' is not auto, drop, block[:MS] or overwrite; auto used\n", v);
        narr__overload_auto = 1;
    }
}

int narr_init(const narr_config_t *cfg)
{
    narr_config_t c = {0};
    const char *env;
    int rc;

    char forked_outputs[1200];
    if (cfg != NULL) c = *cfg;
    pthread_mutex_lock(&init_lock);
    if (state == 1) {
        pthread_mutex_unlock(&init_lock);
        return NARR_ESTATE;
    }
    if (cfg == NULL && restart_after_fork) { /* a forked child: as the parent was, files of its own */
        c = saved;
        child_outputs(forked_outputs, sizeof forked_outputs, saved.outputs ? saved.outputs : "console");
        c.outputs = forked_outputs;
    }
    restart_after_fork = 0;
    if (c.ring_bytes == 0 && (env = getenv("NARRATE_RING_SIZE")) != NULL && env[0] != '\0')
        c.ring_bytes = env_ring_size("NARRATE_RING_SIZE", env, NARR_CFG_RING_DEFAULT);
    narr__ring_bytes = ring_size(c.ring_bytes);
    if (c.ring_grow_bytes == 0 && (env = getenv("NARRATE_RING_GROW")) != NULL && env[0] != '\0') {
        if (strcmp(env, "off") == 0 || strcmp(env, "0") == 0) c.ring_grow_bytes = (size_t)-1;
        else if (parse_size(env) == 0)
            fprintf(stderr, "narrate: NARRATE_RING_GROW: cannot read '%s' (" NARR__SIZE_FORMS ", or off); "
                            "using 32M\n", env);
        else c.ring_grow_bytes = env_ring_size("NARRATE_RING_GROW", env, NARR_CFG_RING_GROW_DEFAULT);
    }
    narr__ring_grow_max = c.ring_grow_bytes == (size_t)-1 ? 0
                        : c.ring_grow_bytes == 0 ? NARR_CFG_RING_GROW_DEFAULT : ring_size(c.ring_grow_bytes);
    if (c.max_depth == 0 && (env = getenv("NARRATE_MAX_DEPTH")) != NULL && env[0] != '\0') {
        char *end;
        unsigned long d = strtoul(env, &end, 10);
        if (env[0] < '0' || env[0] > '9' || *end != '\0' || d == 0 || d > UINT32_MAX - 1)
            fprintf(stderr, "narrate: NARRATE_MAX_DEPTH: cannot read '%s' (a depth from 1); no limit used\n", env);
        else c.max_depth = (unsigned)d;
    }
    narr__max_depth = c.max_depth ? c.max_depth : UINT32_MAX;
    if ((env = getenv("NARRATE_SKIP")) != NULL && env[0] != '\0' && strcmp(env, "auto") != 0 && strcmp(env, "off") != 0)
        fprintf(stderr, "narrate: NARRATE_SKIP: '%s' is not auto or off; auto used\n", env);
    /* off: no text output skips to keep up, a terminal's or a network sink's included */
    narr__skip_off = env != NULL && strcmp(env, "off") == 0;
    if (c.overload == NULL) c.overload = getenv("NARRATE_OVERLOAD");
    overload_parse(c.overload);
    if (c.min_duration == NULL) c.min_duration = getenv("NARRATE_MIN_DURATION");
    min_duration_parse(c.min_duration);
    if (c.filter == NULL) c.filter = getenv("NARRATE_LOG");
    (void)narr__filter_parse(c.filter); /* bad parts are reported and left out, good ones kept */
    if (c.program != NULL) snprintf(program, sizeof program, "%s", c.program);
    else if (program[0] == '\0') snprintf(program, sizeof program, "%s", program_invocation_short_name);
    if (!clock_done) {
        narr__clock_init();
        clock_done = 1;
    }
    if ((env = getenv("NARRATE_MODE")) != NULL && env[0] != '\0') {
        if (strcmp(env, "human") == 0) narr__sinks_default_mode(NARR_MODE_HUMAN);
        else if (strcmp(env, "cute") == 0) narr__sinks_default_mode(NARR_MODE_CUTE);
        else if (strcmp(env, "story") == 0) narr__sinks_default_mode(NARR_MODE_STORY);
        else fprintf(stderr, "narrate: NARRATE_MODE: '%s' is not human, cute or story; using human\n", env);
    }
    narr__sample_configure();
    if (c.outputs == NULL) c.outputs = getenv("NARRATE_OUTPUT");
    if (c.outputs == NULL || c.outputs[0] == '\0') c.outputs = "console";
    saved = c;
    keep(saved_outputs, sizeof saved_outputs, &saved.outputs);
    keep(saved_filter, sizeof saved_filter, &saved.filter);
    keep(saved_overload, sizeof saved_overload, &saved.overload);
    keep(saved_min_duration, sizeof saved_min_duration, &saved.min_duration);
    saved.program = NULL; /* the name is kept in program[] */
    narr__fork_install();
    /* With no filter asked for, everything is recorded (files stay complete) but the console
     * starts at INFO, as logging libraries do; any NARRATE_LOG, even "trace", makes it follow
     * the filter. */
    (void)narr__outputs_open(c.outputs, c.filter == NULL ? NARR_LEVEL_INFO : NARR_LEVEL_TRACE);
    if (c.recover_dir == NULL) c.recover_dir = getenv("NARRATE_RECOVER_DIR");
    errno = 0;
    if (c.recover_dir != NULL && c.recover_dir[0] != '\0' && narr__recover_start(c.recover_dir) != 0)
        fprintf(stderr, "narrate: NARRATE_RECOVER_DIR: cannot use '%s': %s; rings stay in memory\n", c.recover_dir,
                errno ? strerror(errno) : "unusable");
    if (!c.no_crash_handler) narr__crash_install();
    rc = narr__consumer_start();
    if (rc != 0) {
        narr__sinks_close_all();
        pthread_mutex_unlock(&init_lock);
        return rc;
    }
    if (!atexit_done && !c.no_atexit) {
        atexit(at_exit);
        atexit_done = 1;
    }
    /* pairs with the acquire in narr__ensure_init */
    __atomic_store_n(&state, 1, __ATOMIC_RELEASE);
    narr__site_mute_all(0);
    pthread_mutex_unlock(&init_lock);
    return 0;
}

int narr__ensure_init(void)
{
    int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    if (s == 1) return 0;
    if (s == 2) return NARR_ESTATE; /* after shutdown only an explicit narr_init restarts */
    s = narr_init(NULL);
    return s == NARR_ESTATE ? 0 : s; /* another thread started it first */
}

int narr_shutdown(void)
{
    pthread_mutex_lock(&init_lock);
    if (state != 1) {
        pthread_mutex_unlock(&init_lock);
        return NARR_ESTATE;
    }
    narr__site_mute_all(1);   /* nothing new is recorded ... */
    narr__consumer_stop();    /* ... and everything already recorded is delivered */
    narr__sinks_close_all();
    narr__drop_summary();     /* whatever the sinks were, the program's stderr hears of losses */
    narr__recover_stop();     /* all written: nothing left to recover */
    __atomic_store_n(&state, 2, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&init_lock);
    return 0;
}

#define NARR__ERR_TEXT(name, code, text) case (code): return text;
const char *narr_strerror(int err)
{
    switch (err) {
    case 0: return "success";
    NARR_ERRNO_MAP(NARR__ERR_TEXT)
    default: return "unknown narrate error";
    }
}
