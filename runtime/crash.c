/* runtime/crash.c - fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT). The handler uses
 * async-signal-safe calls only: it records which signal hit which thread in plain variables,
 * asks the consumer thread (alive and not in a signal handler) to deliver everything committed
 * so far plus a crash event and to flush every sink, waits for that with nanosleep (at most
 * NARR_CFG_CRASH_WAIT_NS), then runs the handler the program had installed before, if any, and
 * re-raises with the default action so the exit status still shows the signal. Each thread
 * gets an alternate signal stack when its ring is attached, so a stack overflow is handled
 * too. NARRATE_CRASH=off leaves the signals alone. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NFATAL (sizeof fatal / sizeof fatal[0])
static struct sigaction previous[NFATAL];
static int installed;
int narr__fatal_handler_on; /* ring.c guards string copies only when the handler can answer */

/* Shared with the consumer (consumer.c): 1 = deliver and flush now; 2 = done. */
int narr__crash_state;
int narr__crash_signal;
uint32_t narr__crash_tid;
static int crashing; /* the first fatal signal wins; later ones wait or die */

static void say(const char *s)
{
    ssize_t rc = write(2, s, strlen(s)); /* async-signal-safe; nothing to do if it fails */
    (void)rc;
}

static void wait_for_consumer(void)
{
    struct timespec nap = {0, 1000000};
    uint64_t waited = 0;
    while (__atomic_load_n(&narr__crash_state, __ATOMIC_ACQUIRE) != 2 && waited < NARR_CFG_CRASH_WAIT_NS) {
        nanosleep(&nap, NULL);
        waited += 1000000u;
    }
    if (waited >= NARR_CFG_CRASH_WAIT_NS) say("narrate: the consumer did not finish writing before the crash deadline\n");
}

static void on_fatal(int sig, siginfo_t *info, void *uctx)
{
    size_t i;
    int expected = 0;
    void **probe = narr__str_probe;
    if (probe != NULL && (sig == SIGSEGV || sig == SIGBUS)) {
        /* a captured string's bytes are not there (freed and unmapped, never a string): the copy
         * records that instead of the program dying of its tracing (ring.c) */
        sigset_t again;
        narr__str_probe = NULL;
        sigemptyset(&again); /* the jump skips the handler's return, which would unblock it */
        sigaddset(&again, sig);
        pthread_sigmask(SIG_UNBLOCK, &again, NULL);
        __builtin_longjmp(probe, 1);
    }
    if (__atomic_compare_exchange_n(&crashing, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        narr__crash_signal = sig;
        narr__crash_tid = narr__gettid();
        if (narr__on_consumer) {
            say("narrate: fatal signal on the consumer thread; events not yet written are lost\n");
        } else if (narr__consumer_running()) {
            __atomic_store_n(&narr__crash_state, 1, __ATOMIC_RELEASE);
            wait_for_consumer();
        }
    } else if (!narr__on_consumer) {
        wait_for_consumer(); /* another thread is crashing too: let the first one's write finish */
    }
    for (i = 0; i < NFATAL; i++) {
        if (fatal[i] != sig) continue;
        /* the program's own handler, if it had one, still runs */
        if ((previous[i].sa_flags & SA_SIGINFO) && previous[i].sa_sigaction != NULL) {
            previous[i].sa_sigaction(sig, info, uctx);
        } else if (!(previous[i].sa_flags & SA_SIGINFO) && previous[i].sa_handler != SIG_DFL &&
                   previous[i].sa_handler != SIG_IGN && previous[i].sa_handler != NULL) {
            previous[i].sa_handler(sig);
        }
    }
    /* then the default action, so the exit status names the signal (delivered on return) */
    signal(sig, SIG_DFL);
    raise(sig);
}

void narr__crash_install(void)
{
    const char *v = getenv("NARRATE_CRASH");
    struct sigaction sa;
    size_t i;
    if (installed) return;
    if (v != NULL && v[0] != '\0' && strcmp(v, "off") != 0 && strcmp(v, "on") != 0)
        fprintf(stderr, "narrate: NARRATE_CRASH='%s' is not on or off; on used\n", v);
    if (v != NULL && strcmp(v, "off") == 0) return;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < NFATAL; i++) sigaction(fatal[i], &sa, &previous[i]);
    installed = 1;
    __atomic_store_n(&narr__fatal_handler_on, 1, __ATOMIC_RELAXED);
    narr__altstack_attach();
}

/* An alternate stack for the calling thread, unless it has one; freed when its ring is. */
void *narr__altstack_attach(void)
{
    stack_t ss, old;
    if (!installed || sigaltstack(NULL, &old) != 0 || !(old.ss_flags & SS_DISABLE)) return NULL;
    ss.ss_sp = malloc(NARR_CFG_ALTSTACK);
    if (ss.ss_sp == NULL) return NULL;
    ss.ss_size = NARR_CFG_ALTSTACK;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL) != 0) {
        free(ss.ss_sp);
        return NULL;
    }
    return ss.ss_sp;
}

void narr__altstack_detach(void *mem)
{
    stack_t ss;
    if (mem == NULL) return;
    memset(&ss, 0, sizeof ss);
    ss.ss_flags = SS_DISABLE;
    if (sigaltstack(&ss, NULL) == 0) free(mem);
}
