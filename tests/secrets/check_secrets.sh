#!/bin/sh
# Hostile inputs (hostile.c) through every output and every reader and export: no secret (the
# marker SECRET<n>) in any file written, in the trace file itself, or in any command's output;
# innocent values stay; every output parses with exactly the fields recorded.
# usage: check_secrets.sh NARRATE PROGRAM PYTHON CHECK_LINES_PY [OTLP_CAPTURE_PY]
set -eu
narrate=$1 prog=$2 py=$3 lines=$4 capture=${5:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
out=$tmp/out
mkdir "$out"

NARRATE_LOG=trace NO_COLOR=1 NARRATE_OUTPUT="console,jsonl:$out/run.jsonl,trace:$out/run.trace" "$prog" 2> "$out/console.txt"
NARRATE_LOG=trace NO_COLOR=1 NARRATE_MODE=cute "$prog" 2> "$out/console_cute.txt"
NARRATE_LOG=trace NO_COLOR=1 NARRATE_MODE=story "$prog" 2> "$out/console_story.txt"
# the otlp sink's requests, as a collector receives them (protobuf: strings are their bytes)
if [ -n "$capture" ]; then
  "$py" "$capture" "$out/otlp_requests.bin" 60 > "$tmp/port" &
  cpid=$!
  i=0
  while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ -s "$tmp/port" ] || fail "the capture collector did not start"
  NARRATE_LOG=trace OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$(cat "$tmp/port")" OTEL_BSP_SCHEDULE_DELAY=100 \
    NARRATE_OUTPUT=otlp "$prog" 2> "$tmp/otlp.err" || fail "the program failed with the otlp sink: $(cat "$tmp/otlp.err")"
  kill "$cpid" 2> /dev/null || true
  wait "$cpid" 2> /dev/null || true
  [ -s "$out/otlp_requests.bin" ] || fail "the otlp sink sent nothing: $(cat "$tmp/otlp.err")"
  grep -aq 'login' "$out/otlp_requests.bin" || fail "the otlp requests lack the traced calls"
fi
t=$out/run.trace
"$narrate" cat "$t" > "$out/cat.txt"
"$narrate" cat --plain "$t" > "$out/cat_plain.txt"
"$narrate" cat --json "$t" > "$out/cat.jsonl"
"$narrate" tree "$t" > "$out/tree.txt"
"$narrate" stats "$t" > "$out/stats.txt"
"$narrate" check "$t" > "$out/check.txt"
"$narrate" export --format chrome "$t" -o "$out/chrome.json"
"$narrate" export --format otlp-json "$t" -o "$out/otlp.json"
"$narrate" export --format jsonl "$t" -o "$out/export.jsonl"
"$narrate" export --format ctf "$t" -o "$out/ctf"
"$narrate" flame "$t" -o "$out/flame.svg"
if command -v babeltrace2 > /dev/null 2>&1; then babeltrace2 "$out/ctf" > "$out/babeltrace.txt" 2>&1 || true; fi

# no secret anywhere, the trace file's bytes included
if grep -raob 'SECRET[0-9][0-9]' "$out" > "$tmp/leaks"; then
  echo "secrets in the outputs:"; sed 's/^/  /' "$tmp/leaks" | head -20
  fail "$(wc -l < "$tmp/leaks") secret(s) leaked"
fi
[ "$(ls "$out" | wc -l)" -ge 15 ] || fail "fewer outputs than expected: $(ls "$out")"
echo "no secret in $(find "$out" -type f | wc -l) files (console, cute, story, JSON lines, trace file, OTLP requests, cat, tree, stats, exports)"

# what is not a secret stays
for f in console.txt run.jsonl cat_plain.txt chrome.json; do
  grep -q 'monkey=banana' "$out/$f" || fail "$f lost the innocent monkey=banana"
  grep -q '\[REDACTED\]' "$out/$f" || fail "$f redacted nothing"
done
grep -q 'keyboard=qwerty' "$out/console.txt" || fail "keyboard=qwerty was redacted"

# one event per line, with exactly its fields, in the console, the JSON lines and cat
"$py" "$lines" "$out/console.txt" "$out/run.jsonl" || fail "console and JSON lines disagree"
"$py" "$lines" "$out/cat_plain.txt" "$out/cat.jsonl" || fail "cat and cat --json disagree"
cmp -s "$out/console.txt" "$out/cat_plain.txt" || fail "cat --plain differs from the console"
"$py" -c "import json,sys; json.load(open(sys.argv[1])); [json.loads(l) for l in open(sys.argv[2])]" "$out/chrome.json" "$out/otlp.json" ||
  fail "an export is not JSON"

# the file says it was redacted; the loud opt-out keeps raw values and says so
NARRATE_TRACE_KEEP_SECRETS=1 NARRATE_OUTPUT="trace:$tmp/raw.trace" "$prog" 2> "$tmp/raw.err"
grep -q "holds secrets in clear" "$tmp/raw.err" || fail "NARRATE_TRACE_KEEP_SECRETS=1 said nothing"
grep -aq 'SECRET01' "$tmp/raw.trace" || fail "NARRATE_TRACE_KEEP_SECRETS=1 did not keep raw values"
echo "secrets: ok"
