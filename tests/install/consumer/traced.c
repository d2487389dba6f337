/* Downstream use of the generator through the installed package. */
#include <narrate/narrate.h>

int scaled(int v, int factor);

NARR_TRACE_FN int scaled(int v, int factor)
{
    return v * factor;
}
