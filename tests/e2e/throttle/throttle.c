/* tests/e2e/throttle/throttle.c - usage: throttle
 * Whole-project tracing's threshold (NARRATE_MIN_DURATION): every function traced by
 * ALL_FUNCTIONS, none marked. `tiny` is called 200,000 times and returns at once: its calls
 * average far under 1 us, so the consumer switches it off after a window of them; `slow` sleeps
 * 50 us a call and stays recorded, every call; `marked` is as short as tiny but marked
 * NARR_TRACE_FN, so it is never switched off. check_throttle.sh reads what each output says. */
#include <narrate/narrate.h>
#include <stdio.h>
#include <time.h>

static volatile int sink;

int tiny(int x);
int slow(int x);
int marked(int x);

int tiny(int x)
{
    sink = x;
    return x + 1;
}

int slow(int x)
{
    struct timespec t = {0, 50000};
    nanosleep(&t, NULL);
    return tiny(x);
}

NARR_TRACE_FN int marked(int x)
{
    sink = x;
    return x - 1;
}

int main(void)
{
    long s = 0;
    int i;
    for (i = 0; i < 200000; i++) s += tiny(i) + marked(i);
    for (i = 0; i < 300; i++) s += slow(i);
    printf("%ld\n", s);
    return 0;
}
