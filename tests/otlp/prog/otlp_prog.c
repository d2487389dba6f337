/* The otlp sink's test program, built through narrate_instrument.
 *   otlp_prog spans    one request: a context, nested traced calls with parameters (a secret
 *                      among them), narration, an error exit, bad UTF-8 and a long value
 *   otlp_prog load N   N traced calls with no context; prints the exporter's counters after
 *                      the loop and after shutdown
 *   otlp_prog parse TRACEPARENT [TRACESTATE]   what narr_context_extract makes of the headers */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <narrate/context.h>
#include <narrate/narrate.h>
#include <narrate/otlp.h>

NARR_TRACE_FN static int lookup(const char *user, int id)
{
    NARR_INFO("store", "lookup", "users", "looking up %s", user);
    return id * 2;
}

NARR_TRACE_FN static int login(const char *user, const char *password)
{
    (void)password;
    return lookup(user, 21);
}

NARR_TRACE_FN_WITH("err=neg") static int refuse(int code)
{
    return -code;
}

NARR_TRACE_FN static int work(int i)
{
    return i + 1;
}

static void print_stats(const char *when)
{
    narr_otlp_stats_t st;
    narr_otlp_stats_get(&st);
    printf("%s exported=%llu dropped=%llu failed=%llu retried=%llu\n", when, (unsigned long long)st.exported,
           (unsigned long long)st.dropped, (unsigned long long)st.failed, (unsigned long long)st.retried);
}

int main(int argc, char **argv)
{
    narr_config_t cfg = {0};
    if (argc >= 3 && strcmp(argv[1], "parse") == 0) {
        narr_context_t c;
        if (narr_context_extract(argv[2], argc > 3 ? argv[3] : NULL, &c) != 0) {
            printf("invalid\n");
            return 0;
        }
        printf("trace=");
        for (int i = 0; i < 16; i++) printf("%02x", c.trace_id[i]);
        printf(" parent=");
        for (int i = 0; i < 8; i++) printf("%02x", c.parent_span_id[i]);
        printf(" flags=%02x tracestate=%s\n", c.flags, c.tracestate);
        return 0;
    }
    cfg.outputs = "otlp";
    cfg.program = "otlp_prog@1.0";
    if (narr_init(&cfg) != 0) return 2;
    if (argc >= 2 && strcmp(argv[1], "spans") == 0) {
        narr_context_t ctx;
        char big[10000];
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        narr_context_new(&ctx, "req-otlp-1");
        narr_context_enter(&ctx);
        {
            char tp[NARR_TRACEPARENT_LEN + 1];
            narr_traceparent_format(&ctx, tp);
            printf("context %s\n", tp);
        }
        login("ada", "hunter2");
        refuse(3);
        lookup("bad\xff\xfe utf8", 1);
        lookup(big, 2);
        narr_context_leave();
    } else if (argc >= 3 && strcmp(argv[1], "load") == 0) {
        int i, n = atoi(argv[2]);
        for (i = 0; i < n; i++) work(i);
        print_stats("after-loop");
    } else {
        fprintf(stderr, "usage: otlp_prog spans | load N\n");
        return 2;
    }
    narr_shutdown();
    print_stats("after-shutdown");
    return 0;
}
