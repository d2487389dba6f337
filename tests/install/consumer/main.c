/* Downstream use: one event at INFO, one at TRACE (absent when the package was built at INFO),
 * and a function traced by narrate_instrument (TRACE level too). */
#include <narrate/narrate.h>

int scaled(int v, int factor);

int main(void)
{
    NARR_INFO("consumer", "hello", "world", "installed narrate works: %d", scaled(21, 2));
    NARR_TRACE_TINY("consumer", "detail", "t", "only when built at TRACE");
    return 0;
}
