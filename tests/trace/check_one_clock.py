"""One run, one clock: the JSON lines sink and the trace file of the same run show every event
with the same timestamp and the same elapsed time, to the nanosecond, and a call's exit minus
its enter timestamp is its elapsed time. The program's calls span several of the consumer's
clock calibrations, and the run is repeated with the consumer made to lag (a tiny ring for the
JSON lines to fall behind in is not needed: the ring sizes differ run to run instead).

usage: check_one_clock.py NARRATE_CLI CLOCK_PROGRAM"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

cli, prog = sys.argv[1], sys.argv[2]
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL", msg)


def ns_of(ts):
    """ "2026-12-04T14:06:44.771050372Z" -> ns since the epoch, exactly."""
    day, frac = ts.rstrip("Z").split(".")
    sec = datetime.datetime.strptime(day, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
    return int(sec) * 1000000000 + int(frac.ljust(9, "0"))


def events(lines):
    """Per thread: [(kind, fn, ts_ns, elapsed_ns or None)] in order, drops left out."""
    out = {}
    for line in lines:
        e = json.loads(line)
        if e.get("kind") not in ("fn_enter", "fn_exit"):
            continue
        out.setdefault(e["tid"], []).append((e["kind"], e["action"], ns_of(e["ts"]), e.get("elapsed_ns")))
    return out


def check(work, ring):
    jl, tr = os.path.join(work, f"run{ring}.jsonl"), os.path.join(work, f"run{ring}.trace")
    env = dict(os.environ, NARRATE_LOG="trace", NARRATE_OUTPUT=f"jsonl:{jl},trace:{tr}", NARRATE_RING_SIZE=ring)
    r = subprocess.run([prog], env=env, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        return fail(f"{prog} failed: {r.stderr}")
    c = subprocess.run([cli, "cat", "--json", tr], capture_output=True, text=True, timeout=120)
    if c.returncode != 0:
        return fail(f"narrate cat --json failed: {c.stderr}")
    live, read = events(open(jl)), events(c.stdout.splitlines())
    if sorted(live) != sorted(read):
        return fail(f"threads: the JSON lines {sorted(live)}, the trace file {sorted(read)}")
    n = 0
    for tid, evs in live.items():
        other = read[tid]
        if len(evs) != len(other):
            fail(f"thread {tid}: {len(evs)} calls' events in the JSON lines, {len(other)} in the trace file")
            continue
        for a, b in zip(evs, other):
            if a != b:
                fail(f"thread {tid}: the JSON lines {a}, the trace file {b}")
                break
        stack = []
        for kind, fn, ts, el in evs:  # an exit's timestamp less its enter's is its elapsed time
            if kind == "fn_enter":
                stack.append((fn, ts))
                continue
            fn0, ts0 = stack.pop()
            if fn0 != fn or ts - ts0 != el:
                fail(f"thread {tid}: {fn} entered at {ts0}, left at {ts}, elapsed_ns {el} ({fn0} was open)")
                break
            n += 1
    span = max(e[2] for evs in live.values() for e in evs) - min(e[2] for evs in live.values() for e in evs)
    if span < 250000000:
        fail(f"the run spans {span} ns: fewer calibrations than the check needs")
    print(f"ok   ring {ring}: {n} calls on {len(live)} threads, timestamps and elapsed times equal in both outputs")


with tempfile.TemporaryDirectory() as work:
    for ring in ("64M", "64K"):
        check(work, ring)
sys.exit(1 if failures else 0)
