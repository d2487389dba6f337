#!/usr/bin/python3
"""An independent reader of narrate's trace format (runtime/trace_format.h), written from the
format description and the README's rules, to check the figures the narrate command prints.

Calls are rebuilt per thread in file order: an enter's recorded depth, or an exit of a frame
below, closes the thread's frames above it. A closed frame that was open when a loss on its
thread was read (a DROPS block) is cut short and not counted; otherwise a longjmp unwound it: it
ends at the event that showed it and counts. Frames open at the end count up to their thread's
last event (cut short when a loss was read while they were open); an exit with no open frame of
its function is unmatched. Per function: calls, total (outermost calls
only: none of the same function open beneath), self (time outside traced callees).

Call trees: per thread, a node per path of function names from the root, made when a call of
that path begins (so a call cut short leaves its node, its callees beneath it); its calls, total
and self are the counted calls of that path; `narrate tree` must print exactly these nodes.

Events in time order: every thread's events and drop records sorted by time, equal times in file
order; `narrate cat` must print them in that order (it merges the threads' blocks as it reads).

usage: read_trace.py TRACE NARRATE   compares with `narrate check`, `narrate stats` and
                                     `narrate cat --json`, exit 1 on a difference"""
import json
import re
import struct
import subprocess
import sys

T_I64, T_U64, T_F64, T_STR, T_PTR, T_LIT, T_BOOL, T_ENUM = 1, 2, 3, 4, 5, 6, 7, 8
K_ENTER, K_EXIT, K_FN_ENTER, K_FN_EXIT, K_NARRATE, K_CONTEXT = 2, 3, 8, 9, 10, 11
KIND_NAMES = ["tiny", "corr", "enter", "exit", "loop", "state", "log", "drop", "fn_enter", "fn_exit", "narrate"]
B_SITES, B_CALIB, B_EVENTS, B_DROPS, B_META, B_CLOCK, B_RAW, B_THREAD, B_PRAW = 1, 2, 3, 4, 5, 6, 7, 8, 9
PRED_SLOTS = 4096


class Buf:
    def __init__(self, data):
        self.d, self.i = data, 0

    def v(self):
        out, shift = 0, 0
        while True:
            b = self.d[self.i]
            self.i += 1
            out |= (b & 0x7F) << shift
            if not b & 0x80:
                return out
            shift += 7

    def s(self):
        n = self.v()
        self.i += n
        return self.d[self.i - n:self.i]

    def u8(self):
        self.i += 1
        return self.d[self.i - 1]

    def raw(self, n):
        self.i += n
        return self.d[self.i - n:self.i]

    def left(self):
        return self.i < len(self.d)


def unzigzag(x):
    return (x >> 1) ^ -(x & 1)


class Site:
    def __init__(self, b):
        self.id = b.v()
        self.kind, self.level, self.npre, ntypes = b.u8(), b.u8(), b.u8(), b.u8()
        self.types = list(b.raw(ntypes))
        self.flags, self.line = b.v(), b.v()
        self.actor, self.action, self.fmt, self.file, self.func = (b.s().decode() for _ in range(5))
        for t in self.types:
            if t == T_LIT:
                b.s()
        self.keys = [b.s().decode() for _ in range(b.v())]
        # values in the payload: every type but the format slot and literals
        self.values = [t for i, t in enumerate(self.types) if i != self.npre and t != T_LIT]
        named = [self.keys[i] if i < len(self.keys) else "" for i, t in enumerate(self.types)
                 if i != self.npre and t != T_LIT]
        self.depth_at = named.index("@depth") if "@depth" in named and self.kind in (K_ENTER, K_FN_ENTER) else -1


class Calls:
    def __init__(self):
        self.stacks = {}  # tid -> [[fn, start, children, losses_at_start]]
        self.losses = {}  # tid -> drop records read
        self.last = {}    # tid -> its latest event's time
        self.figs = {}    # fn -> [calls, total, self]
        self.paths = {}   # (tid, (fn, ...) from its root) -> [calls, total, self]: `narrate tree`'s nodes
        self.unwound = self.cut = self.open_end = self.unmatched_exit = 0

    def _close(self, tid, st, at, complete, at_end=False):
        fn, start, kids, losses, path = st.pop()
        if not complete and self.losses.get(tid, 0) != losses:
            self.cut += 1
            if st:  # not counted: its callees' time is its caller's callees' time
                st[-1][2] += kids
            return
        if at_end:
            self.open_end += 1
        elif not complete:
            self.unwound += 1
        dur = max(at - start, 0)
        f = self.figs.setdefault(fn, [0, 0, 0])
        f[0] += 1
        if all(fr[0] != fn for fr in st):
            f[1] += dur
        f[2] += max(dur - kids, 0)
        p = self.paths[(tid, path)]
        p[0] += 1
        p[1] += dur
        p[2] += max(dur - kids, 0)
        if st:
            st[-1][2] += dur

    def enter(self, tid, fn, at, depth):
        st = self.stacks.setdefault(tid, [])
        if depth is not None:
            while len(st) > depth:
                self._close(tid, st, at, False)
        path = (st[-1][4] if st else ()) + (fn,)  # (a node is made when a call of its path begins)
        self.paths.setdefault((tid, path), [0, 0, 0])
        st.append([fn, at, 0, self.losses.get(tid, 0), path])

    def exit(self, tid, fn, at):
        st = self.stacks.setdefault(tid, [])
        k = max((i for i, fr in enumerate(st) if fr[0] == fn), default=None)
        if k is None:
            self.unmatched_exit += 1
            return
        while len(st) > k + 1:
            self._close(tid, st, at, False)
        self._close(tid, st, at, True)

    def lost(self, tid, at):
        self.losses[tid] = self.losses.get(tid, 0) + 1
        self.seen(tid, at)

    def seen(self, tid, at):
        self.last[tid] = max(self.last.get(tid, 0), at)

    def end(self):
        for tid, st in self.stacks.items():
            while st:
                self._close(tid, st, self.last.get(tid, 0), False, at_end=True)


def read(path):
    data = open(path, "rb").read()
    assert data[:8] == b"NARRTRC1", "not a narrate trace"
    version = struct.unpack_from("<I", data, 8)[0]
    sites, calls = {}, Calls()
    order = []  # (time, file order, thread, what cat --json shows as kind and action)
    clock = None  # (is_tsc, raw, mono, ns_per_tick) of the last CLOCK block
    last_mono = {}
    events = dropped = 0
    off = 16
    while off + 16 <= len(data):
        magic, kind, length, _check = struct.unpack_from("<IIII", data, off)
        assert magic == 0x4B4C424E, f"block magic at {off}"
        b = Buf(data[off + 16:off + 16 + length])
        off += 16 + length
        if kind == B_SITES:
            while b.left():
                s = Site(b)
                sites[s.id] = s
        elif kind == B_CLOCK:
            is_tsc, raw, mono, rate = b.v(), b.v(), b.v(), b.v()
            per = rate / 4294967296.0
            if len(b.d) - b.i >= 8:
                per = struct.unpack_from("<d", b.d, b.i)[0]
            clock = (is_tsc, raw, mono, per)
        elif kind == B_DROPS:
            tid, mono, n = b.v(), b.v(), b.v()
            dropped += n
            calls.lost(tid, mono)
            order.append((mono, len(order), tid, ("drop", "dropped")))
        elif kind in (B_EVENTS, B_RAW, B_PRAW):
            tid, stamp, count = b.v(), b.v(), b.v()
            pred = [0] * PRED_SLOTS
            for _ in range(count):
                sid = b.v()
                stamp += b.v()
                s = sites[sid]
                vals = []
                if s.kind == K_NARRATE:
                    b.s()
                else:
                    for k, t in enumerate(s.values):
                        if t == T_F64:
                            vals.append(b.raw(8))
                        elif t == T_STR:
                            h = b.v()
                            b.raw(0 if h & 0x80000000 else h & 0x1FFFFFFF)
                            vals.append(None)
                        elif t == T_ENUM:
                            vals.append(unzigzag(b.v()))
                            b.s()
                        elif t == T_PTR and kind == B_RAW:
                            vals.append(struct.unpack("<Q", b.raw(8))[0])
                        elif t == T_PTR and kind == B_PRAW:
                            slot = (sid * 8 + k) & (PRED_SLOTS - 1)
                            pred[slot] = (pred[slot] + unzigzag(b.v())) & 0xFFFFFFFFFFFFFFFF
                            vals.append(pred[slot])
                        elif t == T_I64:
                            vals.append(unzigzag(b.v()))
                        else:
                            vals.append(b.v())
                mono = stamp
                if kind != B_EVENTS:
                    if clock is not None and clock[0]:
                        _, at_raw, at_mono, per = clock
                        mono = (at_mono + int((stamp - at_raw) * per) if stamp >= at_raw
                                else at_mono - int((at_raw - stamp) * per))
                    mono = max(mono, last_mono.get(tid, 0))
                    last_mono[tid] = mono
                events += 1
                if s.kind < K_CONTEXT:  # (context records are no events)
                    order.append((mono, len(order), tid, KIND_NAMES[s.kind] if s.kind == K_NARRATE
                                  else (KIND_NAMES[s.kind], s.action)))
                calls.seen(tid, mono)
                if s.kind in (K_ENTER, K_FN_ENTER):
                    calls.enter(tid, s.action, mono, vals[s.depth_at] if s.depth_at >= 0 else None)
                elif s.kind in (K_EXIT, K_FN_EXIT):
                    calls.exit(tid, s.action, mono)
            assert not b.left(), "events block longer than its events"
    calls.end()
    order.sort(key=lambda o: (o[0], o[1]))
    return version, events, dropped, calls, [(o[2], o[3]) for o in order]


def ns(text):
    value, unit = text.split()
    return round(float(value) * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[unit])


def figures_agree(what, shown, want, failures):
    """(calls, total, self) per key as narrate printed them against the independent ones; printed
    with 3 decimals in their unit, so within a part in 2000 (or 1 ns)."""
    for key, (n, total, self_) in want.items():
        if key not in shown:
            continue
        gn, gt, gs = shown[key]
        if gn != n:
            failures.append(f"{what} {key}: {gn} calls, independently {n}")
        for fig, a, b in (("total", gt, total), ("self", gs, self_)):
            if abs(a - b) > 1 + b * 0.0005:
                failures.append(f"{what} {key} {fig}: {a} ns, independently {b} ns")


def main():
    path, narrate = sys.argv[1:3]
    version, events, dropped, calls, order = read(path)
    failures = []
    tree = subprocess.run([narrate, "tree", path], capture_output=True, text=True).stdout
    nodes, tid, stack = {}, None, []
    for line in tree.splitlines():
        if line.startswith("thread "):
            tid, stack = int(line.split()[1]), []
            continue
        if line.startswith(("correlation ", "==", "(", "incomplete")):
            break  # (the per-correlation trees and the notes after the threads' trees)
        m = re.match(r"((?:[\u2502 ] {3})*(?:[\u251c\u2514]\u2500\u2500 )?)(\S+) \((\d+) calls?, total ([\d.]+ \w+), self ([\d.]+ \w+)", line)
        if m is None or tid is None:
            continue
        depth = len(m.group(1)) // 4
        del stack[depth:]
        stack.append(m.group(2))
        nodes[(tid, tuple(stack))] = (int(m.group(3)), ns(m.group(4)), ns(m.group(5)))
    if sorted(nodes) != sorted(calls.paths):
        extra = sorted(set(nodes) - set(calls.paths))[:3]
        missing = sorted(set(calls.paths) - set(nodes))[:3]
        failures.append(f"tree: {len(nodes)} nodes, independently {len(calls.paths)}; only in tree {extra}, only here {missing}")
    figures_agree("tree", nodes, calls.paths, failures)
    cat = subprocess.run([narrate, "cat", "--json", path], capture_output=True, text=True).stdout
    shown_order, last_ts = [], ""
    for line in cat.splitlines():
        j = json.loads(line)
        shown_order.append((j["tid"], j["kind"] if j["kind"] == "narrate" else (j["kind"], j["action"])))
        if j["ts"] < last_ts:  # (RFC 3339 with nanoseconds: compares as text)
            failures.append(f"cat: {j['ts']} after {last_ts}")
            break
        last_ts = j["ts"]
    if shown_order != order:
        at = next((i for i, (a, b) in enumerate(zip(shown_order, order)) if a != b), min(len(order), len(shown_order)))
        failures.append(f"cat --json: {len(shown_order)} events, independently {len(order)}; first difference at "
                        f"event {at}: {shown_order[at:at + 3]} against {order[at:at + 3]}")
    check = subprocess.run([narrate, "check", path], capture_output=True, text=True).stdout
    got = dict(line.split(": ", 1) for line in check.splitlines() if ": " in line)
    for key, want in (("events", events), ("dropped", dropped), ("unwound calls", calls.unwound),
                      ("cut short by losses", calls.cut), ("open at the end", calls.open_end),
                      ("unmatched exit", calls.unmatched_exit)):
        if got.get(key) != str(want):
            failures.append(f"check {key}: narrate {got.get(key)}, independently {want}")
    stats = subprocess.run([narrate, "stats", path], capture_output=True, text=True).stdout
    shown = {}
    for line in stats.splitlines()[1:]:
        m = re.match(r"(\S+)\s+(\d+)\s+([\d.]+ \w+)\s+([\d.]+ \w+)\s", line)
        if m:
            shown[m.group(1)] = (int(m.group(2)), ns(m.group(3)), ns(m.group(4)))
    if sorted(shown) != sorted(calls.figs):
        failures.append(f"stats lists {sorted(shown)}, independently {sorted(calls.figs)}")
    figures_agree("stats", shown, calls.figs, failures)
    for f in failures:
        print("FAIL " + f)
    print(f"{path}: format {version}, {events} events, {dropped} lost, {len(calls.figs)} functions; "
          f"{calls.unwound} unwound, {calls.cut} cut short, {calls.open_end} open, {calls.unmatched_exit} unmatched exits: "
          + ("narrate differs" if failures else f"narrate check, stats, tree ({len(nodes)} nodes) and cat's order agree"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
