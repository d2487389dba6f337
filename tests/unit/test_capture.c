/* Captures in parallel: each test thread sees exactly its own events; a capture can adopt a
 * worker thread; NARR_CAPTURE_ALL sees everything. */
#include <pthread.h>

#include <narrate/capture.h>
#include <narrate/narrate.h>

#include "check.h"

#define TESTS 8
#define EVENTS 500

static int results[TESTS];
static pthread_barrier_t start;

static void *one_test(void *arg)
{
    int me = (int)(intptr_t)arg, i, ok = 1;
    narr_capture_t *c = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    pthread_barrier_wait(&start); /* everyone records at once */
    for (i = 0; i < EVENTS; i++) NARR_TRACE_TINY("par", "ev", "t", "test %d event %d", me, i);
    if (narr_capture_count(c) != EVENTS) ok = 0;
    for (i = 0; i < EVENTS && ok; i++) {
        char want[64];
        snprintf(want, sizeof want, "test %d event %d", me, i);
        if (strcmp(narr_capture_at(c, (size_t)i)->message, want) != 0) ok = 0;
    }
    narr_capture_end(c);
    results[me] = ok;
    return NULL;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static uint32_t worker_tid;
static int go;

static void *worker(void *arg)
{
    (void)arg;
    NARR_INFO("par", "worker", "w", "before adoption");
    pthread_mutex_lock(&mu);
    worker_tid = narr_thread_id();
    pthread_cond_broadcast(&cv);
    while (!go) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    NARR_INFO("par", "worker", "w", "after adoption");
    return NULL;
}

int main(void)
{
    narr_config_t cfg = {0};
    pthread_t t[TESTS];
    narr_capture_t *all, *mine;
    int i;
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    all = narr_capture_begin(NARR_CAPTURE_ALL);
    pthread_barrier_init(&start, NULL, TESTS);
    for (i = 0; i < TESTS; i++) pthread_create(&t[i], NULL, one_test, (void *)(intptr_t)i);
    for (i = 0; i < TESTS; i++) pthread_join(t[i], NULL);
    for (i = 0; i < TESTS; i++) CHECK_EQ_INT(results[i], 1);
    CHECK_EQ_INT(narr_capture_count_matching(all, "par", "ev", NULL), TESTS * EVENTS);

    /* a worker's events reach a THIS_THREAD capture only once it is adopted */
    mine = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);
    pthread_create(&t[0], NULL, worker, NULL);
    pthread_mutex_lock(&mu);
    while (worker_tid == 0) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    CHECK_EQ_INT(narr_capture_count(mine), 0);
    CHECK_EQ_INT(narr_capture_add_thread(mine, worker_tid), 0);
    pthread_mutex_lock(&mu);
    go = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(t[0], NULL);
    CHECK(NARR_CAPTURE_EXPECT(mine, "par", "worker", "after adoption", 1));
    CHECK(NARR_CAPTURE_EXPECT(mine, "par", "worker", "before adoption", 0));
    CHECK_EQ_INT(narr_capture_count_matching(all, "par", "worker", NULL), 2);
    narr_capture_end(mine);
    narr_capture_end(all);
    pthread_barrier_destroy(&start);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
