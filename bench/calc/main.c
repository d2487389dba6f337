/* bench/calc/main.c - usage: calc STATEMENTS FIB_N PRINTS [WORK]
 * Generates a program of STATEMENTS random assignments (fib arguments up to FIB_N: larger means
 * denser calls), parses each statement, prints it PRINTS times (snprintf: heavier calls, so
 * more PRINTS means sparser calls; WORK: rounds of untraced arithmetic in a few busy functions,
 * sparser still), folds its constants and runs it; prints checksums. The same
 * source is built plain, traced (narrate_instrument ALL_FUNCTIONS), with -finstrument-functions
 * and with -pg for uftrace: bench/run.sh times each. */
#include <stdio.h>
#include <stdlib.h>

#include "calc.h"

int calc_work;
uint64_t calc_mixed;

int main(int argc, char **argv)
{
    int statements = argc > 1 ? atoi(argv[1]) : 1000, fib_n = argc > 2 ? atoi(argv[2]) : 10;
    int prints = argc > 3 ? atoi(argv[3]) : 1;
    size_t cap = (size_t)statements * 400 + 64, len;
    char *src = malloc(cap);
    static env e;
    calc_work = argc > 4 ? atoi(argv[4]) : 0;
    if (src == NULL || statements < 1) return 2;
    len = gen_program(src, cap, 42u, statements, fib_n);
    run_program(&e, src, len, prints);
    printf("checksum %016llx printed %016llx builtins %ld mixed %016llx\n", (unsigned long long)checksum(&e),
           (unsigned long long)e.printed, e.calls, (unsigned long long)calc_mixed);
    free(src);
    return 0;
}
