/* tests/e2e/jmp/jmp.c - longjmp through three traced frames, 100 times, every function traced
 * (narrate_instrument ALL_FUNCTIONS). check_jmp.sh checks the recorded depths stay right. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static volatile int sink;

void inner(int i);
void middle(int i);
void outer(int i);

void inner(int i)
{
    sink += i;
    longjmp(env, 1); /* skips inner's, middle's and outer's returns */
}

void middle(int i)
{
    inner(i + 1);
}

void outer(int i)
{
    middle(i + 1);
}

int leaf(int x);

int run_round(int i)
{
    if (setjmp(env) == 0) outer(i);
    else sink += leaf(i); /* after the longjmp: recorded at run_round's depth + 1, not inner's */
    return i;
}

int leaf(int x)
{
    return x * 2;
}

int main(void)
{
    int i, total = 0;
    for (i = 0; i < 100; i++) total += run_round(i);
    total += leaf(total);
    printf("total %d sink %d\n", total, sink);
    return 0;
}
