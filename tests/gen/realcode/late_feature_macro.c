/* A feature-test macro defined after some code, before the file's first include (SQLite's
 * amalgamation defines _GNU_SOURCE at its line 254): nothing narrate adds may come before it,
 * or glibc's headers are read without it (mremap, MREMAP_MAYMOVE undeclared). */
// expect: grow fn_exit 1
typedef int early_int;
static early_int early = 1;
#if defined(__GNUC__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <sys/mman.h>

int grow(size_t a, size_t b);

int grow(size_t a, size_t b)
{
    void *p = mmap(NULL, a, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *q;
    if (p == MAP_FAILED) return -1;
    q = mremap(p, a, b, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) return -1;
    munmap(q, b);
    return early;
}

int main(void)
{
    printf("%d\n", grow(4096, 8192));
    return 0;
}
