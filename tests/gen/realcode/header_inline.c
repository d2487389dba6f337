/* The static inline functions of the project's own headers, traced with --header-functions in
 * the file that includes them (renamed around the #include, their traced functions after it;
 * calls made inside the header stay plain); unused ones cost nothing and warn nothing. */
// gen-flags: --every-call --header-functions
// expect: ring_sum fn_exit 1
// expect: ring_name_len fn_exit 1
// expect-arg: ring_name_len fn_enter s hello
// expect: ring_clamp fn_exit 1
// expect-field: ring_sum fn_enter file inc/ring_util.h
#include <stdio.h>
#include "inc/ring_util.h"

int main(void)
{
    printf("%d %zu %d\n", ring_sum(10), ring_name_len("hello"), ring_clamp(9, 0, 5));
    return 0;
}
