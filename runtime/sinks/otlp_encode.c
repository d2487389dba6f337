/* runtime/sinks/otlp_encode.c - OTLP trace data as protobuf (opentelemetry/proto/trace/v1) or as the
 * OTLP JSON mapping (hex ids, lowerCamelCase keys, 64-bit integers as strings). Shared by the
 * otlp sink and `narrate export --format otlp-json`. Strings come out valid UTF-8 (invalid
 * bytes become U+FFFD) and attribute values cut at a bound. Lists are written item by item;
 * in JSON each item starts with ',' and the closing writer drops the first one. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "narrate/redact.h"

/* ---- protobuf wire format ---- */
static void pb_varint(narr__buf_t *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    narr__buf_put(b, tmp, n);
}

static void pb_tag(narr__buf_t *b, unsigned field, unsigned wire)
{
    pb_varint(b, (uint64_t)field << 3 | wire);
}

static void pb_bytes(narr__buf_t *b, unsigned field, const void *p, size_t n)
{
    pb_tag(b, field, 2);
    pb_varint(b, n);
    narr__buf_put(b, p, n);
}

static void pb_fixed64(narr__buf_t *b, unsigned field, uint64_t v)
{
    unsigned char le[8];
    int i;
    for (i = 0; i < 8; i++) le[i] = (unsigned char)(v >> (8 * i));
    pb_tag(b, field, 1);
    narr__buf_put(b, le, 8);
}

/* A length-delimited field whose contents are already in `inner`. */
static void pb_message(narr__buf_t *b, unsigned field, const narr__buf_t *inner)
{
    pb_bytes(b, field, inner->p, inner->len);
}

/* A JSON string of text already clean (narr__utf8_clean): the sinks' own escaping. */
static void json_str(narr__buf_t *b, const char *s, size_t n)
{
    narr__buf_putc(b, '"');
    narr__text_put(b, s, n, NARR__ESC_JSON, NARR_REDACT_NONE);
    narr__buf_putc(b, '"');
}

static void json_hex(narr__buf_t *b, const uint8_t *id, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    size_t i;
    narr__buf_putc(b, '"');
    for (i = 0; i < n; i++) {
        narr__buf_putc(b, hexd[id[i] >> 4]);
        narr__buf_putc(b, hexd[id[i] & 15]);
    }
    narr__buf_putc(b, '"');
}

/* s cleaned to valid UTF-8 and cut at limit, as a protobuf string field or a JSON string. */
static void put_string(narr__buf_t *b, int json, unsigned field, const char *s, size_t n, size_t limit)
{
    narr__buf_t clean = {0};
    narr__utf8_clean(&clean, s, n, limit);
    if (json) json_str(b, clean.p ? clean.p : "", clean.len);
    else pb_bytes(b, field, clean.p ? clean.p : "", clean.len);
    narr__buf_free(&clean);
}

/* ---- attributes: KeyValue { key = 1; AnyValue value = 2 { string 1, bool 2, int 3, double 4 } } ---- */
void narr__otlp_attr_str(narr__buf_t *list, int json, unsigned field, const char *key, const char *v, size_t n,
                         size_t limit)
{
    if (json) {
        narr__buf_put(list, ",{\"key\":", 8);
        put_string(list, 1, 0, key, strlen(key), limit);
        narr__buf_put(list, ",\"value\":{\"stringValue\":", 24);
        put_string(list, 1, 0, v, n, limit);
        narr__buf_put(list, "}}", 2);
    } else {
        narr__buf_t kv = {0}, any = {0};
        put_string(&kv, 0, 1, key, strlen(key), limit);
        put_string(&any, 0, 1, v, n, limit);
        pb_message(&kv, 2, &any);
        pb_message(list, field, &kv);
        narr__buf_free(&any);
        narr__buf_free(&kv);
    }
}

void narr__otlp_attr_int(narr__buf_t *list, int json, unsigned field, const char *key, int64_t v)
{
    if (json) {
        narr__buf_put(list, ",{\"key\":", 8);
        put_string(list, 1, 0, key, strlen(key), SIZE_MAX);
        narr__buf_printf(list, ",\"value\":{\"intValue\":\"%lld\"}}", (long long)v);
    } else {
        narr__buf_t kv = {0}, any = {0};
        put_string(&kv, 0, 1, key, strlen(key), SIZE_MAX);
        pb_tag(&any, 3, 0);
        pb_varint(&any, (uint64_t)v);
        pb_message(&kv, 2, &any);
        pb_message(list, field, &kv);
        narr__buf_free(&any);
        narr__buf_free(&kv);
    }
}

/* "key":[...] around items that each start with ','; lead: a ',' before the key. */
static void json_list(narr__buf_t *b, const char *key, const narr__buf_t *items, int lead)
{
    narr__buf_printf(b, "%s\"%s\":[", lead ? "," : "", key);
    if (items->len > 1) narr__buf_put(b, items->p + 1, items->len - 1);
    narr__buf_putc(b, ']');
}

/* ---- Span.Event { time_unix_nano = 1 (fixed64); name = 2; attributes = 3 } ---- */
void narr__otlp_event(narr__buf_t *list, int json, uint64_t time_ns, const char *name, const narr__buf_t *attrs)
{
    if (json) {
        narr__buf_printf(list, ",{\"timeUnixNano\":\"%llu\",\"name\":", (unsigned long long)time_ns);
        put_string(list, 1, 0, name, strlen(name), SIZE_MAX);
        json_list(list, "attributes", attrs, 1);
        narr__buf_putc(list, '}');
    } else {
        narr__buf_t ev = {0};
        pb_fixed64(&ev, 1, time_ns);
        put_string(&ev, 0, 2, name, strlen(name), SIZE_MAX);
        narr__buf_put(&ev, attrs->p, attrs->len); /* KeyValues encoded as field 3 */
        pb_message(list, 11, &ev);
        narr__buf_free(&ev);
    }
}

static int nonzero(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i]) return 1;
    return 0;
}

/* ---- Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6, start 7, end 8,
 *      attributes 9, events 11, status 15 { message 2, code 3 } ---- */
void narr__otlp_span(narr__buf_t *list, int json, const narr__otlp_span_t *s)
{
    if (json) {
        narr__buf_put(list, ",{\"traceId\":", 12);
        json_hex(list, s->trace_id, 16);
        narr__buf_put(list, ",\"spanId\":", 10);
        json_hex(list, s->span_id, 8);
        if (nonzero(s->parent_span_id, 8)) {
            narr__buf_put(list, ",\"parentSpanId\":", 16);
            json_hex(list, s->parent_span_id, 8);
        }
        narr__buf_put(list, ",\"name\":", 8);
        put_string(list, 1, 0, s->name, strlen(s->name), SIZE_MAX);
        narr__buf_printf(list, ",\"kind\":%d,\"startTimeUnixNano\":\"%llu\",\"endTimeUnixNano\":\"%llu\"", s->kind,
                         (unsigned long long)s->start_ns, (unsigned long long)s->end_ns);
        json_list(list, "attributes", &s->attrs, 1);
        if (s->events.len > 0) json_list(list, "events", &s->events, 1);
        narr__buf_printf(list, ",\"status\":{\"code\":%d", s->error ? 2 : 0);
        if (s->error && s->status_message != NULL) {
            narr__buf_put(list, ",\"message\":", 11);
            put_string(list, 1, 0, s->status_message, strlen(s->status_message), SIZE_MAX);
        }
        narr__buf_put(list, "}}", 2);
    } else {
        narr__buf_t sp = {0}, st = {0};
        pb_bytes(&sp, 1, s->trace_id, 16);
        pb_bytes(&sp, 2, s->span_id, 8);
        if (nonzero(s->parent_span_id, 8)) pb_bytes(&sp, 4, s->parent_span_id, 8);
        put_string(&sp, 0, 5, s->name, strlen(s->name), SIZE_MAX);
        pb_tag(&sp, 6, 0);
        pb_varint(&sp, (uint64_t)s->kind);
        pb_fixed64(&sp, 7, s->start_ns);
        pb_fixed64(&sp, 8, s->end_ns);
        narr__buf_put(&sp, s->attrs.p, s->attrs.len);   /* KeyValues as field 9 */
        narr__buf_put(&sp, s->events.p, s->events.len); /* Events as field 11 */
        if (s->error) {
            if (s->status_message != NULL) put_string(&st, 0, 2, s->status_message, strlen(s->status_message), SIZE_MAX);
            pb_tag(&st, 3, 0);
            pb_varint(&st, 2); /* STATUS_CODE_ERROR */
        }
        pb_message(&sp, 15, &st);
        pb_message(list, 2, &sp); /* ScopeSpans.spans */
        narr__buf_free(&st);
        narr__buf_free(&sp);
    }
}

/* ExportTraceServiceRequest { ResourceSpans resource_spans = 1 { Resource resource = 1
 * { attributes = 1 }; ScopeSpans scope_spans = 2 { InstrumentationScope scope = 1 { name 1,
 * version 2 }; spans = 2 } } } */
void narr__otlp_request(narr__buf_t *out, int json, const narr__buf_t *resource_attrs, const narr__buf_t *spans)
{
    if (json) {
        narr__buf_put(out, "{\"resourceSpans\":[{\"resource\":{", 31);
        json_list(out, "attributes", resource_attrs, 0);
        narr__buf_printf(out, "},\"scopeSpans\":[{\"scope\":{\"name\":\"narrate\",\"version\":\"%s\"}", NARR_VERSION_STRING);
        json_list(out, "spans", spans, 1);
        narr__buf_put(out, "}]}]}\n", 6);
    } else {
        narr__buf_t rs = {0}, res = {0}, ss = {0}, scope = {0};
        narr__buf_put(&res, resource_attrs->p, resource_attrs->len); /* KeyValues as field 1 */
        put_string(&scope, 0, 1, "narrate", 7, SIZE_MAX);
        put_string(&scope, 0, 2, NARR_VERSION_STRING, strlen(NARR_VERSION_STRING), SIZE_MAX);
        pb_message(&ss, 1, &scope);
        narr__buf_put(&ss, spans->p, spans->len);
        pb_message(&rs, 1, &res);
        pb_message(&rs, 2, &ss);
        pb_message(out, 1, &rs);
        narr__buf_free(&rs);
        narr__buf_free(&res);
        narr__buf_free(&ss);
        narr__buf_free(&scope);
    }
}
