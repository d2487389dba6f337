/* A shared object that records events; the host loads and unloads it. */
#include <narrate/narrate.h>

int plugin_work(int n);

int plugin_work(int n)
{
    int i, sum = 0;
    for (i = 0; i < n; i++) {
        NARR_TRACE_TINY("plugin", "work", "p", "plugin step %d", i);
        sum += i;
    }
    NARR_INFO("plugin", "done", "p", "plugin did %d steps", n);
    return sum;
}
