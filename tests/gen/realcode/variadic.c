/* Variadic functions (a wrapper cannot pass '...' on): the body records the enter, and every
 * return statement, the bare 'return;' and the fall off the end of a void one record the exit. */
// expect: sum fn_enter 2
// expect: sum fn_exit 2
// expect-arg: sum fn_exit result 6
// expect: say fn_exit 2
// expect-arg: avg fn_exit result 1.5
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
void say(const char *fmt, ...)
{
    va_list ap;
    if (fmt == NULL) return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}
double avg(int n, ...) { va_list ap; double s = 0; int i; va_start(ap, n); for (i = 0; i < n; i++) s += va_arg(ap, double); va_end(ap); return n ? s / n : 0; }
int main(void)
{
    say("%d %d\n", sum(3, 1, 2, 3), sum(0));
    say(NULL);
    printf("%.2f\n", avg(2, 1.0, 2.0));
    return 0;
}
