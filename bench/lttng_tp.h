/* bench/lttng_tp.h - the LTTng-UST tracepoint the benchmark compares against: one int field,
 * the same payload as narrate's tiny event. */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER narrbench
#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./lttng_tp.h"

#if !defined(NARR_BENCH_LTTNG_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define NARR_BENCH_LTTNG_TP_H

#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(narrbench, tick,
    LTTNG_UST_TP_ARGS(int, i),
    LTTNG_UST_TP_FIELDS(lttng_ust_field_integer(int, i, i)))

#endif

#include <lttng/tracepoint-event.h>
