/* Threads racing through call sites none of them has used yet: whoever registers the site,
 * every thread's first event through it must arrive (an early version lost the events of
 * threads that arrived while another was registering the site). 8 threads x 64 fresh sites,
 * released together at each site. */
#include <pthread.h>

#include <narrate/capture.h>
#include <narrate/narrate.h>

#include "check.h"

#define THREADS 8
#define S(k) case k: NARR_TRACE_TINY("race", "site", "t", "site %d", k); break;
#define S8(k) S(k) S(k + 1) S(k + 2) S(k + 3) S(k + 4) S(k + 5) S(k + 6) S(k + 7)

static pthread_barrier_t gate;

static void site(int k)
{
    switch (k) { S8(0) S8(8) S8(16) S8(24) S8(32) S8(40) S8(48) S8(56) }
}

static void *racer(void *arg)
{
    int k;
    (void)arg;
    for (k = 0; k < 64; k++) {
        pthread_barrier_wait(&gate); /* all at once through a site nobody has used */
        site(k);
    }
    return NULL;
}

int main(void)
{
    narr_config_t cfg = {0};
    narr_capture_t *c;
    narr_stats_t st;
    pthread_t t[THREADS];
    int i;
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    c = narr_capture_begin(NARR_CAPTURE_ALL);
    pthread_barrier_init(&gate, NULL, THREADS);
    for (i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, racer, NULL);
    for (i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    narr_stats_get(&st);
    CHECK_EQ_INT(st.dropped, 0);
    CHECK_EQ_INT(narr_capture_count_matching(c, "race", "site", NULL), THREADS * 64);
    narr_capture_end(c);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
