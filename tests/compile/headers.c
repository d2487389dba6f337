/* C11 compile test. */
#include "use_all_macros.h"
