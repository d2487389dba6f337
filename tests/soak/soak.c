/* A bounded soak: for SECONDS, four paced producers, short-lived threads coming and going
 * (each attaches a ring that must be reclaimed), contexts entered and left, narration, all
 * into a JSON-lines file and a counting sink. At the end: every event delivered (none lost:
 * the pace leaves the consumer room) and resident memory flat after the first second.
 * usage: soak SECONDS OUT.jsonl   (prints one summary line; exit 1 on a failed check) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <narrate/context.h>
#include <narrate/narrate.h>

static volatile int stop;
static uint64_t produced_total; /* atomic */
static uint64_t delivered;      /* consumer only */

static void counting_sink(const narr_event_t *ev, void *user)
{
    (void)user;
    if (strcmp(ev->actor, "soak") == 0) delivered++;
}

static void pace(void)
{
    struct timespec d = {0, 1000000}; /* ~90 k events/s in all: room for the consumer */
    nanosleep(&d, NULL);
}

static void *producer(void *arg)
{
    long i = 0;
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        narr_context_t c;
        int k;
        narr_context_new(&c, NULL);
        narr_context_enter(&c);
        NARR_TRACE_ENTER("soak", "request", "request %ld", i);
        for (k = 0; k < 20; k++) NARR_TRACE_TINY("soak", "step", "t", "step %d of %ld with a \"quoted\" word", k, i);
        NARR_INFO("soak", "done", "request", "request %ld done", i);
        NARR_TRACE_EXIT("soak", "request", "request %ld", i);
        narr_context_leave();
        __atomic_fetch_add(&produced_total, 23, __ATOMIC_RELAXED);
        i++;
        pace();
    }
    return NULL;
}

static void *short_lived(void *arg)
{
    int k;
    (void)arg;
    for (k = 0; k < 200; k++) NARR_TRACE_TINY("soak", "brief", "t", "brief %d", k);
    __atomic_fetch_add(&produced_total, 200, __ATOMIC_RELAXED);
    return NULL;
}

static long rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 5, s, i, bad = 0;
    narr_config_t cfg = {0};
    narr_stats_t st;
    pthread_t p[4];
    long rss_first = 0, rss_max = 0, rss_last = 0, threads = 0;
    char out[600];
    snprintf(out, sizeof out, "jsonl:%s", argc > 2 ? argv[2] : "/dev/null");
    cfg.outputs = out;
    if (narr_init(&cfg) != 0) return 2;
    narr_sink_add(counting_sink, NULL, NULL, NARR_LEVEL_TRACE);
    for (i = 0; i < 4; i++) pthread_create(&p[i], NULL, producer, NULL);
    for (s = 0; s < seconds; s++) {
        int tick;
        for (tick = 0; tick < 10; tick++) { /* a short-lived thread every 100 ms */
            pthread_t t;
            struct timespec d = {0, 100000000};
            pthread_create(&t, NULL, short_lived, NULL);
            pthread_join(t, NULL);
            threads++;
            nanosleep(&d, NULL);
        }
        rss_last = rss_kb();
        if (s == 0) rss_first = rss_last; /* after the first second: rings and buffers in place */
        if (rss_last > rss_max) rss_max = rss_last;
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (i = 0; i < 4; i++) pthread_join(p[i], NULL);
    narr_shutdown();
    narr_stats_get(&st);
    printf("soak %ds: produced %llu, delivered %llu, dropped %llu, %ld short-lived threads, rss %ld KB after 1 s, "
           "%ld KB max, %ld KB at the end\n", seconds, (unsigned long long)produced_total,
           (unsigned long long)delivered, (unsigned long long)st.dropped, threads, rss_first, rss_max, rss_last);
    if (delivered != produced_total || st.dropped != 0) {
        printf("FAIL: events lost\n");
        bad = 1;
    }
    if (rss_max - rss_first > 16 * 1024) { /* flat: not growing with time (16 MB of slack for the allocator) */
        printf("FAIL: resident memory grew by %ld KB\n", rss_max - rss_first);
        bad = 1;
    }
    return bad;
}
