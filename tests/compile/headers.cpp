// C++ compile test: the public headers are valid C++ too.
#include "use_all_macros.h"
