/* above the target's folder (as zstd's build/cmake names ../../lib/x.c); OUTSIDE_SCALE comes from
 * this file's own COMPILE_DEFINITIONS */
#include "layouts.h"
int outside_scale(int x) { return x * OUTSIDE_SCALE; }
