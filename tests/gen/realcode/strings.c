/* Strings that are not NUL-terminated: a (buf, len) pair and a char tag[4], both ending where the
 * readable memory ends, and an output buffer not yet written. Nothing is read past its bound
 * (the traced run would crash, and memcheck would see it). */
// expect-arg: count_a fn_enter buf aaaaaaaaaa
// expect-arg: tag_sum fn_enter tag aaaa
// expect: fill fn_exit 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int count_a(const char *buf, size_t len)
{
    int n = 0;
    size_t i;
    for (i = 0; i < len; i++) n += buf[i] == 'a';
    return n;
}

int tag_sum(const char tag[4])
{
    return tag[0] + tag[1] + tag[2] + tag[3];
}

size_t fill(char *out, size_t cap)
{
    size_t n = cap < 6 ? cap : 6;
    memcpy(out, "filled", n);
    return n;
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *heap = malloc(5), *out = malloc(16);
    if (m == MAP_FAILED || heap == NULL || out == NULL) return 2;
    mprotect(m + pg, (size_t)pg, PROT_NONE); /* the page after is not readable */
    memset(m, 'a', (size_t)pg);
    printf("%d\n", count_a(m + pg - 10, 10));
    printf("%d\n", tag_sum(m + pg - 4));
    memcpy(heap, "abcab", 5); /* no NUL */
    printf("%d\n", count_a(heap, 5));
    printf("%zu %.6s\n", fill(out, 16), out);
    free(heap);
    free(out);
    return 0;
}
