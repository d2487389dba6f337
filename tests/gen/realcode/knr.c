/* Old code: a K&R-style definition among prototyped ones. Under --all-functions it is skipped
 * with its reason in the build log, the rest of the file is traced, and the program behaves. */
// expect: old fn_exit 0
// expect: newer fn_exit 1
// expect: main fn_exit 1
#include <stdio.h>

int old();
int newer(int a, int b);

int old(a, b)
int a;
int b;
{
    return a + b;
}

int newer(int a, int b)
{
    return old(a, b) * 2;
}

int main(void)
{
    printf("%d\n", newer(1, 2));
    return 0;
}
