/* 'const char *' that is not a string: a fresh heap block (QuickJS's
 * __js_malloc_usable_size(..., const char *ptr)), a small integer cast to a pointer when another
 * parameter says so (SQLite's sqlite3VdbeChangeP4(..., const char *zP4, int n)), a pointer only
 * compared. Their bytes are never read (memcheck clean; the program at 0x5 does not die): their
 * addresses are recorded. A parameter the body reads as a string (strcmp, %s) is recorded as one,
 * bounded where the body bounds its read (strncmp). */
// expect-arg: p4_value fn_enter zP4 0x5
// expect-addr: block_size fn_enter ptr
// expect-addr: same fn_enter a
// expect-arg: greet fn_enter who world
// expect-arg: is_get fn_enter line GET
// expect-arg: lookup fn_exit result found
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t block_size(const char *ptr);
int p4_value(const char *zP4, int n);
int same(const char *a, const char *b);
int greet(const char *who);
int is_get(const char *line);
const char *lookup(int key);

size_t block_size(const char *ptr)
{
    return malloc_usable_size((void *)ptr);
}

int p4_value(const char *zP4, int n)
{
    if (n < 0) return (int)(intptr_t)zP4; /* P4_INT32: the pointer is the number */
    return (int)strlen(zP4);
}

int same(const char *a, const char *b)
{
    return a == b;
}

int greet(const char *who)
{
    return printf("hello %s\n", who) > 0;
}

int is_get(const char *line)
{
    return strncmp(line, "GET", 3) == 0; /* three bytes read, no more */
}

const char *lookup(int key)
{
    return key > 0 ? "found" : NULL;
}

int main(void)
{
    size_t total = 0;
    int i;
    char *req = malloc(3);
    for (i = 0; i < 4; i++) {
        char *p = malloc(24); /* never written: its bytes are not a string */
        total += block_size(p) > 0;
        free(p);
    }
    memcpy(req, "GET", 3); /* no NUL after it */
    printf("%zu %d %d %d %d %d %s\n", total, p4_value((const char *)(intptr_t)5, -1), p4_value("abc", 3),
           same("x", "y"), greet("world"), is_get(req), lookup(1));
    free(req);
    return 0;
}
