/* runtime/fork.c - fork(): narrate's locks are taken before the fork (so no other thread holds
 * one when the child is made) and released after it in both processes. The child starts
 * clean: no rings (the parent's unconsumed events stay the parent's), no consumer (the thread
 * was not copied), no sinks (their buffers hold the parent's events; they are abandoned, not
 * flushed); its first event starts narrate again with the same configuration, files getting
 * the child's pid as a suffix (trace.trace -> trace.trace.<pid>). Forking from inside a sink
 * is not supported. */
#include <pthread.h>

#include "internal.h"

static void prepare(void)
{
    if (narr__on_consumer) return;
    narr__consumer_park(1); /* first: it may need any of the locks below to get there */
    narr__init_fork(NARR__FORK_PREPARE);
    narr__sinks_fork(NARR__FORK_PREPARE);
    narr__sites_fork(NARR__FORK_PREPARE);
    narr__filter_fork(NARR__FORK_PREPARE);
    narr__rings_fork(NARR__FORK_PREPARE);
    narr__consumer_fork(NARR__FORK_PREPARE);
}

static void parent(void)
{
    if (narr__on_consumer) return;
    narr__consumer_fork(NARR__FORK_PARENT);
    narr__rings_fork(NARR__FORK_PARENT);
    narr__filter_fork(NARR__FORK_PARENT);
    narr__sites_fork(NARR__FORK_PARENT);
    narr__sinks_fork(NARR__FORK_PARENT);
    narr__init_fork(NARR__FORK_PARENT);
    narr__consumer_park(0);
}

static void child(void)
{
    if (narr__on_consumer) return;
    narr__consumer_fork(NARR__FORK_CHILD);
    narr__rings_fork(NARR__FORK_CHILD);
    narr__filter_fork(NARR__FORK_CHILD);
    narr__sites_fork(NARR__FORK_CHILD);
    narr__sinks_fork(NARR__FORK_CHILD);
    narr__init_fork(NARR__FORK_CHILD); /* last: the next event restarts narrate */
}

static void fork_register(void)
{
    (void)pthread_atfork(prepare, parent, child);
}

void narr__fork_install(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, fork_register);
}
