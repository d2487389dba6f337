/* Attributes the renamed original must not keep, const results, main without a return. */
// cflags: -Wno-ignored-qualifiers
// expect: setup fn_enter 1
// expect: answer fn_exit 1
// expect: make_span fn_exit 1
// expect: hook fn_exit 1
#include <stdio.h>
static int setups;
__attribute__((constructor)) static void setup(void) { setups++; }
__attribute__((destructor)) static void teardown(void) { fflush(stdout); }
__attribute__((weak)) int hook(int x) { return x + 1; }
__attribute__((deprecated("use answer"))) int old_answer(void) { return 41; }
__attribute__((visibility("default"))) int exported(int x) { return x * 2; }
const int answer(void) { return 42; }
struct span { const char *const data; const unsigned long len; };
struct span make_span(const char *s, unsigned long n)
{
    struct span sp = {s, n};
    return sp;
}
int main(void)
{
    struct span sp = make_span("abc", 3);
    printf("setups %d hook %d answer %d exported %d span %lu\n", setups, hook(1), answer(), exported(2), sp.len);
}
