/* The consumer's printf replay gives exactly what snprintf gives for the same arguments. */
#include <limits.h>
#include <stdint.h>

#include <narrate/capture.h>
#include <narrate/narrate.h>

#include "check.h"

static narr_capture_t *cap;
static size_t next;

#define SAME(...) do {                                                                   \
    char want[512];                                                                      \
    const narr_captured_t *got;                                                          \
    snprintf(want, sizeof want, __VA_ARGS__);                                            \
    NARR_TRACE_TINY("fmt", "case", "t", __VA_ARGS__);                                    \
    got = narr_capture_at(cap, next++);                                                  \
    CHECK(got != NULL);                                                                  \
    if (got != NULL) CHECK_EQ_STR(got->message, want);                                   \
} while (0)

int main(void)
{
    narr_config_t cfg = {0};
    int x = 42;
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    cap = narr_capture_begin(NARR_CAPTURE_THIS_THREAD);

    SAME("plain text, no conversions");
    SAME("%d %i %u %x %X %o", -17, 23, 4000000000u, 0xbeefu, 0xbeefu, 8u);
    SAME("%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42);
    SAME("%hhd %hd %ld %lld %hhu %hu", (signed char)-3, (short)-300, LONG_MIN, LLONG_MAX, (unsigned char)250,
         (unsigned short)65000);
    SAME("%lu %llu %zu %jd", ULONG_MAX, ULLONG_MAX, (size_t)12345, (intmax_t)-99);
    SAME("%#x %#o %.3d %8.3d", 255u, 8u, 7, 7);
    SAME("%f %.2f %e %g %G %10.4f %-10.1e|", 3.14159, 2.71828, 12345.678, 0.0001, 1e20, -1.5, 6.02e23);
    SAME("%a", 1.0);
    SAME("float %f promoted", (double)1.25f);
    SAME("%c%c%c", 'a', 'b', 'c');
    SAME("%s|%10s|%-10s|%.2s|%5.1s|", "abc", "right", "left", "trim", "xyz");
    SAME("%*d|%-*d|%.*f", 6, 42, 6, 42, 3, 1.23456);
    SAME("100%% sure %d%%", 9);
    SAME("%p %p", (void *)&x, (void *)0);
    SAME("bool %d char %d", (_Bool)1, (char)'A');
    SAME("mixed %s=%d (%.1f%%) at %p", "load", 7, 87.5, (void *)&x);
    SAME("%d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

    /* a double given to an integer conversion (a trace file can say anything) saturates */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
    NARR_TRACE_TINY("fmt", "case", "t", "%lld %lld %llu %lld", 1e300, -1e300, 1e300, 0.0 / 0.0);
#pragma GCC diagnostic pop
    {
        const narr_captured_t *got = narr_capture_at(cap, next++);
        CHECK(got != NULL);
        if (got != NULL) CHECK_EQ_STR(got->message, "9223372036854775807 -9223372036854775808 18446744073709551615 0");
    }

    CHECK_EQ_INT(narr_capture_count(cap), next);
    narr_capture_end(cap);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
