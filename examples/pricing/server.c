/* examples/pricing/server.c - the price service: answers GET /price?item=NAME on 127.0.0.1.
 * Each request continues the caller's trace (traceparent, tracestate), so the caller's spans
 * and these are one trace in Jaeger or Tempo.
 * usage: pricing_server PORT_FILE [REQUESTS]   (the chosen port is written to PORT_FILE) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <narrate/context.h>
#include <narrate/narrate.h>

#include "http_min.h"

NARR_TRACE_FN static int lookup_price(const char *item)
{
    int cents = 100 + (int)strlen(item) * 25;
    NARR_INFO("pricing", "quote", item, "%s costs %d cents", item, cents);
    return cents;
}

NARR_TRACE_FN static int handle(int fd, const char *item)
{
    char body[64], out[160];
    int cents = lookup_price(item);
    int n = snprintf(body, sizeof body, "%d\n", cents);
    n = snprintf(out, sizeof out, "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s", n, body);
    return http_write_all(fd, out, (size_t)n);
}

int main(int argc, char **argv)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int ls, served, requests = argc > 2 ? atoi(argv[2]) : 1;
    FILE *pf;
    if (argc < 2) {
        fprintf(stderr, "usage: pricing_server PORT_FILE [REQUESTS]\n");
        return 2;
    }
    ls = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 8) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) != 0) {
        perror("pricing_server");
        return 1;
    }
    pf = fopen(argv[1], "w");
    if (pf == NULL) return 1;
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    for (served = 0; served < requests; served++) {
        char head[4096], tp[128], ts[512], item[64] = "unknown";
        narr_context_t ctx;
        const char *q;
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) continue;
        http_read_head(fd, head, sizeof head);
        http_header(head, "traceparent", tp, sizeof tp);
        http_header(head, "tracestate", ts, sizeof ts);
        /* the caller's trace when it sent one, else a trace of our own */
        if (narr_context_extract(tp, ts, &ctx) != 0) narr_context_new(&ctx, NULL);
        if ((q = strstr(head, "item=")) != NULL) sscanf(q + 5, "%63[^ &\r\n]", item);
        narr_context_enter(&ctx);
        handle(fd, item);
        narr_context_leave();
        close(fd);
    }
    close(ls);
    return 0;
}
