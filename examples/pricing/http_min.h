/* examples/pricing/http_min.h - just enough HTTP/1.0 over loopback sockets for the example
 * (no library, one request per connection). Not part of narrate. */
#ifndef PRICING_HTTP_MIN_H
#define PRICING_HTTP_MIN_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Reads until the blank line that ends the headers (or the buffer is full). */
static inline int http_read_head(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL) break;
    }
    buf[n] = '\0';
    return (int)n;
}

/* The value of header `name` in a request's head, copied into out ("" when absent). */
static inline void http_header(const char *head, const char *name, char *out, size_t cap)
{
    size_t len = strlen(name);
    const char *p = head;
    out[0] = '\0';
    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, len) == 0 && p[len] == ':') {
            const char *v = p + len + 1, *end;
            while (*v == ' ') v++;
            end = strstr(v, "\r\n");
            if (end == NULL) end = v + strlen(v);
            if ((size_t)(end - v) < cap) {
                memcpy(out, v, (size_t)(end - v));
                out[end - v] = '\0';
            }
            return;
        }
    }
}

static inline int http_write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

#endif
