/* Whole-project tracing leaves to the compiler the static functions the optimized build inlines
 * at every call (the plain program makes no call of them), and says how many; the functions it
 * keeps as calls, external ones and marked ones are traced. */
// cflags: -O2
// gen-flags:
// expect-log: 1 static functions the optimizer inlines at every call
// expect: twice fn_enter 0
// expect: sum_twice fn_exit 1
// expect: shared fn_exit 1
#include <stdio.h>

static int twice(int x) { return 2 * x; }

int shared(int x);
int shared(int x) { return x + 1; }

int sum_twice(int n);
int sum_twice(int n)
{
    int s = 0, i;
    for (i = 0; i < n; i++) s += twice(i);
    return s;
}

int main(void)
{
    printf("%d %d\n", sum_twice(10), shared(1));
    return 0;
}
