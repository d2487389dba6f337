#include <narrate/narrate.h>
NARR_TRACE_FN int f(widget_t w) { return 0; }
