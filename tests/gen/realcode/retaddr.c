/* An allocator that remembers its caller, as leak trackers do: inside a traced function
 * __builtin_return_address(0) is still the caller's address, not narrate's. */
// expect: track_alloc fn_exit 2
#include <stdio.h>
#include <stdlib.h>
static void *last_site;
__attribute__((noinline)) void *track_alloc(size_t n)
{
    last_site = __builtin_return_address(0);
    return malloc(n);
}
__attribute__((noinline)) static void *site_a(void) { return track_alloc(1); }
__attribute__((noinline)) static void *site_b(void) { return track_alloc(2); }
int main(void)
{
    void *a = site_a(), *sa = last_site;
    void *b = site_b(), *sb = last_site;
    printf("distinct call sites: %s\n", sa != sb ? "yes" : "no");
    free(a);
    free(b);
    return 0;
}
