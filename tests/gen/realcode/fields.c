/* Parameters named like the event's own fields stay in "args"; the event's fields keep theirs. */
// expect: job fn_enter 1
// expect-arg: job fn_enter kind 7
// expect-arg: job fn_enter level 3
// expect-arg: job fn_enter line 42
// expect-arg: job fn_enter depth 9
// expect-arg: job fn_exit result 61
#include <stdio.h>
int job(int kind, int level, int line, int depth, int tid, long ts)
{
    return kind + level + line + depth + tid + (int)ts;
}
int main(void)
{
    printf("%d\n", job(7, 3, 42, 9, 0, 0));
    return 0;
}
