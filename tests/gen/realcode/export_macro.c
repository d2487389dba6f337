/* An API macro that expands to extern, and a parenthesised name: both traced. */
// expect: lib_add fn_enter 1
// expect: lib_add fn_exit 1
// expect: paren fn_enter 1
// expect-arg: lib_add fn_enter a 2
#include <stdio.h>
#define MYLIB_API extern
MYLIB_API int lib_add(int a, int b);
MYLIB_API int lib_add(int a, int b) { return a + b; }
int (paren)(int x) { return x * 3; }
int main(void)
{
    printf("%d %d\n", lib_add(2, 3), (paren)(4));
    return 0;
}
