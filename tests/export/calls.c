/* A program for the export checks (check_exports.sh), every function traced: recursion (fib),
 * a chain of callees, two threads, and a longjmp through three traced frames. */
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>

static jmp_buf on_error;

static int fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static int leaf(int v)
{
    volatile int x = v;
    return x * 2;
}

static int middle(int v)
{
    return leaf(v) + leaf(v + 1);
}

static int top(int v)
{
    int i, sum = 0;
    for (i = 0; i < 50; i++) sum += middle(v + i);
    return sum;
}

static void fail_deep(int n)
{
    if (n == 0) longjmp(on_error, 1);
    fail_deep(n - 1);
}

static int guarded(void)
{
    if (setjmp(on_error) != 0) return leaf(-1) < 0 ? -1 : 0; /* after the longjmp, an enter comes first */
    fail_deep(2); /* fail_deep x3 left by longjmp */
    return 0;
}

static void *worker(void *arg)
{
    int *out = arg;
    *out = top(3) + fib(12);
    return NULL;
}

int main(void)
{
    pthread_t th;
    int from_thread = 0, r;
    pthread_create(&th, NULL, worker, &from_thread);
    r = fib(15) + top(7) + guarded();
    pthread_join(th, NULL);
    printf("%d %d\n", r, from_thread);
    return 0;
}
