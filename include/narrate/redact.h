/* narrate/redact.h - secret redaction, as the sinks apply it (one pass, no allocation when the
 * text is clean). Each sink has a policy: which kinds of secrets it removes. */
#ifndef NARR_REDACT_H
#define NARR_REDACT_H
/* built as C89/C99 (-pedantic): the C11 and GNU forms here are the library's, not the user's */
#if defined(__GNUC__) && !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#pragma GCC system_header
#endif

#include <stddef.h>

#include "detail/export.h"

NARR__EXTERN_C_BEGIN

#define NARR_REDACT_BEARER 0x01u /* "Bearer <token>" */
#define NARR_REDACT_KV 0x02u     /* password=..., api_key: ..., keeping the key (whole words only) */
#define NARR_REDACT_JWT 0x04u    /* eyJ...header.payload.signature */
#define NARR_REDACT_PEM 0x08u    /* -----BEGIN ... PRIVATE KEY----- blocks */
#define NARR_REDACT_URL 0x10u    /* scheme://user:password@host keeps scheme, user and host */
#define NARR_REDACT_UUID 0x20u   /* opt-in: 8-4-4-4-12 hex identifiers */
#define NARR_REDACT_DEFAULT (NARR_REDACT_BEARER | NARR_REDACT_KV | NARR_REDACT_JWT | NARR_REDACT_PEM | NARR_REDACT_URL)
#define NARR_REDACT_NONE 0u
#define NARR_REDACTED "[REDACTED]"

/* Called with consecutive pieces of the redacted text (pointers into the input, or the marker). */
typedef void (*narr_redact_emit_fn)(const char *piece, size_t len, void *ctx);

/* Redacts s[0..n) into emit (reads nothing outside it); returns how many secrets were removed. */
NARR_API size_t narr_redact(const char *s, size_t n, unsigned policy, narr_redact_emit_fn emit, void *ctx);

/* Convenience: into out (NUL-terminated, cut at cap); returns the count of secrets removed. */
NARR_API size_t narr_redact_to(const char *s, unsigned policy, char *out, size_t cap);

NARR__EXTERN_C_END

#endif /* NARR_REDACT_H */
