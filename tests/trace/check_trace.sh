#!/bin/sh
# Trace files end to end: cat equals the console; tree of a known nested program; stats on a
# known distribution written independently; damaged and truncated files.
# usage: check_trace.sh NARRATE_CMD E2E_TRACED_EXE ORCHESTRATOR_EXE HERE PYTHON
set -eu
narrate=$1 e2e=$2 orch=$3 here=$4 py=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. cat shows exactly the lines the console showed. (Their order across threads may differ: cat
#    puts events in time order, the console prints them as the consumer delivered them, one
#    thread's batch after another's. Single-threaded programs compare line for line, in
#    secrets.hostile and e2e.hostile.)
NARRATE_OUTPUT="console,trace:$tmp/orch.trace,jsonl:$tmp/orch.jsonl" NO_COLOR=1 "$orch" > /dev/null 2> "$tmp/console.txt"
"$narrate" cat --plain "$tmp/orch.trace" > "$tmp/cat.txt"
sort "$tmp/console.txt" > "$tmp/console.sorted"
sort "$tmp/cat.txt" | diff -u "$tmp/console.sorted" - > "$tmp/diff" || { head -20 "$tmp/diff"; fail "cat --plain differs from the console"; }
echo "cat --plain: $(wc -l < "$tmp/cat.txt") events, the console's lines"
# by default each line starts with its time from the trace's start and its thread id
"$narrate" cat "$tmp/orch.trace" > "$tmp/cat_timed.txt"
sed -E 's/^ *[0-9]+\.[0-9]{9} +[0-9]+  //' "$tmp/cat_timed.txt" | diff -u "$tmp/cat.txt" - > "$tmp/diff" ||
  { head -5 "$tmp/diff"; fail "cat's timed lines are not time, thread id, console line"; }
sort -s -n -k1,1 -c "$tmp/cat_timed.txt" 2> /dev/null || fail "cat's times go backwards"
"$narrate" cat "$tmp/orch.trace" --json > "$tmp/cat.jsonl"
# the JSON lines sink of the same run holds the same events (targets recorded as values included)
"$py" - "$tmp/orch.jsonl" "$tmp/cat.jsonl" <<'PY' || fail "cat --json and the JSON lines sink differ"
import json, sys
def events(path):
    return sorted((e["actor"], e["action"], e.get("target"), e.get("correlation_id"), e["human"])
                  for e in map(json.loads, open(path)) if e["kind"] != "drop")
a, b = events(sys.argv[1]), events(sys.argv[2])
assert a == b, [x for x in a if x not in b][:3] + ["/"] + [x for x in b if x not in a][:3]
assert len({x[2] for x in a}) > 3, "the run should record several targets"
PY
"$narrate" check "$tmp/orch.trace" > "$tmp/check.txt" || fail "check of an intact trace failed"
NARRATE_PROGRESS=always "$narrate" check "$tmp/orch.trace" > /dev/null 2> "$tmp/progress.txt"
grep -q "narrate: reading \[#*\] 100% of" "$tmp/progress.txt" || fail "no progress bar: $(cat "$tmp/progress.txt")"
NARRATE_PROGRESS=always "$narrate" export --format chrome "$tmp/orch.trace" -o /dev/null 2> "$tmp/progress2.txt"
grep -q "narrate: exporting \[#*\] 100% of [0-9]* events" "$tmp/progress2.txt" || fail "no export progress: $(cat "$tmp/progress2.txt")"
grep -q "status: ok" "$tmp/check.txt" || fail "intact trace not ok: $(cat "$tmp/check.txt")"

# 2. the call tree of a known program: exact structure and counts
NARRATE_OUTPUT="trace:$tmp/e2e.trace" "$e2e" > /dev/null
"$narrate" tree "$tmp/e2e.trace" | sed -E 's/^thread [0-9]+/thread N/; s/[0-9]+(\.[0-9]+)? (ns|us|ms|s)([,)])/T\3/g' > "$tmp/tree.txt"
diff -u "$here/expected_tree.txt" "$tmp/tree.txt" || fail "tree differs"
echo "tree: as expected"
if grep -q 'correlation_id="req-a11c-00"' "$tmp/cat.txt"; then
  # the example: each request's dispatch_job is its own tree under its correlation id
  "$narrate" tree "$tmp/orch.trace" > "$tmp/orch_tree.txt"
  n=$(grep -c '^correlation req-a11c-0[0-5]$' "$tmp/orch_tree.txt") || true
  [ "$n" = 6 ] || fail "expected 6 correlation trees, got $n"
  grep -A1 '^correlation req-a11c-03$' "$tmp/orch_tree.txt" | grep -q '^dispatch_job (1 call, ' || fail "req-a11c-03's tree"
  echo "tree: one tree per correlation id"
fi

# 3. percentiles and self time on a distribution written from the format description alone
"$py" "$here/make_trace.py" "$tmp/synthetic.trace"
"$narrate" stats "$tmp/synthetic.trace" --sort total > "$tmp/stats.txt"
diff -u "$here/expected_stats.txt" "$tmp/stats.txt" || fail "stats differ"
"$narrate" stats "$tmp/synthetic.trace" --sort calls --top 1 | grep -c '^[wlr]' | grep -qx 1 || fail "--top 1"
"$py" "$here/make_trace.py" --v1 "$tmp/synthetic_v1.trace"
"$narrate" stats "$tmp/synthetic_v1.trace" --sort total | diff -u "$here/expected_stats.txt" - || fail "format 1 (FNV-1a) stats differ"
"$py" "$here/make_trace.py" --predicted "$tmp/synthetic_p.trace"
"$narrate" stats "$tmp/synthetic_p.trace" --sort total | diff -u "$here/expected_stats.txt" - || fail "format 4 (predicted addresses) stats differ"
"$narrate" cat --json "$tmp/synthetic.trace" | "$py" -c 'import json, sys; print("\n".join(json.dumps({k: v for k, v in json.loads(l).items() if k != "ts"}) for l in sys.stdin))' > "$tmp/cat2.txt"
"$narrate" cat --json "$tmp/synthetic_p.trace" | "$py" -c 'import json, sys; print("\n".join(json.dumps({k: v for k, v in json.loads(l).items() if k != "ts"}) for l in sys.stdin))' > "$tmp/cat4.txt"
diff -u "$tmp/cat2.txt" "$tmp/cat4.txt" > /dev/null || { diff -u "$tmp/cat2.txt" "$tmp/cat4.txt" | head; fail "format 4 reads other values than format 2"; }
grep -q '"caller": "0x401020"' "$tmp/cat4.txt" || fail "no caller address in format 4: $(head -2 "$tmp/cat4.txt")"
"$narrate" check "$tmp/synthetic.trace" | grep -q '^events: 406$' || fail "check's event count"
echo "stats: exact on the synthetic distribution (formats 1, 2 and 4), a recursive function's total counted once"
# lost events in the middle of a thread: the enters' recorded depth closes the calls whose exits
# were lost, so the tree keeps its true shape and says it is incomplete
"$py" "$here/make_trace.py" --gap "$tmp/gap.trace"
"$narrate" tree "$tmp/gap.trace" > "$tmp/gap_tree.txt"
printf '%s\n' "thread 7" "mid (1 call, total 3.000 ms, self 2.000 ms)" "└── leaf (1 call, total 1.000 ms, self 1.000 ms)" \
  "incomplete: 2 events were lost while recording; 2 calls cut short by the loss were closed where the next call's depth showed it, and calls whose events were lost are missing" |
  diff -u - "$tmp/gap_tree.txt" || fail "tree across lost events"
"$narrate" stats "$tmp/gap.trace" | grep -q '^incomplete: 2 events were lost' || fail "stats does not say it is incomplete"
echo "tree and stats across lost events: resynchronised on the recorded depth, marked incomplete"
# a file truncated under the reader: SIGBUS on the mapping ends the command with a clear message
# (the signal is sent by hand while cat is blocked on a full pipe: the same handler runs)
( set +e; "$narrate" cat "$tmp/synthetic.trace" --json 2> "$tmp/bus.err" & echo $! > "$tmp/bus.pid"; wait $!
  echo $? > "$tmp/bus.rc" ) | { sleep 1; cat > /dev/null; } &
sleep 0.3
kill -BUS "$(cat "$tmp/bus.pid")" || true
wait
grep -q "the trace file got shorter while it was read" "$tmp/bus.err" || fail "SIGBUS: $(cat "$tmp/bus.err")"
[ "$(cat "$tmp/bus.rc")" = 1 ] || fail "SIGBUS: exit status $(cat "$tmp/bus.rc")"
echo "a file truncated under the reader: one clear line, exit status 1"

# 4. damage: every truncation is reported (exit 1) and the prefix still reads
size=$(wc -c < "$tmp/orch.trace")
# (size - 17: exactly before the END block, a cut at a block's end the file itself must tell)
for cut in 10 17 40 100 1000 $((size / 2)) $((size - 17)) $((size - 1)); do
  head -c "$cut" "$tmp/orch.trace" > "$tmp/cut.trace"
  if "$narrate" check "$tmp/cut.trace" > "$tmp/c.txt" 2> "$tmp/c.err"; then fail "truncated at $cut: check said ok"; fi
  grep -q "narrate: " "$tmp/c.err" || fail "truncated at $cut: no message"
  "$narrate" cat --plain "$tmp/cut.trace" > "$tmp/prefix.txt" 2> /dev/null || true
  head -n "$(wc -l < "$tmp/prefix.txt")" "$tmp/cat.txt" | sort > "$tmp/want"; sort "$tmp/prefix.txt" > "$tmp/got"
  [ "$(wc -l < "$tmp/prefix.txt")" -le "$(wc -l < "$tmp/cat.txt")" ] || fail "truncated at $cut: more events than whole"
done
cp "$tmp/orch.trace" "$tmp/flip.trace"
printf '\377' | dd of="$tmp/flip.trace" bs=1 seek=$((size / 2)) conv=notrunc 2> /dev/null
if "$narrate" check "$tmp/flip.trace" > /dev/null 2> "$tmp/flip.err"; then fail "a flipped byte went unnoticed"; fi
grep -q "damaged" "$tmp/flip.err" || fail "no damage message for a flipped byte"
printf 'not a trace' > "$tmp/junk"
if "$narrate" cat "$tmp/junk" 2> "$tmp/junk.err"; then fail "junk accepted"; fi
grep -q "not a narrate trace" "$tmp/junk.err" || fail "junk: $(cat "$tmp/junk.err")"
echo "damage: truncations and a flipped byte reported, prefixes read"

# 5. exports: Chrome trace JSON with B/E properly nested per thread; JSON lines; a flame graph
"$narrate" export --format chrome "$tmp/e2e.trace" -o "$tmp/chrome.json"
"$py" - "$tmp/chrome.json" <<'PY' || fail "chrome export"
import json, sys
doc = json.load(open(sys.argv[1]))
stacks, begins = {}, 0
for ev in doc["traceEvents"]:
    st = stacks.setdefault(ev["tid"], [])
    if ev["ph"] == "B":
        st.append(ev["name"]); begins += 1
    elif ev["ph"] == "E":
        assert st and st.pop() == ev["name"], ("E without its B", ev)
assert all(not s for s in stacks.values()), stacks
assert begins == 7, begins
PY
"$narrate" export --format jsonl "$tmp/orch.trace" -o "$tmp/out.jsonl"
cmp -s "$tmp/out.jsonl" "$tmp/cat.json" 2>/dev/null || "$narrate" cat "$tmp/orch.trace" --json | cmp -s - "$tmp/out.jsonl" ||
  fail "export jsonl differs from cat --json"
"$narrate" flame "$tmp/e2e.trace" -o "$tmp/flame.svg"
"$py" -c "import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); \
t = ' '.join(x.text or '' for x in r.iter('{http://www.w3.org/2000/svg}title')); \
assert 'depth_sum' in t and 'total_area' in t, t" "$tmp/flame.svg" || fail "flame graph"
# the flame graph zooms and searches (its own script, on its own frames), and has bands per
# thread or per correlation id
if command -v node > /dev/null 2>&1; then
  node "$here/flame_js.js" "$tmp/flame.svg" area 'depth_sum' '' > /dev/null || fail "flame graph script"
fi
"$narrate" flame "$tmp/orch.trace" --by thread -o "$tmp/flame_t.svg"
[ "$(grep -c '>thread [0-9]*' "$tmp/flame_t.svg")" -ge 2 ] || fail "flame --by thread has no band per thread"
"$narrate" flame "$tmp/orch.trace" --by corr -o "$tmp/flame_c.svg"
grep -q '>correlation req-a11c-00' "$tmp/flame_c.svg" || fail "flame --by corr has no band per correlation"
"$narrate" export --format otlp-json "$tmp/e2e.trace" -o "$tmp/otlp.json"
"$py" - "$tmp/otlp.json" <<'PY' || fail "otlp-json export"
import json, sys
# one ExportTraceServiceRequest per line (batches), as OpenTelemetry's file exporter writes
spans = [s for line in open(sys.argv[1]) for s in json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"]]
assert len(spans) == 7, len(spans)
ids = {s["spanId"]: s for s in spans}
for s in spans:
    assert len(s["traceId"]) == 32 and len(s["spanId"]) == 16 and s["traceId"] != "0" * 32
    assert int(s["endTimeUnixNano"]) >= int(s["startTimeUnixNano"]) > 10**18
    if "parentSpanId" in s:
        p = ids[s["parentSpanId"]]
        assert p["traceId"] == s["traceId"]
        assert int(p["startTimeUnixNano"]) <= int(s["startTimeUnixNano"])
names = sorted(s["name"] for s in spans)
assert names == ["area", "area", "depth_sum", "depth_sum", "depth_sum", "parse_size", "total_area"], names
failed = [s for s in spans if s["status"]["code"] == 2]
assert [s["name"] for s in failed] == ["parse_size"], failed
area = [s for s in spans if s["name"] == "area"][0]
assert {"key": "r.w", "value": {"stringValue": "3"}} in area["attributes"], area["attributes"]
PY
echo "export: chrome nesting, jsonl, otlp-json spans, flame svg as expected"

# 6. CTF for babeltrace2: every event readable, and losses reported as discarded events
if command -v babeltrace2 > /dev/null 2>&1; then
  "$narrate" export --format ctf "$tmp/orch.trace" -o "$tmp/ctf"
  babeltrace2 "$tmp/ctf" > "$tmp/bt.txt" 2> "$tmp/bt.err" || fail "babeltrace2: $(head -5 "$tmp/bt.err")"
  [ "$(wc -l < "$tmp/bt.txt")" = "$(wc -l < "$tmp/cat.txt")" ] ||
    fail "babeltrace2 read $(wc -l < "$tmp/bt.txt") events, narrate cat $(wc -l < "$tmp/cat.txt")"
  "$narrate" export --format ctf "$tmp/synthetic.trace" -o "$tmp/ctf2"
  babeltrace2 "$tmp/ctf2" > "$tmp/bt2.txt" 2> "$tmp/bt2.err" || fail "babeltrace2 on the synthetic trace"
  [ "$(wc -l < "$tmp/bt2.txt")" = 406 ] || fail "babeltrace2: $(wc -l < "$tmp/bt2.txt") of 406 events"
  grep -q "discarded 5 events" "$tmp/bt2.err" || fail "babeltrace2 did not see the 5 lost events: $(cat "$tmp/bt2.err")"
  grep -q 'synthetic:work:enter: { tid = 42 }, { level = "TRACE", actor = "synthetic", action = "work", message = "work started", _\{0,1\}n = 1' \
    "$tmp/bt2.txt" || fail "babeltrace2 event layout (typed parameter n): $(head -1 "$tmp/bt2.txt")"
  grep -q 'synthetic:work:exit: .* elapsed_ns = [0-9]' "$tmp/bt2.txt" ||
    fail "babeltrace2: no exit class with elapsed_ns: $(grep -m1 exit "$tmp/bt2.txt")"
  # the example's typed fields: an int parameter as an integer, a pointer result in hex
  grep -q 'orchestratord:dispatch_job:enter: .* tokens = 64, ' "$tmp/bt.txt" ||
    fail "babeltrace2: dispatch_job's tokens is not an integer field: $(grep -m1 dispatch_job:enter "$tmp/bt.txt")"
  grep -q 'orchestratord:select_worker:exit: .* result = 0x[0-9A-F]*, elapsed_ns = [0-9]' "$tmp/bt.txt" ||
    fail "babeltrace2: select_worker's result is not a typed field: $(grep -m1 select_worker:exit "$tmp/bt.txt")"
  # levels in LTTng's numbering, as babeltrace2 names them (narration: a class per level)
  babeltrace2 --fields=loglevel "$tmp/ctf" 2> /dev/null > "$tmp/bt_lv.txt" || fail "babeltrace2 --fields=loglevel"
  bad=$(grep 'level = "INFO"' "$tmp/bt_lv.txt" | grep -vc 'TRACE_INFO (6)' || true)
  [ "$bad" = 0 ] || fail "INFO events not at TRACE_INFO in CTF: $(grep 'level = "INFO"' "$tmp/bt_lv.txt" | head -1)"
  bad=$(grep 'level = "TRACE"' "$tmp/bt_lv.txt" | grep -vc 'TRACE_DEBUG (14)' || true)
  [ "$bad" = 0 ] || fail "TRACE events not at TRACE_DEBUG in CTF"
  grep -q 'TRACE_INFO (6) narration:INFO: ' "$tmp/bt_lv.txt" || fail "narration at INFO is not a TRACE_INFO class"
  echo "ctf: babeltrace2 reads every event and reports the discarded ones; typed fields; levels in LTTng's numbering"
else
  echo "ctf: babeltrace2 not installed here (scripts/install-deps.sh test installs it); skipped"
fi
