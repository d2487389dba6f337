/* tests/trace/pointers.c - usage: pointers N
 * Addresses in every shape the trace file predicts (trace_format.h, PRAWEVENTS): one object
 * passed again and again, heap addresses that change, NULL, the ends of the address space
 * (deltas that wrap), addresses beside strings and doubles, a site with more values than the
 * sink's tight loop takes, and 600 sites whose prediction slots collide. Two threads, many
 * blocks each. check_pointers.sh compares what `narrate cat --plain` reads back with the console. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <narrate/narrate.h>

static long n;

#define X10(m) m m m m m m m m m m
#define X6(m) m m m m m m
#define MANY_SITE NARR_TRACE_TINY("ptrs", "slot", "s", "many p=%p q=%p", (void *)ctx, (void *)(heap + i % 7));

static void *run(void *arg)
{
    char ctx[16], *heap = malloc(4096);
    long i;
    (void)arg;
    for (i = 0; i < n; i++) {
        void *fresh = malloc((size_t)(i % 64) + 1);
        NARR_TRACE_TINY("ptrs", "same", "s", "ctx=%p", (void *)ctx);
        NARR_TRACE_TINY("ptrs", "moving", "s", "fresh=%p ctx=%p", fresh, (void *)ctx);
        NARR_TRACE_TINY("ptrs", "ends", "s", "lo=%p hi=%p null=%p", (void *)(uintptr_t)(i & 1),
                        (void *)(UINTPTR_MAX - (uintptr_t)(i & 3)), (void *)0);
        NARR_TRACE_TINY("ptrs", "mixed", "s", "name=%s p=%p x=%.3f q=%p", i % 3 ? "abc" : "", fresh, (double)i / 8,
                        (void *)(heap + i));
        NARR_TRACE_TINY("ptrs", "wide", "s", "a=%p b=%p c=%p d=%p e=%p f=%p g=%p h=%p i=%p j=%p k=%p l=%p m=%ld",
                        (void *)ctx, fresh, (void *)heap, (void *)(heap + 1), (void *)(heap + 2), (void *)(heap + 3),
                        (void *)(heap + i), fresh, (void *)ctx, (void *)0, (void *)(uintptr_t)i, (void *)UINTPTR_MAX, i);
        if (i % 50 == 0) {
            X10(X10(X6(MANY_SITE)))
        }
        free(fresh);
    }
    free(heap);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t th[2];
    int k;
    if (argc < 2) return 2;
    n = atol(argv[1]);
    for (k = 0; k < 2; k++) pthread_create(&th[k], NULL, run, NULL);
    for (k = 0; k < 2; k++) pthread_join(th[k], NULL);
    return 0;
}
