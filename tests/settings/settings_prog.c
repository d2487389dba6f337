/* A program with no settings of its own, for check_settings.sh: one INFO and one TRACE event
 * from actor "shop", one TRACE event from actor "till". */
#include <narrate/narrate.h>

int main(void)
{
    NARR_INFO("shop", "open", "door", "hello %d", 1);
    NARR_TRACE_TINY("shop", "tick", "clock", "%d", 2);
    NARR_TRACE_TINY("till", "ring", "drawer", "%d", 3);
    return 0;
}
