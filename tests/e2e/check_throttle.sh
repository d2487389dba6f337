#!/bin/sh
# tests/e2e/check_throttle.sh PROG NARRATE - NARRATE_MIN_DURATION (throttle.c): a whole-project
# function whose calls average under it is switched off and every output says so (the trace
# file: check's "throttled:" line, stats' '*'; JSON lines: the "narrate throttled" event); a
# function that takes longer keeps every call; a marked one is never switched off;
# NARRATE_MIN_DURATION=0 records every call; a value that cannot be read is said once.
set -eu
prog=$1 narrate=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
calls() { awk -v f="$1" '$1 == f || $1 == f "*" { print $2 }' "$2"; }

# (rings that hold the whole run: losses are another test's question, e.g. under ASan)
export NARRATE_RING_SIZE=256M
NARRATE_OUTPUT="trace:$tmp/t.trace,jsonl:$tmp/t.jsonl" "$prog" > "$tmp/out"
"$narrate" check "$tmp/t.trace" > "$tmp/check"
grep -q '^throttled: 1 functions' "$tmp/check" || fail "check does not say one function was throttled: $(cat "$tmp/check")"
grep -q '^status: ok' "$tmp/check" || fail "a throttled run is not damaged or lossy: $(cat "$tmp/check")"
"$narrate" stats "$tmp/t.trace" > "$tmp/stats"
grep -q '^tiny\* ' "$tmp/stats" || fail "stats does not mark tiny: $(cat "$tmp/stats")"
[ "$(calls tiny "$tmp/stats")" -lt 200300 ] || fail "tiny kept every call: $(cat "$tmp/stats")"
[ "$(calls slow "$tmp/stats")" = 300 ] || fail "slow lost calls: $(cat "$tmp/stats")"
[ "$(calls marked "$tmp/stats")" = 200000 ] || fail "the marked function was throttled: $(cat "$tmp/stats")"
grep -q 'switched off once their calls averaged under NARRATE_MIN_DURATION' "$tmp/stats" || fail "stats does not explain '*'"
n=$(grep -c '"action":"throttled","target":"tiny"' "$tmp/t.jsonl" || true)
[ "$n" = 1 ] || fail "the JSON lines hold $n throttle events of tiny, 1 expected"

NARRATE_MIN_DURATION=0 NARRATE_OUTPUT="trace:$tmp/all.trace" "$prog" > "$tmp/out0"
cmp -s "$tmp/out" "$tmp/out0" || fail "the program printed something else"
"$narrate" stats "$tmp/all.trace" > "$tmp/stats0"
[ "$(calls tiny "$tmp/stats0")" = 200300 ] || fail "NARRATE_MIN_DURATION=0 lost calls of tiny: $(cat "$tmp/stats0")"
if grep -q throttled "$tmp/stats0"; then fail "NARRATE_MIN_DURATION=0 throttled: $(cat "$tmp/stats0")"; fi

NARRATE_MIN_DURATION=fast NARRATE_OUTPUT=none "$prog" > /dev/null 2> "$tmp/err"
[ "$(grep -c "NARRATE_MIN_DURATION: cannot read 'fast'" "$tmp/err")" = 1 ] || fail "a bad value is not said once: $(cat "$tmp/err")"
echo "NARRATE_MIN_DURATION: tiny switched off after $(calls tiny "$tmp/stats") of 200300 calls and said in every output, slow and the marked function whole; 0 keeps every call"
