/* The end of threads and programs: a cancelled thread's events are all delivered and its ring
 * is reclaimed; exit() while other threads still record flushes what was recorded and never
 * crashes or hangs.
 *   test_lifecycle cancel
 *   test_lifecycle exit OUT.jsonl   (NARRATE_OUTPUT=jsonl:OUT.jsonl; checked by the caller) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <narrate/capture.h>
#include <narrate/narrate.h>

#include "check.h"

static long recorded[8];

/* Cancellation unwinds this frame without ASan clearing its redzones, which ASan's own thread
 * teardown then trips over (a false report): the frame is left uninstrumented. */
#if defined(__SANITIZE_ADDRESS__)
__attribute__((no_sanitize_address))
#endif
static void *until_cancelled(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (;;) {
        NARR_TRACE_ENTER("life", "step", "thread %d", me);
        recorded[me]++;
        NARR_TRACE_EXIT("life", "step", "thread %d", me);
        recorded[me]++;
        pthread_testcancel(); /* between events: a cancellation never lands inside a record */
    }
    return NULL;
}

static void *forever(void *arg)
{
    long i = 0;
    (void)arg;
    for (;;) NARR_TRACE_TINY("life", "forever", "t", "i %ld", i++);
    return NULL;
}

int main(int argc, char **argv)
{
    narr_config_t cfg = {0};
    int i;
    alarm(60);
    if (argc > 1 && strcmp(argv[1], "exit") == 0) {
        pthread_t t[3];
        for (i = 0; i < 3; i++) pthread_create(&t[i], NULL, forever, NULL);
        for (i = 0; i < 1000; i++) NARR_TRACE_TINY("life", "main", "t", "main %d", i);
        usleep(20000);
        exit(0); /* the others are mid-record: atexit flushes, their later events are dropped */
    }
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    {
        narr_capture_t *c = narr_capture_begin(NARR_CAPTURE_ALL);
        narr_stats_t st;
        pthread_t t[8];
        long want = 0;
        for (i = 0; i < 8; i++) pthread_create(&t[i], NULL, until_cancelled, (void *)(intptr_t)i);
        usleep(20000);
        for (i = 0; i < 8; i++) pthread_cancel(t[i]);
        for (i = 0; i < 8; i++) pthread_join(t[i], NULL);
        for (i = 0; i < 8; i++) want += recorded[i];
        narr_stats_get(&st);
        /* every event a cancelled thread recorded arrives, or is counted as dropped */
        CHECK_EQ_INT((long)narr_capture_count_matching(c, "life", "step", NULL) + (long)st.dropped, want);
        narr_capture_end(c);
        /* their rings were handed to the consumer and freed: new threads attach fresh ones */
        for (i = 0; i < 8; i++) pthread_create(&t[i], NULL, until_cancelled, (void *)(intptr_t)i);
        for (i = 0; i < 8; i++) pthread_cancel(t[i]);
        for (i = 0; i < 8; i++) pthread_join(t[i], NULL);
    }
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
