/* bench/bench_redact.c - redaction cost: ns per KB of clean prose and ns per bearer token
 * (the seed measured 605 ns per clean KB and 431 ns per bearer token with regexes).
 *   bench_redact            rows "redact_clean_kb" and "redact_bearer"
 *   bench_redact CASE N     one loop, for callgrind */
#include <narrate/redact.h>

#include "bench_common.h"

static char clean[1025], bearer[128];
static size_t sink_len;

static void count(const char *piece, size_t n, void *ctx)
{
    (void)piece;
    *(size_t *)ctx += n;
}

__attribute__((noinline)) static void bench_loop_redact_clean_kb(int n)
{
    int i;
    for (i = 0; i < n; i++) narr_redact(clean, 1024, NARR_REDACT_DEFAULT, count, &sink_len);
}

__attribute__((noinline)) static void bench_loop_redact_bearer(int n)
{
    int i;
    size_t len = strlen(bearer);
    for (i = 0; i < n; i++) narr_redact(bearer, len, NARR_REDACT_DEFAULT, count, &sink_len);
}

int main(int argc, char **argv)
{
    static const char prose[] = "Accepted request from the scheduler; queued at position 3 with an estimated "
                                "start in 420 milliseconds, worker gpu0 in pool default has 2 of 8 slots free. ";
    double ns;
    size_t i;
    for (i = 0; i < 1024; i++) clean[i] = prose[i % (sizeof prose - 1)];
    clean[1024] = '\0';
    snprintf(bearer, sizeof bearer, "GET /v1/jobs Authorization: Bearer %s", "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9abcdef");
    if (argc == 3) {
        if (strcmp(argv[1], "redact_clean_kb") == 0) bench_loop_redact_clean_kb(atoi(argv[2]));
        else bench_loop_redact_bearer(atoi(argv[2]));
        return 0;
    }
    BENCH_MEDIAN(ns, bench_loop_redact_clean_kb(BENCH_BATCH), (void)0);
    bench_report("redact_clean_kb", ns);
    BENCH_MEDIAN(ns, bench_loop_redact_bearer(BENCH_BATCH), (void)0);
    bench_report("redact_bearer", ns);
    return sink_len == 0;
}
