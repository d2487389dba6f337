/* tests/fuzz/fuzz_inputs.c - libFuzzer target for narrate's other readers: the recovery ring
 * files (`narrate recover`), W3C traceparent/tracestate (narr_context_extract), the
 * NARRATE_LOG filter, the redactor (on text that is not NUL-terminated; its output must hold no
 * raw newline it did not get), the console writer (names and values from the input: one line
 * per event, always), and the narration-record rewriter the trace file uses. The first byte
 * picks the reader. Nothing may crash, leak or read out of bounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "narrate/context.h"
#include "narrate/redact.h"
#include "reader.h"
#include "trace_format.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* A sites file with two sites, as a recording process writes it. */
static narr_trace_t *sites(void)
{
    static const unsigned char types[] = {NARR__T_LIT, NARR__T_I64, NARR__T_STR};
    static const char *const lits[] = {0, 0, 0};
    static narr_site_t a = {"fz", "ev", "n=%lld s=%s", "fz.c", "f", types, lits, 1, NARR_LEVEL_TRACE, NARR_KIND_TINY,
                            3, 0, 0, 0, 0, 0, 0};
    static narr_site_t b = {"fz", "fn", "fn", "fz.c", "fn", types, lits, 2, NARR_LEVEL_TRACE, NARR_KIND_ENTER,
                            1, 0, 0, 0, 0, 0, 0};
    narr__buf_t file = {0}, p = {0}, block = {0};
    uint32_t hdr[2] = {NARR_TRACE_VERSION, 0};
    char err[128];
    narr__buf_put(&file, NARR_TRACE_MAGIC, 8);
    narr__buf_put(&file, hdr, sizeof hdr);
    narr__trace_site(&p, &a, 1, 1);
    narr__trace_site(&p, &b, 2, 1);
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
    switch (data[0] % 6) {
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
    case 3: { /* the redactor, on exactly the input's bytes (a copy with no NUL after it) */
        unsigned char *img = malloc(size - 1 ? size - 1 : 1);
        narr__buf_t out = {0};
        size_t i, nl_in = 0, nl_out = 0;
        if (img == NULL) return 0;
        memcpy(img, data + 1, size - 1);
        (void)narr__redact_append(&out, (const char *)img, size - 1);
        for (i = 0; i + 1 < size; i++) nl_in += img[i] == '\n';
        for (i = 0; i < out.len; i++) nl_out += out.p[i] == '\n';
        if (nl_out > nl_in) abort(); /* redaction never makes lines */
        narr__buf_free(&out);
        free(img);
        break;
    }
    case 4: { /* the console writer: actor, action, one extra key and value, text, all hostile */
        char *s = text(data + 1, size - 1), *part[5] = {0};
        narr_event_t ev;
        narr_kv_t kv;
        narr__buf_t line = {0};
        size_t i, k = 0;
        if (s == NULL) return 0;
        part[0] = s;
        for (i = 0; i + 1 < size && k < 4; i++)
            if (s[i] == '|') s[i] = '\0', part[++k] = s + i + 1;
        memset(&ev, 0, sizeof ev);
        memset(&kv, 0, sizeof kv);
        ev.level = NARR_LEVEL_INFO;
        ev.actor = part[0];
        ev.action = part[1] ? part[1] : "";
        kv.key = part[2] ? part[2] : "";
        kv.value = part[3] ? part[3] : "";
        kv.value_len = strlen(kv.value);
        ev.kv = &kv;
        ev.nkv = 1;
        ev.message = part[4] ? part[4] : "";
        ev.message_len = strlen(ev.message);
        (void)narr__console_line(&line, &ev, 0, NARR_MODE_HUMAN, NARR_REDACT_DEFAULT);
        if (line.len == 0 || memchr(line.p, '\n', line.len) != line.p + line.len - 1) abort(); /* one line */
        narr__buf_free(&line);
        free(s);
        break;
    }
    case 5: { /* a narration record, rewritten with its secrets out (the trace file's path) */
        unsigned char *img = malloc(size - 1 ? size - 1 : 1);
        narr__buf_t out = {0};
        if (img == NULL) return 0;
        memcpy(img, data + 1, size - 1);
        (void)narr__narration_redacted(&out, img, size - 1);
        narr__buf_free(&out);
        free(img);
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
