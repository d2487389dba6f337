/* Results declared around the name, without a typedef (as older code bases write them): a
 * function returning a pointer to a function, and one returning a pointer to an array. Both
 * are traced; the result is recorded as an address. */
// expect: pick fn_exit 2
// expect: row fn_exit 1
// expect: add fn_exit 1
// expect: sub fn_exit 1
#include <stdio.h>

static int table[2][4] = {{1, 2, 3, 4}, {5, 6, 7, 8}};

static int add(int a, int b)
{
    return a + b;
}

static int sub(int a, int b)
{
    return a - b;
}

int (*pick(int which))(int, int);

int (*pick(int which))(int, int)
{
    return which ? add : sub;
}

static int (*row(int i))[4]
{
    return &table[i];
}

int main(void)
{
    printf("%d %d %d\n", pick(1)(2, 3), pick(0)(2, 3), (*row(1))[2]);
    return 0;
}
