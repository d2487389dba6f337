"""Exports read by the tools people open them with, checked against an independent reading of
the JSON lines of the same run.

- Chrome trace JSON through speedscope's own importer (npm speedscope, pinned; the bundle the app
  runs): one frame per function on each thread, no import warning other than the ones for E
  events that carry the call's values, and each function's total and self time equal to what
  the JSON lines give (recursion counted once per outermost call; frames a longjmp skipped end
  where their thread went on).
- The same for a trace with losses made by the independent writer (make_trace.py --gap): it
  imports, frames are per function, every thread's calls balance, and the two calls the loss
  cut short are left out (as tree and stats leave them out).

- A run of LOSSY_PROGRAM (tests/e2e/lossy) into rings far too small: speedscope's totals and
  self times per function equal what narrate stats prints (which trace.figures checks against
  an independent reader): the same calls counted, unwound ones included, cut ones left out.

usage: check_exports.py NARRATE_CLI PROGRAM JS_DIR MAKE_TRACE_PY LOSSY_PROGRAM"""

import json
import os
import re
import subprocess
import sys
import tempfile

cli, prog, js, make_trace, lossy = sys.argv[1:6]
here = os.path.dirname(os.path.abspath(__file__))
SPEEDSCOPE = "speedscope@1.25.0"
failures = []


def fail(what):
    failures.append(what)
    print("FAIL " + what)


def run(cmd, env=None, **kw):
    e = {k: v for k, v in os.environ.items() if not k.startswith("NARRATE_")}
    e.update(env or {})
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=e, **kw)
    return r


def bundle():
    rel = os.path.join(js, "node_modules", "speedscope", "dist", "release")
    if not os.path.isdir(rel):
        os.makedirs(js, exist_ok=True)
        r = run(["npm", "install", "--prefix", js, "--no-audit", "--no-fund", "--silent", SPEEDSCOPE])
        if r.returncode != 0:
            sys.exit(f"FAIL npm could not install {SPEEDSCOPE}:\n{r.stdout}{r.stderr}")
    found = [f for f in os.listdir(rel) if f.startswith("speedscope-") and f.endswith(".js")]
    if len(found) != 1:
        sys.exit(f"FAIL no single speedscope bundle in {rel}: {found}")
    return os.path.join(rel, found[0])


def speedscope(bundle_js, chrome_json):
    r = run(["node", os.path.join(here, "speedscope_totals.js"), bundle_js, chrome_json])
    if r.returncode != 0:
        fail(f"speedscope's importer refused {chrome_json}: {r.stderr[-1500:]}")
        return None
    return json.loads(r.stdout)


def iso_ns(ts):
    """'2026-11-29T07:09:56.996198672Z' -> ns since midnight (runs do not cross a day here)"""
    clock = ts.split("T")[1].rstrip("Z")
    h, m, s = clock.split(":")
    sec, frac = (s.split(".") + ["0"])[:2]
    return ((int(h) * 60 + int(m)) * 60 + int(sec)) * 10**9 + int(frac.ljust(9, "0")[:9])


def totals_from_jsonl(path):
    """{tid: {fn: [total_us, self_us, calls]}}: calls matched per thread with a stack; an enter's
    recorded depth, or an exit of a frame below, closes the frames above it (a longjmp skipped
    their exits) at its time; recursion counts the outermost call only in total, every call's own
    time in self."""
    out, stacks = {}, {}

    def close_above(tid, st, k, t):
        while len(st) > k:
            name, start, kids = st.pop()
            dur = t - start
            per = out.setdefault(tid, {}).setdefault(name, [0, 0, 0])
            if all(f[0] != name for f in st):
                per[0] += dur
            per[1] += dur - kids
            per[2] += 1
            if st:
                st[-1][2] += dur

    for line in open(path):
        ev = json.loads(line)
        kind = ev.get("kind")
        if kind not in ("fn_enter", "fn_exit"):
            continue
        tid, fn, t = ev["tid"], ev["fn"], iso_ns(ev["ts"])
        st = stacks.setdefault(tid, [])
        if kind == "fn_enter":
            close_above(tid, st, ev["depth"], t)
            st.append([fn, t, 0])  # name, start, time in callees
            continue
        k = max((i for i, f in enumerate(st) if f[0] == fn), default=None)
        if k is not None:
            close_above(tid, st, k, t)
    return {tid: {fn: [v[0] / 1000, v[1] / 1000, v[2]] for fn, v in fns.items()} for tid, fns in out.items()}


UNIT_US = {"ns": 1e-3, "us": 1, "ms": 1e3, "s": 1e6}


def us(text):
    """'149.735 us' -> 149.735 (narrate's adaptive units)"""
    value, unit = text.split()
    return float(value) * UNIT_US[unit]


def rounding_us(text):
    """How far the exact figure may be from what is printed: half its last digit ('1.318 ms': 0.5 us)."""
    value, unit = text.split()
    decimals = len(value.split(".")[1]) if "." in value else 0
    return 0.5 * 10 ** -decimals * UNIT_US[unit]


rounded = {}  # the latest stats_of: per function, how much its printed total and self were rounded


def stats_of(tr):
    """narrate stats of a trace: ({fn: (calls, total_us, self_us)}, its output), or None."""
    r = run([cli, "stats", tr])
    if r.returncode != 0:
        fail(f"narrate stats failed: {r.stderr}")
        return None
    got = {}
    rounded.clear()
    for line in r.stdout.splitlines()[1:]:
        m = re.match(r"(\S+)\s+(\d+)\s+([\d.]+ \w+)\s+([\d.]+ \w+)\s", line)
        if m:
            got[m.group(1)] = (int(m.group(2)), us(m.group(3)), us(m.group(4)))
            rounded[m.group(1)] = (rounding_us(m.group(3)), rounding_us(m.group(4)))
    return got, r.stdout


def exported(bundle_js, tr, cj, what):
    """The chrome export of tr as speedscope's importer reads it, or None (said)."""
    r = run([cli, "export", "--format", "chrome", tr, "-o", cj])
    if r.returncode != 0:
        fail(f"export of {what} failed: {r.stderr}")
        return None
    return speedscope(bundle_js, cj)


def check_stats(tr, want):
    """narrate stats against the JSON lines: per function (threads together) calls, total, self."""
    read = stats_of(tr)
    if read is None:
        return
    got, out = read
    total = {}
    for fns in want.values():
        for fn, (t, s_, n) in fns.items():
            a = total.setdefault(fn, [0, 0, 0])
            a[0] += n
            a[1] += t
            a[2] += s_
    if sorted(got) != sorted(total):
        return fail(f"stats lists {sorted(got)}, the JSON lines {sorted(total)}")
    for fn, (n, t, s_) in total.items():
        gn, gt, gs = got[fn]
        if gn != n:
            fail(f"stats: {fn} {gn} calls, the JSON lines {n}")
        for k, (what, a, b) in enumerate((("total", gt, t), ("self", gs, s_))):
            if abs(a - b) > rounded[fn][k] + 0.002:  # stats prints its figures rounded
                fail(f"stats: {fn} {what} {a:.3f} us, the JSON lines {b:.3f} us")
    if "left without an exit, by a longjmp" not in out:
        fail(f"stats does not say that calls were unwound: {out[-300:]}")
    print(f"ok   narrate stats: {len(total)} functions, calls, total and self agree (longjmp-unwound calls included)")


def check_run(bundle_js, work):
    jl, tr, cj = (os.path.join(work, n) for n in ("run.jsonl", "run.trace", "run.chrome.json"))
    # rings that hold the whole run: beside a trace file, JSON lines that fall a quarter of a
    # ring behind skip events (said in them), and a loaded machine (make test -j2) got there
    r = run([prog], env={"NARRATE_OUTPUT": f"jsonl:{jl},trace:{tr}", "NARRATE_RING_SIZE": "64M"})
    if r.returncode != 0:
        return fail(f"{prog} failed: {r.stderr}")
    if '"action":"text_skipped"' in open(jl).read():
        return fail("the JSON lines skipped events: they cannot be the independent figures")
    got = exported(bundle_js, tr, cj, "the run")
    if got is None:
        return
    for w in got["warnings"]:
        fail(f"speedscope warned: {w}")
    want = totals_from_jsonl(jl)
    by_tid = {}
    for p in got["profiles"]:
        tid = int(p["name"].rsplit("tid ", 1)[1].rstrip(")"))
        by_tid[tid] = p
        if "calls" not in p["name"]:
            fail(f"profile {p['name']!r} is not named after the program and thread")
    if sorted(by_tid) != sorted(want):
        fail(f"threads: speedscope has {sorted(by_tid)}, the JSON lines {sorted(want)}")
    checked = 0
    for tid, fns in want.items():
        frames = by_tid.get(tid, {}).get("frames", {})
        if sorted(frames) != sorted(fns):
            fail(f"thread {tid}: speedscope's frames {sorted(frames)} are not the functions {sorted(fns)}")
            continue
        for fn, (total, self_, _) in fns.items():
            st, ss = frames[fn]["total"], frames[fn]["self"]
            for what, a, b in (("total", st, total), ("self", ss, self_)):
                if abs(a - b) > 1.0 + 0.001 * b:  # speedscope keeps microseconds as doubles
                    fail(f"thread {tid} {fn}: speedscope's {what} {a:.3f} us, the JSON lines {b:.3f} us")
            checked += 1
    print(f"ok   chrome export in speedscope: {len(by_tid)} threads, {checked} functions, totals agree")
    check_stats(tr, want)


def check_gaps(bundle_js, work):
    tr, cj = os.path.join(work, "gap.trace"), os.path.join(work, "gap.chrome.json")
    r = run([sys.executable, make_trace, "--gap", tr])
    if r.returncode != 0:
        return fail(f"make_trace.py --gap failed: {r.stderr}")
    r = run([cli, "export", "--format", "chrome", tr, "-o", cj])
    if r.returncode != 0:
        return fail(f"export of a trace with losses failed: {r.stderr}")
    if "2 calls cut short by lost events left out" not in r.stderr:
        fail(f"export of a trace with losses did not say that the 2 calls cut short were left out: {r.stderr!r}")
    got = speedscope(bundle_js, cj)
    if got is None:
        return
    for w in got["warnings"]:
        fail(f"speedscope warned on the trace with losses: {w}")
    events = json.load(open(cj))["traceEvents"]
    per = {}
    for e in events:
        if e["ph"] in "BE":
            per.setdefault(e["tid"], []).append(e)
    for tid, evs in per.items():
        depth = 0
        for e in evs:
            depth += 1 if e["ph"] == "B" else -1
            if depth < 0:
                fail(f"thread {tid}: an E without its B")
                break
        if depth != 0:
            fail(f"thread {tid}: {depth} frames left open")
    names = {e["name"] for e in events if e["ph"] == "B"}
    for p in got["profiles"]:
        if not set(p["frames"]) <= names:
            fail(f"frames that are not functions: {sorted(set(p['frames']) - names)}")
    if any(e["ph"] == "i" and e["name"] == "events lost" for e in events):
        print("ok   chrome export of a trace with losses: balanced, per function, losses shown")
    else:
        fail("the losses are not shown in the chrome export")


def check_lossy(bundle_js, work):
    tr, cj = os.path.join(work, "lossy.trace"), os.path.join(work, "lossy.chrome.json")
    run([lossy, "20000"], env={"NARRATE_OVERLOAD": "drop", "NARRATE_RING_SIZE": "4K", "NARRATE_RING_GROW": "off", "NARRATE_OUTPUT": f"trace:{tr}"})
    got, read = exported(bundle_js, tr, cj, "the lossy run"), stats_of(tr)
    if got is None or read is None:
        return
    want = {fn: (total, self_) for fn, (_, total, self_) in read[0].items()}
    if "events were lost" not in read[1] or len(got["profiles"]) != 1:
        return fail(f"the lossy run lost nothing, or has {len(got['profiles'])} threads: {read[1][-300:]}")
    frames = got["profiles"][0]["frames"]
    # the export keeps a thread's timestamps strictly increasing (an E and the next B at the same
    # nanosecond are set 1 ns apart): each B/E inside a function's calls may shift its figures by 1 ns
    inside, stack = {}, []
    for e in json.load(open(cj))["traceEvents"]:
        if e["ph"] == "B":
            stack.append(e["name"])
        if e["ph"] in "BE":
            for fn in set(stack):
                inside[fn] = inside.get(fn, 0) + 1
        if e["ph"] == "E":
            stack.pop()
    if sorted(frames) != sorted(want):
        return fail(f"lossy run: speedscope's frames {sorted(frames)}, stats {sorted(want)}")
    for fn, (total, self_) in want.items():
        for k, (what, a, b) in enumerate((("total", frames[fn]["total"], total), ("self", frames[fn]["self"], self_))):
            # stats prints its figures rounded ("1.318 ms"): speedscope's exact ones may be half a
            # printed digit away, and 1 ns per B/E shifted inside the function's calls
            slack = rounded[fn][k] + 0.001 * inside.get(fn, 0) + 1e-6
            if abs(a - b) > slack:
                fail(f"lossy run {fn}: speedscope's {what} {a:.3f} us, narrate stats {b:.3f} us (slack {slack:.3f})")
    print(f"ok   chrome export of a run with losses in speedscope: {len(want)} functions, totals and self agree with stats")


with tempfile.TemporaryDirectory() as work:
    b = bundle()
    check_run(b, work)
    check_gaps(b, work)
    check_lossy(b, work)
sys.exit(1 if failures else 0)
