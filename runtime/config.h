/* runtime/config.h - every tunable of the runtime in one place, checked at compile time. */
#ifndef NARR_RUNTIME_CONFIG_H
#define NARR_RUNTIME_CONFIG_H

#include "narrate/detail/fastpath.h"

/* Default per-thread ring (NARRATE_RING_SIZE overrides). */
#define NARR_CFG_RING_DEFAULT (1u << 20)
#define NARR_CFG_RING_MIN (1u << 12)
/* A thread whose ring the consumer finds half full gets one this many times larger, up to
 * NARR_CFG_RING_GROW_DEFAULT (NARRATE_RING_GROW overrides). */
#define NARR_CFG_RING_GROW_FACTOR 8u
#define NARR_CFG_RING_GROW_DEFAULT (32u << 20)
#define NARR_CFG_RING_MAX (1u << 30)

/* Bytes past the ring's end so a record is always contiguous: the largest record a call site
 * can reserve (header + 20 values, all strings at NARR_STR_MAX). */
#define NARR_CFG_RING_SLACK (NARR__REC_HDR + 20u * (8u + NARR__STR_MAX_LIMIT))

/* Consumer: with a raw sink (the trace file), how long text sinks may take per pass before the
 * raw sinks are served again. */
#define NARR_CFG_TEXT_SLICE_NS 50000ull
/* Without a raw sink, a pass still ends after this long (the rest waits for the next): the
 * consumer comes back to its loop often enough to park for a fork (which waits at most 1 s for
 * it) and to answer flushes, however slow its sinks. */
#define NARR_CFG_PASS_SLICE_NS 20000000ull
/* Consumer: under steady load, sinks write out at least this often. */
#define NARR_CFG_FLUSH_NS 2000000ull
/* Consumer: how long it sleeps when every ring is empty, and between calibrations. */
#define NARR_CFG_IDLE_SLEEP_NS 1000000L
/* Fatal signals: how long the handler waits for the consumer to write everything out; the
 * alternate signal stack given to each thread. */
#define NARR_CFG_CRASH_WAIT_NS 3000000000ull
#define NARR_CFG_ALTSTACK (64u << 10)
/* The consumer's stack when narrate restarts in a forked child. */
#define NARR_CFG_CONSUMER_STACK (1u << 20)

/* Start-up: how long a full ring waits for the consumer's first pass (once per process). */
#define NARR_CFG_START_WAIT_NS 50000000ull
/* Block mode: how long a producer waits for room before it drops (NARRATE_OVERLOAD=block:MS). */
#define NARR_CFG_BLOCK_NS 10000000ull
/* Default overload (auto), while an output keeps every event (a trace file, a text file): how
 * long a thread whose ring is full waits for the consumer before it drops (counted and said). */
#define NARR_CFG_AUTO_WAIT_NS 1000000000ull
#define NARR_CFG_CALIBRATE_PERIOD_NS 100000000L
/* Exit (and narr_shutdown): how long text outputs may take to write what the rings still hold
 * before the rest is skipped for them (counted and said; the trace file always gets it all). */
#define NARR_CFG_EXIT_WAIT_NS 10000000000ull

/* Whole-project tracing (functions traced by ALL_FUNCTIONS, not marked): one whose calls took
 * less than this on average over THROTTLE_CALLS in a row is switched off (NARRATE_MIN_DURATION). */
#define NARR_CFG_MIN_DURATION_NS 1000ull
#define NARR_CFG_THROTTLE_CALLS 256u

/* Largest formatted message; longer ones are cut and marked. */
#define NARR_CFG_MSG_MAX 8192u
#define NARR_CFG_TRUNC_MARK "...[truncated]"

/* Site registry: chunks of sites, allocated as ids grow. */
#define NARR_CFG_SITE_CHUNK 1024u
#define NARR_CFG_SITE_CHUNKS 4096u

/* Filter directives (NARRATE_LOG entries) kept. */
#define NARR_CFG_FILTER_MAX 64u

#define NARR_CFG_SINKS_MAX 64u

/* The build passes the project's version; a build outside CMake says so. */
#ifndef NARR_VERSION_STRING
#define NARR_VERSION_STRING "0.0.0-unversioned"
#endif

/* Tail sampling: a tree this slow is always kept (NARRATE_SAMPLE_SLOW_MS); the trees waiting
 * for their decision hold at most this much (NARRATE_SAMPLE_BUFFER); a thread's buffer larger
 * than KEEP_CAP is given back after its tree. */
#define NARR_CFG_SAMPLE_SLOW_NS 100000000ull
#define NARR_CFG_SAMPLE_BUFFER (8u << 20)
#define NARR_CFG_SAMPLE_KEEP_CAP (256u << 10)

_Static_assert((NARR_CFG_RING_DEFAULT & (NARR_CFG_RING_DEFAULT - 1)) == 0, "ring size must be a power of two");
_Static_assert(NARR_CFG_RING_MIN >= 2 * NARR__REC_HDR, "ring too small for a record");
_Static_assert(NARR_CFG_MSG_MAX > sizeof(NARR_CFG_TRUNC_MARK), "message bound below the marker");
_Static_assert(NARR_CFG_RING_SLACK < NARR_CFG_RING_MAX, "slack larger than any ring");

#endif /* NARR_RUNTIME_CONFIG_H */
