/* Old code: K&R-style definitions among prototyped ones. Those whose parameters no call without
 * a prototype promotes are traced (their values recorded as declared); one with a char parameter
 * is skipped with its reason, since a prototype would not match its callers. */
// expect: old fn_exit 1
// expect-arg: old fn_enter b 2
// expect: name_len fn_exit 1
// expect-arg: name_len fn_enter s knr
// expect: shout fn_exit 0
// expect: newer fn_exit 1
// expect: main fn_exit 1
#include <stdio.h>
#include <string.h>

int old();
unsigned long name_len();
int shout();
int newer(int a, int b);

int old(a, b)
int a;
int b;
{
    return a + b;
}

unsigned long name_len(s, extra)
const char *s;
long extra;
{
    return (unsigned long)((long)strlen(s) + extra);
}

int shout(c)
char c;
{
    return c - 32;
}

int newer(int a, int b)
{
    return old(a, b) * 2;
}

int main(void)
{
    printf("%d %lu %c\n", newer(1, 2), name_len("knr", 1L), shout('k'));
    return 0;
}
