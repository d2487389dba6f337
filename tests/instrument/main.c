#include <signal.h>
#include <stdio.h>

static void on_term(int sig) { (void)sig; }

int twice(int x) { typeof(x) y = x * 2; return y; }

int bufsz(void) { return BUFFER_SIZE; }

#ifdef FAST_PATH
int path(void) { return 1; }
#else
int path(void) { return 0; }
#endif

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    printf("%d %d %d\n", twice(21), bufsz(), path());
    return 0;
}
