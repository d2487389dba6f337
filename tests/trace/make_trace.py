#!/usr/bin/python3
"""Writes a narrate trace from the format description alone (runtime/trace_format.h), as an
independent check of the reader: one thread calls work() 100 times taking 1..100 ms, and each
call makes one 0.5 ms call of leaf(); the 7th call of work fails; then rec() recurses three deep
(10, 6 and 2 ms); 5 events are lost at the end. With --predicted the same events are written
as the recorder writes them now: a PRAWEVENTS block (raw stamps, an exit's "@t0" as its
distance back plus one, addresses as the change from their slot's last one).
usage: make_trace.py [--v1 | --predicted] OUT"""
import struct
import sys


def v(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def s(text):
    b = text.encode()
    return v(len(b)) + b


def fnv1a(data):
    h = 2166136261
    for byte in data:
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h


def crc32c(data):
    c = 0xFFFFFFFF
    for byte in data:
        c ^= byte
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF


VERSION = 2  # --v1: the older checksum, which readers still accept
PREDICTED = False  # --predicted: version 4's PRAWEVENTS block
PRED = {}  # its address predictions by slot (one block: never reset)


def addr(sid, k, a):
    """An address, the k-th value of site sid."""
    if not PREDICTED:
        return v(a)
    slot = (sid * 8 + k) & 4095
    d = (a - PRED.get(slot, 0)) & 0xFFFFFFFFFFFFFFFF
    PRED[slot] = a
    d = d - (1 << 64) if d >> 63 else d
    return v(((d << 1) ^ (d >> 63)) & 0xFFFFFFFFFFFFFFFF)


def enter_stamp(t0, at):
    """An exit's "@t0": CLOCK_MONOTONIC ns, or in a PRAWEVENTS block its distance back plus one."""
    return v(at - t0 + 1) if PREDICTED else v(t0)


def block(kind, payload):
    check = crc32c(payload) if VERSION == 2 else fnv1a(payload)
    return struct.pack("<IIII", 0x4B4C424E, kind, len(payload), check) + payload


T_I64, T_U64, T_PTR, T_LIT = 1, 2, 5, 6
FN_ENTER, FN_EXIT = 8, 9
ERROR = 1


def site(sid, kind, fn, types, keys, flags=0, fmt=None):
    p = v(sid) + bytes([kind, 0, len(keys), len(types)]) + bytes(types) + v(flags) + v(10)
    p += s("synthetic") + s(fn) + s(fmt or fn) + s("synthetic.c") + s(fn)
    p += b"".join(s("") for t in types if t == T_LIT)  # a literal per T_LIT type (here the format slot)
    p += v(len(keys)) + b"".join(s(k) for k in keys)
    return p


def main(out):
    sites = b"".join([
        site(1, FN_ENTER, "work", [T_I64, T_PTR, T_U64, T_LIT], ["n", "@caller", "@depth"], fmt="work started"),
        site(2, FN_EXIT, "work", [T_I64, T_U64, T_LIT], ["result", "@t0"], fmt="work completed"),
        site(3, FN_EXIT, "work", [T_I64, T_U64, T_LIT], ["result", "@t0"], flags=ERROR, fmt="work failed"),
        site(4, FN_ENTER, "leaf", [T_PTR, T_U64, T_LIT], ["@caller", "@depth"], fmt="leaf started"),
        site(5, FN_EXIT, "leaf", [T_U64, T_LIT], ["@t0"], fmt="leaf completed"),
        site(6, FN_ENTER, "rec", [T_PTR, T_U64, T_LIT], ["@caller", "@depth"], fmt="rec started"),
        site(7, FN_EXIT, "rec", [T_U64, T_LIT], ["@t0"], fmt="rec completed"),
    ])
    ms = 1_000_000
    t = 1_000 * ms
    events, last, count = bytearray(), t, 0

    def ev(sid, at, values):
        nonlocal last, count
        events.extend(v(sid) + v(at - last) + values)
        last = at
        count += 1

    for i in range(1, 101):
        start = t
        ev(1, start, v(i * 2) + addr(1, 1, 0x401000 + (i % 3) * 0x10) + v(0))  # n = i (zigzag), caller, depth 0
        ev(4, start + ms // 4, addr(4, 0, 0x401100) + v(1))
        ev(5, start + ms // 4 + ms // 2, enter_stamp(start + ms // 4, start + ms // 4 + ms // 2))
        failed = i == 7
        ev(3 if failed else 2, start + i * ms, v(i * 2 if not failed else 1) + enter_stamp(start, start + i * ms))  # result i or -1
        t = start + i * ms + ms
    # then rec() calls itself twice: 10 ms in all, 6 ms, 2 ms; its total is the outermost 10 ms
    ev(6, t, addr(6, 0, 0x401200) + v(0))
    ev(6, t + 2 * ms, addr(6, 0, 0x401210) + v(1))
    ev(6, t + 4 * ms, addr(6, 0, 0x401210) + v(2))
    ev(7, t + 6 * ms, enter_stamp(t + 4 * ms, t + 6 * ms))
    ev(7, t + 8 * ms, enter_stamp(t + 2 * ms, t + 8 * ms))
    ev(7, t + 10 * ms, enter_stamp(t, t + 10 * ms))
    t += 11 * ms
    payload = v(42) + v(1_000 * ms) + v(count) + bytes(events)
    data = b"NARRTRC1" + struct.pack("<II", 4 if PREDICTED else VERSION, 0)
    data += block(5, s("synthetic@1"))
    data += block(2, v(1_000 * ms) + v(1_700_000_000 * 1_000 * ms))
    data += block(1, sites) + block(9 if PREDICTED else 3, payload)
    data += block(4, v(42) + v(t) + v(5))  # then 5 events lost on the thread
    with open(out, "wb") as fh:
        fh.write(data)


def gap(out):
    """Thread 7: mid() calls leaf(); the exits of both are lost (a drop record says 2 events);
    then mid() calls leaf() again, in full. Readers must show one complete mid -> leaf, not the
    second mid nested inside the first leaf."""
    sites = b"".join([
        site(1, FN_ENTER, "mid", [T_PTR, T_U64, T_LIT], ["@caller", "@depth"], fmt="mid started"),
        site(2, FN_EXIT, "mid", [T_U64, T_LIT], ["@t0"], fmt="mid completed"),
        site(3, FN_ENTER, "leaf", [T_PTR, T_U64, T_LIT], ["@caller", "@depth"], fmt="leaf started"),
        site(4, FN_EXIT, "leaf", [T_U64, T_LIT], ["@t0"], fmt="leaf completed"),
    ])
    ms = 1_000_000
    t0 = 1_000 * ms

    def events(evs):
        last, body = evs[0][1], bytearray()
        for sid, at, values in evs:
            body.extend(v(sid) + v(at - last) + values)
            last = at
        return v(7) + v(evs[0][1]) + v(len(evs)) + bytes(body)

    first = [(1, t0, v(0x401000) + v(0)), (3, t0 + ms, v(0x401100) + v(1))]
    second = [(1, t0 + 10 * ms, v(0x401000) + v(0)), (3, t0 + 11 * ms, v(0x401100) + v(1)),
              (4, t0 + 12 * ms, v(t0 + 11 * ms)), (2, t0 + 13 * ms, v(t0 + 10 * ms))]
    data = b"NARRTRC1" + struct.pack("<II", VERSION, 0)
    data += block(5, s("synthetic@1"))
    data += block(2, v(t0) + v(1_700_000_000 * 1_000 * ms))
    data += block(1, sites) + block(3, events(first))
    data += block(4, v(7) + v(t0 + 5 * ms) + v(2))  # mid's and leaf's exits, lost
    data += block(3, events(second))
    with open(out, "wb") as fh:
        fh.write(data)


if sys.argv[1] == "--v1":
    VERSION = 1
    del sys.argv[1]
elif sys.argv[1] == "--predicted":
    PREDICTED = True
    del sys.argv[1]
if sys.argv[1] == "--gap":
    gap(sys.argv[2])
else:
    main(sys.argv[1])
