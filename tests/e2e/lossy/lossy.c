/* tests/e2e/lossy/lossy.c - usage: lossy N [nojump]
 * Nested traced calls at full speed (every function traced), with a longjmp through three
 * traced frames every 100 rounds. Run into rings too small to hold them, events are lost in
 * bursts: check_lossy.sh checks that the readers tell calls cut short by a loss from calls a
 * longjmp unwound, and never nest calls deeper than the program does (main, round_, deep1,
 * deep2, deep3: five levels). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf env;
static volatile unsigned sink;

int leaf(int x);
int mid(int x);
void deep1(int i);
void deep2(int i);
void deep3(int i);
int round_(int i);

int leaf(int x)
{
    sink += (unsigned)x;
    return x;
}

int mid(int x)
{
    return leaf(x) + leaf(x + 1);
}

void deep3(int i)
{
    sink += (unsigned)i;
    longjmp(env, 1); /* past deep3, deep2 and deep1 */
}

void deep2(int i)
{
    deep3(i + 1);
}

void deep1(int i)
{
    deep2(i + 1);
}

static int jumps = 1;

int round_(int i)
{
    if (jumps && i % 100 == 0 && setjmp(env) == 0) deep1(i);
    return mid(i);
}

int main(int argc, char **argv)
{
    int i, n = argc > 1 ? atoi(argv[1]) : 1000;
    jumps = !(argc > 2 && argv[2][0] == 'n'); /* "nojump": no longjmp at all */
    long total = 0;
    for (i = 0; i < n; i++) total += round_(i);
    printf("total %ld\n", total);
    return 0;
}
