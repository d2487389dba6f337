/* runtime/trace_format.h - the binary trace file, shared by the trace sink and the narrate tool.
 *
 * file   := header block*
 * header := "NARRTRC1" u32 version u32 0                      (16 bytes, little-endian)
 * block  := u32 'NBLK' u8 type u8[3] 0 u32 len u32 check(payload) payload[len]
 * check  := version 2 (written now): CRC-32C (Castagnoli, reflected, init and final xor ~0);
 *           version 1 (still read): 32-bit FNV-1a. Both versions are otherwise the same.
 * Blocks are written whole, with one write(), so a writer that dies leaves a readable prefix;
 * a reader stops at the first block whose length or checksum does not hold.
 *
 * SITES  payload: { v id, u8 kind, u8 level, u8 npre, u8 ntypes, u8 types[ntypes], v flags, v line,
 *                   s actor, s action, s fmt, s file, s func, (s lit, for each NARR__T_LIT type),
 *                   v nkeys, s key[nkeys] }*
 * CALIB  payload: v mono_ns, v real_ns                     (CLOCK_MONOTONIC to CLOCK_REALTIME)
 * RAWEVENTS payload (version 3): v tid, v base_raw, v count, { v site, v delta_raw, values }*
 *                 stamps in the recorder's raw clock, converted by the CLOCK block last read
 *                 before it in file order (the conversion the live consumer used); a "@t0"
 *                 value is stored as (stamp - t0 + 1), 0 when unknown; PTR values are 8
 *                 bytes as recorded.
 * PRAWEVENTS payload (version 4, written now): RAWEVENTS whose PTR values are predicted: each is
 *                 zigzag v (address - prediction), where the prediction is the address last
 *                 written in the same slot of this block, 0 at the block's start; the slot of
 *                 the k-th value (LIT and format slot not counted) of site id is
 *                 narr__pred_slot(id, k). The same object passed again (a context pointer, the
 *                 caller of a call site) takes one byte instead of eight.
 * EVENTS payload: v tid, v base_mono_ns, v count, { v site, v delta_ns, values }*
 *                 values follow the site's types (format slot and literals carry nothing):
 *                 I64 zigzag v; U64 BOOL PTR v; F64 8 bytes; STR v header (length | flags) + bytes;
 *                 ENUM zigzag v + s name (v 0 when none); a NARRATE site: v len + its raw record.
 *                 A "@t0" value (an exit's enter stamp) is stored as CLOCK_MONOTONIC ns.
 *                 Context records (sites of kind NARR_KIND_CONTEXT / _LEAVE: a thread entered
 *                 a context, with its trace id, span, parent span, flags | depth << 16 and
 *                 correlation id; or left one, with the depth after) are written among the
 *                 events: readers follow each thread's context and link processes by them.
 * DROPS  payload: v tid, v mono_ns, v count   events of the thread lost right there (in file
 *                 order among its events: placed by the ring's loss records)
 * META   payload: s program (name@version)[, v pid[, v redaction]], first in the file; redaction
 *                 is the narr_redact policy applied to values before they were written (0: none,
 *                 NARRATE_TRACE_KEEP_SECRETS=1)
 * THREAD payload: v tid, s name        a thread's name (its comm), written before its events
 *                 and again when it changes; the latest one read is the thread's name
 * CLOCK  payload: v is_tsc, v raw, v mono_ns, v ns_per_tick (32.32 fixed point)[, f64 ns_per_tick]:
 *                 a point of the recorder's raw clock (recovery files, runtime/recover.c: ring
 *                 stamps are raw; RAWEVENTS). A stamp raw' converts by the last point read
 *                 whose raw <= raw' (the first point for a stamp below them all):
 *                 mono = mono_ns + (raw' - raw) * ns_per_tick, or mono_ns - (raw - raw') *
 *                 ns_per_tick below the point; the exact double, when present, gives the live
 *                 consumer's numbers to the nanosecond (it converts every stamp the same way,
 *                 whenever it converts it, runtime/record/clock.c).
 * END    payload: v how (0: closed at exit or narr_shutdown, 1: flushed by the crash handler):
 *                 the writer finished the file; a file without it was cut, is still being
 *                 written, or its program was killed (readers say so).
 * v = unsigned LEB128; s = v length + bytes. */
#ifndef NARR_RUNTIME_TRACE_FORMAT_H
#define NARR_RUNTIME_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define NARR_TRACE_MAGIC "NARRTRC1"
#define NARR_TRACE_VERSION 4u /* the one written; 1 to 4 are read */
#define NARR_TRACE_BLOCK_MAGIC 0x4b4c424eu /* "NBLK" */
#define NARR_TRACE_HEADER 16u
#define NARR_TRACE_BLOCK_HEADER 16u
#define NARR_TRACE_BLOCK_MAX (1u << 20) /* larger lengths mean damage */

enum { NARR_TB_SITES = 1, NARR_TB_CALIB = 2, NARR_TB_EVENTS = 3, NARR_TB_DROPS = 4, NARR_TB_META = 5, NARR_TB_CLOCK = 6,
       NARR_TB_RAWEVENTS = 7, NARR_TB_THREAD = 8, NARR_TB_PRAWEVENTS = 9, NARR_TB_END = 10 };

/* PRAWEVENTS: the prediction table of a block (a slot per site and value, hashed) */
#define NARR_TRACE_PRED_SLOTS 4096u
static inline unsigned narr__pred_slot(uint32_t site, unsigned k)
{
    return (site * 8u + k) & (NARR_TRACE_PRED_SLOTS - 1u);
}

static inline uint32_t narr__fnv1a(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

static inline uint64_t narr__zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t narr__unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Writes v as LEB128 at p (room for 10 bytes); returns the end. */
static inline unsigned char *narr__put_v_raw(unsigned char *p, uint64_t v)
{
    if (__builtin_expect(v < 0x80, 1)) { /* site ids, time deltas, small values: one or two bytes, no loop */
        *p = (unsigned char)v;
        return p + 1;
    }
    if (v < 0x4000) {
        p[0] = (unsigned char)(v | 0x80);
        p[1] = (unsigned char)(v >> 7);
        return p + 2;
    }
    if (v < 0x200000) { /* counters, raw stamp deltas under valgrind: still no loop */
        p[0] = (unsigned char)(v | 0x80);
        p[1] = (unsigned char)((v >> 7) | 0x80);
        p[2] = (unsigned char)(v >> 14);
        return p + 3;
    }
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

/* A raw stamp in CLOCK_MONOTONIC ns by a CLOCK point, exactly as the live consumer computes it. */
static inline uint64_t narr__raw_to_mono(uint64_t raw, uint64_t at_raw, uint64_t at_mono, double ns_per_tick)
{
    double d = (double)(raw >= at_raw ? raw - at_raw : at_raw - raw) * ns_per_tick;
    uint64_t n = d >= 0.0 && d < 1.8e19 ? (uint64_t)d : 0; /* (a damaged file's rate: no undefined conversion) */
    return raw >= at_raw ? at_mono + n : at_mono - n;
}

/* Reads a LEB128 value at *p (< end); 0 on success, -1 when truncated or too long. */
static inline int narr__get_v(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    if (*p < end && !(**p & 0x80)) { /* most values fit one byte */
        *out = *(*p)++;
        return 0;
    }
    while (*p < end && shift < 64) {
        unsigned char b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
        shift += 7;
    }
    return -1;
}

#endif /* NARR_RUNTIME_TRACE_FORMAT_H */
