/* Downstream use: one event at INFO, one at TRACE (absent when the package was built at INFO). */
#include <narrate/narrate.h>

int main(void)
{
    NARR_INFO("consumer", "hello", "world", "installed narrate works: %d", 42);
    NARR_TRACE_TINY("consumer", "detail", "t", "only when built at TRACE");
    return 0;
}
