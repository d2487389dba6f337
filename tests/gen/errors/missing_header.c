#include "does_not_exist.h"
NARR_TRACE_FN int f(int a) { return a; }
