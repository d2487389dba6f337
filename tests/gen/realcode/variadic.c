/* A variadic function with two returns: its enter is recorded, the build log says why there is
 * no exit, and the program behaves as built plain. */
// expect: sum fn_enter 2
// expect: sum fn_exit 0
#include <stdarg.h>
#include <stdio.h>
int sum(int n, ...)
{
    va_list ap;
    int i, s = 0;
    if (n <= 0) return 0;
    va_start(ap, n);
    for (i = 0; i < n; i++) s += va_arg(ap, int);
    va_end(ap);
    return s;
}
int main(void)
{
    printf("%d %d\n", sum(3, 1, 2, 3), sum(0));
    return 0;
}
