/* noreturn through a macro, and on an earlier prototype only: no "noreturn function does
 * return" from the traced twin, and the exit status is the plain build's. */
// expect: die fn_enter 1
// expect: stop fn_enter 0
#include <stdio.h>
#include <stdlib.h>
#define l_noret void __attribute__((noreturn))
void die(int code) __attribute__((noreturn));
void die(int code)
{
    fflush(stdout);
    exit(code);
}
l_noret stop(int code)
{
    die(code);
}
int main(int argc, char **argv)
{
    (void)argv;
    printf("stopping\n");
    if (argc > 5) stop(4);
    die(3);
}
