#!/bin/sh
# Addresses survive the trace file's prediction (PRAWEVENTS, trace_format.h): every event of
# pointers.c that the console shows, `narrate cat --plain` shows the same, across blocks,
# threads, colliding slots and deltas that wrap.
# usage: check_pointers.sh POINTERS_PROG NARRATE
set -eu
prog=$1 narrate=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
NARRATE_LOG=trace NARRATE_RING_SIZE=64M NARRATE_OUTPUT="console,trace:$tmp/p.trace" "$prog" 3000 2> "$tmp/console.txt"
"$narrate" cat --plain "$tmp/p.trace" > "$tmp/cat.txt"
"$narrate" check "$tmp/p.trace" > "$tmp/check.txt" || { cat "$tmp/check.txt"; fail "the trace does not check"; }
grep -q "^dropped: 0$" "$tmp/check.txt" || fail "events were dropped: $(cat "$tmp/check.txt")"
lines=$(wc -l < "$tmp/console.txt")
[ "$lines" -eq $((2 * (3000 * 5 + 60 * 600))) ] ||
  fail "the console shows $lines lines, not the program's events; other lines: $(grep -v '^TRACE ptrs ' "$tmp/console.txt" | head -20)"
blocks=$(awk '/^blocks:/ { print $2 }' "$tmp/check.txt")
[ "$blocks" -ge 10 ] || fail "only $blocks blocks: the test wants many"
grep -q "hi=0xffffffffffffffff" "$tmp/console.txt" || fail "no address at the top of the space"
sort "$tmp/console.txt" > "$tmp/console.sorted"
sort "$tmp/cat.txt" | diff -u "$tmp/console.sorted" - > "$tmp/diff" || { head -20 "$tmp/diff"; fail "cat --plain differs from the console"; }
echo "addresses: $lines events in $blocks blocks read back as the console showed them"
