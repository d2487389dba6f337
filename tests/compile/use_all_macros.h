/* Shared by the compile tests: every public header and every macro, in code that is valid C11
 * and C++. Built at every level with -Wall -Wextra -Wpedantic -Werror. */
#include <narrate/capture.h>
#include <narrate/narrate.h>
#include <narrate/runtime.h>
#include <narrate/short.h>
#include <narrate/types.h>

enum compile_color { COMPILE_RED, COMPILE_BLUE };
struct compile_thing { int a; };

int compile_use_all(int n, const char *s, double d, enum compile_color col, struct compile_thing *p);
int compile_use_all(int n, const char *s, double d, enum compile_color col, struct compile_thing *p)
{
    char buf[8] = "buf";
    unsigned long long big = 1;
    NARR_TRACE_TINY("compile", "tiny", s, "n=%d s=%s d=%f", n, s, d);
    NARR_TRACE_TINY("compile", "noargs", "t", "no arguments");
    NARR_TRACE_CORR("compile", "corr", buf, "corr-1", "%llu %p", big, (void *)p);
    NARR_TRACE_ENTER("compile", "compile_use_all", "n=%d", n);
    NARR_TRACE_LOOP("compile", "loop", n, 10, "col=%d", (int)col);
    NARR_TRACE_STATE("compile", "depth", n, n + 1, "%s", "grew");
    NARR_DEBUG("compile", "debug", s, "%c", 'x');
    NARR_INFO("compile", "info", s, "%u", 1u);
    NARR_WARN("compile", "warn", s, "%ld", 2L);
    NARR_ERROR("compile", "error", s, "%.2f", d);
    NARR_FATAL("compile", "fatal", s, "%s", "end");
    TRACE_TINY("compile", "short", s, "%d", n);
    TRACE_CORR("compile", "short", s, "c", "%d", n);
    TRACE_LOOP("compile", "short", 1, 2, "%d", n);
    TRACE_STATE("compile", "short", 1, 2, "%d", n);
    NARR_TRACE_EXIT("compile", "compile_use_all", "ret=%d", n + 1);
    TRACE_ENTER("compile", "short", "x");
    TRACE_EXIT("compile", "short", "x");
#ifndef __cplusplus /* the full path is C only: compound literals */
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "compile", .action = "narrate", .target = s,
                 .human = NARR_FMT("n=%d d=%.1f", n, d), .cute = NARR_FMT("plain"), .job_id = buf,
                 .queue_position = NARR_V(n), .extra = NARR_EXTRA({"k", "v"}));
    NARRATE(NARR_LEVEL_WARN, .actor = "compile", .action = "short", .human = NARR_FMT("%s", s));
#endif
    return n + 1;
}
