/* tests/trace/flood.c - usage: flood THREADS N
 * Each thread records N tiny events and N/2 enter/exit pairs with a string, as fast as it can,
 * into whatever NARRATE_OUTPUT names; then the program prints what narrate counted:
 *   recorded R delivered D dropped X text_skipped S
 * check_backend.sh compares that with what the outputs hold. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <narrate/narrate.h>

static long n;

static void *run(void *arg)
{
    long i;
    (void)arg;
    for (i = 0; i < n; i++) {
        NARR_TRACE_TINY("flood", "tick", "t", "i=%ld", i);
        if (i % 2 == 0) {
            NARR_TRACE_ENTER("flood", "work", "name=%s n=%ld", "w", i);
            NARR_TRACE_EXIT("flood", "work", "r=%ld", i);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 2 ? atoi(argv[1]) : 1, k;
    pthread_t th[16];
    narr_stats_t st;
    if (argc < 3 || threads < 1 || threads > 16) return 2;
    n = atol(argv[2]);
    for (k = 0; k < threads; k++) pthread_create(&th[k], NULL, run, NULL);
    for (k = 0; k < threads; k++) pthread_join(th[k], NULL);
    narr_flush();
    narr_stats_get(&st);
    printf("recorded %ld delivered %llu dropped %llu text_skipped %llu rings_grown %llu\n",
           (long)threads * (n + (n + 1) / 2 * 2), (unsigned long long)st.events, (unsigned long long)st.dropped,
           (unsigned long long)st.text_skipped, (unsigned long long)st.rings_grown);
    return 0;
}
