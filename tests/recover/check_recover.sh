#!/bin/sh
# kill -9: with NARRATE_RECOVER_DIR, `narrate recover` gets back every committed event the
# sinks had not written. usage: check_recover.sh KILL_PROG NARRATE
set -u
prog=$1 narrate=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
n=20000 # per thread; the worker records 2 per step: 3n events

# 1. the consumer never got to write anything: all 3n events come back, exactly
NARRATE_RECOVER_DIR="$tmp/rec1" NARRATE_OUTPUT=none NARRATE_RING_SIZE=4M "$prog" stuck $n
status=$?
[ "$status" = 137 ] || fail "stuck: exit status $status, want 137 (SIGKILL)"
ls "$tmp/rec1"/narrate-*.sites > /dev/null 2>&1 || fail "stuck: no recovery files left"
"$narrate" recover "$tmp/rec1" -o "$tmp/rec1.trace" > "$tmp/rec1.out" || { cat "$tmp/rec1.out"; fail "stuck: recover"; }
"$narrate" check "$tmp/rec1.trace" | grep -qx "events: $((3 * n))" || { "$narrate" check "$tmp/rec1.trace"; fail "stuck: want $((3 * n)) events"; }
"$narrate" cat --plain "$tmp/rec1.trace" | grep -c '"main ' | grep -qx "$n" || fail "stuck: main's events"
"$narrate" check "$tmp/rec1.trace" | grep -qx 'open at the end: 0' || fail "stuck: enter/exit pairs broken"
echo "stuck consumer: $(cat "$tmp/rec1.out")"

# 2. a consumer writing a trace file until the kill: file + recovered = every event, once
NARRATE_RECOVER_DIR="$tmp/rec2" NARRATE_OUTPUT="trace:$tmp/run2.trace" NARRATE_RING_SIZE=4M "$prog" running $n
status=$?
[ "$status" = 137 ] || fail "running: exit status $status, want 137"
"$narrate" recover "$tmp/rec2" -o "$tmp/rec2.trace" > "$tmp/rec2.out" || { cat "$tmp/rec2.out"; fail "running: recover"; }
{ "$narrate" cat --plain "$tmp/run2.trace" 2> /dev/null; "$narrate" cat --plain "$tmp/rec2.trace"; } | sed 's/ elapsed_ms="[^"]*"//' > "$tmp/all.txt"
total=$(wc -l < "$tmp/all.txt")
distinct=$(sort -u "$tmp/all.txt" | wc -l)
[ "$distinct" = $((4 * n)) ] || fail "running: $distinct distinct events of $((4 * n)) (file + recovered)"
written=$("$narrate" cat --plain "$tmp/run2.trace" 2> /dev/null | wc -l)
[ "$written" -gt 0 ] || fail "running: the sinks wrote nothing before the kill (the case is not exercised)"
echo "running consumer: $written events in its trace file, $(cat "$tmp/rec2.out"); together $distinct distinct events, $((total - distinct)) twice"

# 3. a clean exit leaves nothing behind
NARRATE_RECOVER_DIR="$tmp/rec3" NARRATE_OUTPUT=none "$prog" clean 100 || fail "clean: exit status"
[ -z "$(ls -A "$tmp/rec3")" ] || { ls "$tmp/rec3"; fail "clean: files left behind"; }
echo "clean exit: no recovery files left"
