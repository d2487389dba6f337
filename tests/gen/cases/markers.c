/* Where the marker can be: behind a macro, on an earlier declaration (with unnamed parameters),
 * with options; and storage: extern, static, plain. */
#include <narrate/narrate.h>

#define API NARR_TRACE_FN
#define NARRATE_ACTOR "markers"

API int behind_macro(int a) { return a + 1; }

NARR_TRACE_FN int declared_first(int, const char *);
static int helper(int v) { return v; }

int declared_first(int count, const char *what) { return helper(count) + (what != 0); }

NARR_TRACE_FN_WITH("skip=blob; level=debug; err=neg")
extern int with_options(int size, const void *blob)
{
    return blob == 0 ? -size : size;
}

NARR_TRACE_FN_WITH("err=null; level=info")
static const char *lookup(int key) { return key > 0 ? "found" : 0; }

int use_lookup(void) { return lookup(1) != 0; }

NARR_TRACE_FN_WITH("err=nonzero")
int check(int rc) { return rc; }

int untouched(int x) { return x; } /* no marker: left alone */
