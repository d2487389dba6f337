/* tests/fuzz/fuzz_inputs.c - libFuzzer target for narrate's other readers: the recovery ring
 * files (`narrate recover`), W3C traceparent/tracestate (narr_context_extract), and the
 * NARRATE_LOG filter. The first byte picks the reader. Nothing may crash, leak or read out of
 * bounds. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "narrate/context.h"
#include "reader.h"
#include "trace_format.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* A sites file with two sites, as a recording process writes it. */
static narr_trace_t *sites(void)
{
    static const unsigned char types[] = {NARR__T_LIT, NARR__T_I64, NARR__T_STR};
    static const char *const lits[] = {0, 0, 0};
    static narr_site_t a = {"fz", "ev", "n=%lld s=%s", "fz.c", "f", types, lits, 1, NARR_LEVEL_TRACE, NARR_KIND_TINY,
                            3, 0, 0, 0, 0, 0};
    static narr_site_t b = {"fz", "fn", "fn", "fz.c", "fn", types, lits, 2, NARR_LEVEL_TRACE, NARR_KIND_ENTER,
                            1, 0, 0, 0, 0, 0};
    narr__buf_t file = {0}, p = {0}, block = {0};
    uint32_t hdr[2] = {NARR_TRACE_VERSION, 0};
    char err[128];
    narr__buf_put(&file, NARR_TRACE_MAGIC, 8);
    narr__buf_put(&file, hdr, sizeof hdr);
    narr__trace_site(&p, &a, 1);
    narr__trace_site(&p, &b, 2);
    narr__trace_block(&block, NARR_TB_SITES, &p);
    narr__buf_put(&file, block.p, block.len);
    narr__buf_free(&p);
    narr__buf_free(&block);
    return narr_trace_parse((unsigned char *)file.p, file.len, err, sizeof err); /* takes the image */
}

static char *text(const unsigned char *d, size_t n)
{
    char *s = malloc(n + 1);
    if (s == NULL) return NULL;
    memcpy(s, d, n);
    s[n] = '\0';
    return s;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static narr_trace_t *t;
    if (size < 1) return 0;
    if (t == NULL) t = sites();
    switch (data[0] % 3) {
    case 0: { /* a ring file: its header is the runtime's own struct, then the records */
        uint64_t dropped;
        char why[256];
        unsigned char *img = malloc(size - 1 + 1);
        if (img == NULL) return 0;
        memcpy(img, data + 1, size - 1);
        (void)narr_recover_ring_image(t, img, size - 1, &dropped, why, sizeof why);
        free(img);
        break;
    }
    case 1: { /* traceparent, then tracestate after a NUL */
        char *s = text(data + 1, size - 1);
        narr_context_t c;
        char tp[NARR_TRACEPARENT_LEN + 1], ts[NARR_TRACESTATE_MAX + 1];
        if (s == NULL) return 0;
        if (narr_context_extract(s, s + strlen(s), &c) == 0) (void)narr_context_inject(&c, tp, ts, sizeof ts);
        free(s);
        break;
    }
    default: { /* NARRATE_LOG */
        char *s = text(data + 1, size - 1);
        if (s == NULL) return 0;
        (void)narr__filter_parse(s);
        (void)narr__filter_for("actor", "func");
        free(s);
        break;
    }
    }
    return 0;
}
