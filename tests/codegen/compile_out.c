/* Built twice at NARRATE_LEVEL=OFF, with and without the macros: the .text must be identical.
 * The macros' arguments have side effects that must vanish with them. */
#include <narrate/narrate.h>

int compile_out_work(int *v, int n, const char *name);
int compile_out_work(int *v, int n, const char *name)
{
    int i, sum = 0;
    (void)name;
#ifdef WITH_MACROS
    NARR_TRACE_ENTER("co", "compile_out_work", "n=%d name=%s", n, name);
#endif
    for (i = 0; i < n; i++) {
#ifdef WITH_MACROS
        NARR_TRACE_LOOP("co", "sum", i, n, "v=%d", v[i]++);
        NARR_TRACE_TINY("co", "tiny", name, "%d %s %p", sum, name, (void *)v);
#endif
        sum += v[i];
    }
#ifdef WITH_MACROS
    NARR_TRACE_CORR("co", "corr", name, name, "%d", sum);
    NARR_TRACE_STATE("co", "sum", 0, sum, "done %d", sum);
    NARR_DEBUG("co", "debug", name, "%d", sum);
    NARR_INFO("co", "info", name, "%d", sum);
    NARR_WARN("co", "warn", name, "%d", sum);
    NARR_ERROR("co", "error", name, "%d", sum);
    NARR_FATAL("co", "fatal", name, "%d", sum);
    NARR_TRACE_EXIT("co", "compile_out_work", "ret=%d", sum);
#endif
    return sum;
}
