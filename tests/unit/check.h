/* tests/unit/check.h - assertions that print both operands; a test's main returns CHECK_DONE(). */
#ifndef NARR_TESTS_CHECK_H
#define NARR_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond) do {                                                                     \
    check_count++;                                                                           \
    if (!(cond)) {                                                                           \
        fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);             \
        check_failures++;                                                                    \
    }                                                                                        \
} while (0)

#define CHECK_EQ_INT(a, b) do {                                                              \
    long long check_a = (long long)(a), check_b = (long long)(b);                            \
    check_count++;                                                                           \
    if (check_a != check_b) {                                                                \
        fprintf(stderr, "%s:%d: CHECK_EQ_INT(%s, %s) failed: %lld != %lld\n", __FILE__,      \
                __LINE__, #a, #b, check_a, check_b);                                         \
        check_failures++;                                                                    \
    }                                                                                        \
} while (0)

#define CHECK_EQ_STR(a, b) do {                                                              \
    const char *check_a = (a), *check_b = (b);                                               \
    check_count++;                                                                           \
    if (check_a == NULL || check_b == NULL || strcmp(check_a, check_b) != 0) {               \
        fprintf(stderr, "%s:%d: CHECK_EQ_STR(%s, %s) failed:\n  left:  \"%s\"\n  right: \"%s\"\n", \
                __FILE__, __LINE__, #a, #b, check_a ? check_a : "(null)",                    \
                check_b ? check_b : "(null)");                                               \
        check_failures++;                                                                    \
    }                                                                                        \
} while (0)

#define CHECK_CONTAINS(hay, needle) do {                                                     \
    const char *check_h = (hay), *check_n = (needle);                                        \
    check_count++;                                                                           \
    if (check_h == NULL || strstr(check_h, check_n) == NULL) {                               \
        fprintf(stderr, "%s:%d: CHECK_CONTAINS(%s, %s) failed:\n  text:   \"%s\"\n  wanted: \"%s\"\n", \
                __FILE__, __LINE__, #hay, #needle, check_h ? check_h : "(null)", check_n);   \
        check_failures++;                                                                    \
    }                                                                                        \
} while (0)

#define CHECK_DONE() (fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__, check_count,   \
                              check_failures), check_failures != 0)

#endif /* NARR_TESTS_CHECK_H */
