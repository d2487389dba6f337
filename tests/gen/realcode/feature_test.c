/* Feature-test macros before the first include, strict C99: the traced twin must see them
 * before any system header (struct sigaction, gmtime_r, fileno). */
// cflags: -std=c99
// expect: setup fn_exit 1
// expect: year fn_exit 1
#define _XOPEN_SOURCE 600
#include <signal.h>
#include <stdio.h>
#include <time.h>

static void on_term(int sig) { (void)sig; }

int setup(void)
{
    struct sigaction sa;
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    return sigaction(SIGTERM, &sa, NULL);
}

int year(long when)
{
    time_t t = (time_t)when;
    struct tm tmv;
    gmtime_r(&t, &tmv);
    return tmv.tm_year + 1900;
}

int main(void)
{
    printf("%d %d %d\n", setup(), year(86400L * 365), fileno(stdout) >= 0);
    return 0;
}
