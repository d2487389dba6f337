#!/bin/sh
# Several processes with one NARRATE_OUTPUT: JSON lines shared by two writers lose no line and
# split none; a trace path in use makes the second process write PATH.<pid> and say so; %p, %n
# and a directory give each process its own file.
# usage: check_processes.sh NARRATE FLOOD PYTHON
set -eu
narrate=$1 flood=$2 py=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
unset NARRATE_LOG NARRATE_RING_SIZE

# 1. two writers of one JSON-lines file, at once (as a pipeline's two programs are)
NARRATE_RING_SIZE=64M NARRATE_OUTPUT="jsonl:$tmp/shared.jsonl,trace:$tmp/shared.trace" "$flood" 2 20000 > "$tmp/a.out" 2> "$tmp/a.err" &
a=$!
NARRATE_RING_SIZE=64M NARRATE_OUTPUT="jsonl:$tmp/shared.jsonl,trace:$tmp/shared.trace" "$flood" 2 20000 > "$tmp/b.out" 2> "$tmp/b.err" &
b=$!
wait $a || fail "first writer failed: $(cat "$tmp/a.err")"
wait $b || fail "second writer failed: $(cat "$tmp/b.err")"
lines=$(wc -l < "$tmp/shared.jsonl")
[ "$lines" = 160000 ] || fail "the shared JSON lines hold $lines lines, wanted 160000 (2 x 2 x 20000 x 2)"
"$py" -c "
import json, sys
pids = {}
for n, line in enumerate(open(sys.argv[1]), 1):
    ev = json.loads(line)
    pids[ev['emitted_by']] = pids.get(ev['emitted_by'], 0) + 1
" "$tmp/shared.jsonl" || fail "a line of the shared JSON lines is not JSON (split or interleaved)"
echo "shared JSON lines: $lines whole lines from two processes"

# 2. the trace path: one process has it, the other writes PATH.<pid> and says so
n=$(cat "$tmp/a.err" "$tmp/b.err" | grep -c "is being written by another process" || true)
[ "$n" = 1 ] || fail "wanted one process to say the trace was taken, got $n: $(cat "$tmp/a.err" "$tmp/b.err")"
other=$(ls "$tmp"/shared.trace.* 2> /dev/null)
[ -n "$other" ] || fail "no PATH.<pid> trace"
for f in "$tmp/shared.trace" $other; do
  "$narrate" check "$f" > "$tmp/c" || fail "$f is damaged: $(cat "$tmp/c")"
  [ "$(awk '$1 == "events:" { print $2 }' "$tmp/c")" = 80000 ] || fail "$f: $(cat "$tmp/c")"
done
echo "shared trace path: one file each, both whole"

# 3. patterns and a directory
mkdir "$tmp/dir"
NARRATE_OUTPUT="trace:$tmp/dir,jsonl:$tmp/p-%p-%n.jsonl" "$flood" 1 10 > /dev/null 2> /dev/null &
p1=$!
NARRATE_OUTPUT="trace:$tmp/dir,jsonl:$tmp/p-%p-%n.jsonl" "$flood" 1 10 > /dev/null 2> /dev/null &
p2=$!
wait $p1 $p2
for p in $p1 $p2; do
  [ -s "$tmp/p-$p-flood.jsonl" ] || fail "no $tmp/p-$p-flood.jsonl: $(ls "$tmp")"
  [ -s "$tmp/dir/flood-$p.trace" ] || fail "no $tmp/dir/flood-$p.trace: $(ls "$tmp/dir")"
done
echo "%p, %n and a directory: a file per process"

# 4. the processes read together: cat merges them by wall clock with each line's pid, stats and
#    tree show each in turn; a directory stands for its trace files
"$narrate" cat "$tmp/dir" > "$tmp/merged" || fail "cat of a directory failed"
[ "$(wc -l < "$tmp/merged")" = 40 ] || fail "cat of two 20-event traces gave $(wc -l < "$tmp/merged") lines"
[ "$(awk '{ print $2 }' "$tmp/merged" | sort -u | wc -l)" = 2 ] || fail "cat does not show both pids: $(head -3 "$tmp/merged")"
sort -s -n -k1,1 -c "$tmp/merged" || fail "merged cat is not in time order"
"$narrate" stats "$tmp/shared.trace" $other > "$tmp/s2" || fail "stats of two files failed"
[ "$(grep -c '^== ' "$tmp/s2")" = 2 ] || fail "stats of two files: $(cat "$tmp/s2")"
echo "several files: cat merged by time with pids, stats per process"
