/* __func__ inside a traced function, and events recorded in its body, name the function. */
// expect-field: inside log fn who
// expect: who fn_exit 1
#include <stdio.h>
#include <narrate/narrate.h>
const char *who(void)
{
    NARR_INFO("app", "inside", "t", "in %s", __func__);
    return __func__;
}
int main(void)
{
    printf("I am %s\n", who());
    return 0;
}
