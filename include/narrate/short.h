/* narrate/short.h - opt-in short names for the narrate macros (TRACE_TINY, ...). */
#ifndef NARR_SHORT_H
#define NARR_SHORT_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

#include "narrate.h"

#define TRACE_TINY NARR_TRACE_TINY
#define TRACE_CORR NARR_TRACE_CORR
#define TRACE_ENTER NARR_TRACE_ENTER
#define TRACE_EXIT NARR_TRACE_EXIT
#define TRACE_LOOP NARR_TRACE_LOOP
#define TRACE_STATE NARR_TRACE_STATE
#define TRACE_FN NARR_TRACE_FN
#define TRACE_FN_WITH NARR_TRACE_FN_WITH
#ifdef NARR_NARRATE
#define NARRATE NARR_NARRATE
#endif

#endif /* NARR_SHORT_H */
