/* examples/pricing/client.c - the shop: asks the price service for prices. Its request
 * context is a trace; each outgoing call gets a child context whose traceparent goes in the
 * request, so the server's spans hang under this call.
 * usage: pricing_client PORT ITEM... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <narrate/context.h>
#include <narrate/narrate.h>

#include "http_min.h"

/* One GET to the price service, in a context of its own (the client side of the call). */
NARR_TRACE_FN static int fetch_price(int port, const char *item)
{
    narr_context_t here, call;
    char tp[NARR_TRACEPARENT_LEN + 1], ts[NARR_TRACESTATE_MAX + 1], req[1024], resp[1024];
    struct sockaddr_in a;
    int fd, cents = -1;
    if (narr_context_current(&here) != 0 || narr_context_child(&here, &call) != 0) return -1;
    narr_context_enter(&call);
    narr_context_inject(&call, tp, ts, sizeof ts);
    snprintf(req, sizeof req, "GET /price?item=%s HTTP/1.0\r\ntraceparent: %s\r\n%s%s%s\r\n", item, tp,
             ts[0] ? "tracestate: " : "", ts, ts[0] ? "\r\n" : "");
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && http_write_all(fd, req, strlen(req)) == 0) {
        const char *body;
        http_read_head(fd, resp, sizeof resp);
        if ((body = strstr(resp, "\r\n\r\n")) != NULL) cents = atoi(body + 4);
    }
    if (fd >= 0) close(fd);
    narr_context_leave();
    return cents;
}

NARR_TRACE_FN static int checkout(int port, int nitems, char **items)
{
    int i, total = 0;
    for (i = 0; i < nitems; i++) {
        int c = fetch_price(port, items[i]);
        if (c < 0) return -1;
        total += c;
    }
    NARR_INFO("shop", "checkout", "basket", "%d items, %d cents", nitems, total);
    return total;
}

int main(int argc, char **argv)
{
    narr_context_t ctx;
    int total;
    if (argc < 3) {
        fprintf(stderr, "usage: pricing_client PORT ITEM...\n");
        return 2;
    }
    narr_context_new(&ctx, "checkout-1");
    narr_context_enter(&ctx);
    total = checkout(atoi(argv[1]), argc - 2, argv + 2);
    narr_context_leave();
    printf("total %d cents\n", total);
    return total < 0;
}
