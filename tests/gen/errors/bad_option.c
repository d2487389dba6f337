#include <narrate/narrate.h>
NARR_TRACE_FN_WITH("level=loud") int f(int a) { return a; }
