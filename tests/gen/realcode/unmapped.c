/* A const char * the function only compares, unmapped by the time it is called (a key removed
 * from a registry after its memory went back to the system), and a (buffer, length) pair whose
 * buffer is gone: the plain program never reads them, so the traced one must not die. The key is
 * not read as a string at all (the body never reads it as one: its address is recorded); the
 * buffer, whose length the declaration gives, is read and recorded as unreadable, every time
 * (the fault handler gives the thread its signal mask back). */
// no-memcheck: memcheck reports the reads that fault, which the capture survives on purpose
// expect: forget fn_exit 3
// expect: measure fn_exit 3
// expect-arg: measure fn_enter s <unreadable>
#include <stdio.h>
#include <sys/mman.h>

int forget(const char *key);
unsigned long measure(const char *s, unsigned long n);

int forget(const char *key)
{
    return key != NULL;
}

unsigned long measure(const char *s, unsigned long n)
{
    return n + (s != NULL);
}

int main(void)
{
    int i;
    unsigned long total = 0;
    for (i = 0; i < 3; i++) {
        char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return 1;
        munmap(p, 4096);
        total += (unsigned long)forget(p);
        total += measure(p, 3);
    }
    printf("%lu\n", total);
    return 0;
}
