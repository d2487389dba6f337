#include <narrate/narrate.h>
NARR_TRACE_FN int old_style(a, b)
char a;
int b;
{
    return a + b;
}
