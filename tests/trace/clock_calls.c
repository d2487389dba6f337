/* A program for the one-clock check (check_one_clock.py): two threads whose traced calls span
 * several of the consumer's clock calibrations (one per 100 ms), short ones and long ones, so
 * the JSON lines and the trace file of one run convert stamps taken in many clock segments. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static int leaf(int v)
{
    volatile int x = v;
    return x + 1;
}

static int wait_ms(int ms)
{
    struct timespec d = {0, 1000000L * ms};
    nanosleep(&d, NULL);
    return leaf(ms);
}

static int slow(int rounds)
{
    int i, sum = 0;
    for (i = 0; i < rounds; i++) sum += wait_ms(7) + leaf(i); /* 40 x 7 ms: several calibrations */
    return sum;
}

static void *worker(void *arg)
{
    int *out = arg;
    *out = slow(40);
    return NULL;
}

int main(void)
{
    pthread_t th;
    int a = 0, b;
    if (pthread_create(&th, NULL, worker, &a) != 0) return 1;
    b = slow(40);
    pthread_join(th, NULL);
    printf("%d %d\n", a, b);
    return 0;
}
