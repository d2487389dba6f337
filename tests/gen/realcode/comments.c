/* Parameter lists with comments holding // and with preprocessor lines. */
// expect: fetch fn_exit 1
// expect: open_thing fn_exit 1
#include <stdio.h>
#define WITH_MODE 1
int fetch(const char *url /* e.g. http://example.com */, int retries)
{
    return (int)url[0] + retries;
}
int open_thing(const char *name
#if WITH_MODE
               , int mode
#endif
)
{
    return (int)name[0] + mode;
}
int main(void)
{
    printf("%d %d\n", fetch("h", 2), open_thing("n", 1));
    return 0;
}
