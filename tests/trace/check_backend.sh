#!/bin/sh
# tests/trace/check_backend.sh NARRATE FLOOD - the back end's accounting, exact in every case:
# what the trace file holds plus what was dropped is what the program recorded; beside the file,
# a JSON-lines output shows every event or counts it as skipped; a ring that overflows says so
# once on stderr at exit.
set -eu
narrate=$1 flood=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$2"; }
file_count() { "$narrate" check "$1" | awk -v k="$2:" '$1 == k { print $2 }'; }

# 1. the trace file alone, rings small enough to overflow (and that do not grow: a thread's first
#    spare waits from its first event): file + drops = recorded
NARRATE_OVERLOAD=drop NARRATE_RING_SIZE=4K NARRATE_RING_GROW=off NARRATE_OUTPUT="trace:$tmp/a.trace" "$flood" 3 100000 > "$tmp/a.out" 2> "$tmp/a.err"
rec=$(field recorded "$tmp/a.out"); del=$(field delivered "$tmp/a.out"); drop=$(field dropped "$tmp/a.out")
fev=$(file_count "$tmp/a.trace" events); fdrop=$(file_count "$tmp/a.trace" dropped)
[ "$drop" -gt 0 ] || fail "a 4K ring did not overflow; the case is not exercised"
[ "$((del + drop))" = "$rec" ] || fail "delivered $del + dropped $drop != recorded $rec"
[ "$fev" = "$del" ] || fail "the file holds $fev events, narrate delivered $del"
[ "$fdrop" = "$drop" ] || fail "the file counts $fdrop drops, narrate $drop"
grep -q "^narrate: $drop of $rec events dropped" "$tmp/a.err" || fail "no drop summary at exit: $(cat "$tmp/a.err")"
[ "$(grep -c '^narrate: ' "$tmp/a.err")" = 1 ] || fail "the summary is not one line: $(cat "$tmp/a.err")"
echo "trace file, 4K rings: $fev written + $drop dropped = $rec recorded; one summary line at exit"
# 1b. the same rings at the default overload (auto): a trace file keeps every event, so a full
#     ring waits for the consumer instead of dropping; the waits are counted and said at exit
NARRATE_RING_SIZE=4K NARRATE_RING_GROW=off NARRATE_OUTPUT="trace:$tmp/w.trace" "$flood" 3 100000 > "$tmp/w.out" 2> "$tmp/w.err"
wrec=$(field recorded "$tmp/w.out"); wdrop=$(field dropped "$tmp/w.out")
[ "$wdrop" = 0 ] && [ "$(file_count "$tmp/w.trace" events)" = "$wrec" ] || fail "default overload dropped $wdrop of $wrec: $(cat "$tmp/w.err")"
grep -q "^narrate: to keep every event for the outputs that keep them all, threads waited [0-9]* times .*; no event was dropped$" "$tmp/w.err" ||
  fail "no wait summary at exit: $(cat "$tmp/w.err")"
echo "trace file, 4K rings, default overload: $wrec of $wrec written; $(sed -n 's/.*waited \([0-9]*\) times.*/\1/p' "$tmp/w.err") waits"
# a console on a terminal alone never makes the program wait: it drops (script(1) gives a terminal)
if command -v script > /dev/null 2>&1; then
  NARRATE_LOG=trace NARRATE_RING_SIZE=4K NARRATE_RING_GROW=off NARRATE_OUTPUT=console script -qec "$flood 2 50000 > $tmp/tt.out" /dev/null > /dev/null 2>&1
  [ "$(field dropped "$tmp/tt.out")" -gt 0 ] || fail "a terminal's console alone made the program wait: $(cat "$tmp/tt.out")"
fi
# the same file with its many losses in CTF: babeltrace2 reads every event and counts every loss
if command -v babeltrace2 > /dev/null 2>&1; then
  "$narrate" export --format ctf "$tmp/a.trace" -o "$tmp/a.ctf"
  babeltrace2 "$tmp/a.ctf" > "$tmp/a.bt" 2> "$tmp/a.bterr" || fail "babeltrace2 refused the CTF of a trace with losses: $(grep -v discarded "$tmp/a.bterr" | head -3)"
  [ "$(wc -l < "$tmp/a.bt")" = "$fev" ] || fail "babeltrace2 read $(wc -l < "$tmp/a.bt") of $fev events"
  lost=$(grep -o "discarded [0-9]* events\{0,1\}" "$tmp/a.bterr" | awk '{ s += $2 } END { print s + 0 }')
  [ "$lost" = "$drop" ] || fail "babeltrace2 counts $lost discarded events, the trace $drop"
  echo "ctf of that file: babeltrace2 reads its $fev events and counts its $drop losses"
fi

# 2. the default ring: whatever is written, the accounting holds and the file reads back whole
NARRATE_OUTPUT="trace:$tmp/b.trace" "$flood" 1 200000 > "$tmp/b.out" 2> /dev/null
rec=$(field recorded "$tmp/b.out"); del=$(field delivered "$tmp/b.out"); drop=$(field dropped "$tmp/b.out")
[ "$(file_count "$tmp/b.trace" events)" = "$del" ] && [ "$((del + drop))" = "$rec" ] || fail "default ring accounting"
if [ "$drop" = 0 ]; then # (with drops, an enter may be kept and its exit lost)
  "$narrate" check "$tmp/b.trace" | grep -q '^open at the end: 0$' || fail "enter/exit pairs broken: $("$narrate" check "$tmp/b.trace")"
fi
echo "trace file, default ring: $del written + $drop dropped = $rec recorded"

# 2b. rings that grow (64K, a spare up to 8M): the accounting holds across the moves, and each
#     thread's events are in the file in the order recorded (the old ring's before the new one's)
NARRATE_RING_SIZE=64K NARRATE_RING_GROW=8M NARRATE_OUTPUT="trace:$tmp/g.trace" "$flood" 3 300000 > "$tmp/g.out" 2> /dev/null
rec=$(field recorded "$tmp/g.out"); del=$(field delivered "$tmp/g.out"); drop=$(field dropped "$tmp/g.out")
grown=$(field rings_grown "$tmp/g.out")
[ "$(file_count "$tmp/g.trace" events)" = "$del" ] && [ "$((del + drop))" = "$rec" ] || fail "growing rings: accounting"
"$narrate" cat "$tmp/g.trace" --json | awk -F'"tid":' '/"action":"tick"/ { split($2, a, ","); tid = a[1]
  split($0, b, "\"human\":\"i="); n = b[2] + 0
  if (tid in last && n <= last[tid]) { print "out of order on thread " tid ": " n " after " last[tid]; bad = 1; exit }
  last[tid] = n } END { exit bad }' || fail "growing rings: a thread's events out of order"
echo "trace file, rings that grow ($grown moves): $del written + $drop dropped = $rec recorded, every thread in order"

# 3. the file and JSON lines together: a file the user named gets every event the trace file
#    has, however far it falls behind (rings grow for it; at exit it is written out)
NARRATE_OUTPUT="trace:$tmp/c.trace,jsonl:$tmp/c.jsonl" "$flood" 2 100000 > "$tmp/c.out" 2> /dev/null
del=$(field delivered "$tmp/c.out"); skipped=$(field text_skipped "$tmp/c.out")
fev=$(file_count "$tmp/c.trace" events)
shown=$(grep -c '"actor":"flood"' "$tmp/c.jsonl" || true)
[ "$fev" = "$del" ] || fail "file $fev events, delivered $del"
[ "$skipped" = 0 ] && [ "$shown" = "$fev" ] || fail "JSON lines show $shown (skipped $skipped), the file $fev"
echo "trace file + JSON lines: file $fev events; JSON lines $shown, none skipped"

# 3a. JSON lines alone, the same flood: every event in the file (rings grow for it, and the
#     program waits for it at the rings' bound instead of dropping)
NARRATE_OUTPUT="jsonl:$tmp/j.jsonl" "$flood" 2 100000 > "$tmp/j.out" 2> /dev/null
rec=$(field recorded "$tmp/j.out"); jdrop=$(field dropped "$tmp/j.out")
shown=$(grep -c '"actor":"flood"' "$tmp/j.jsonl" || true)
[ "$jdrop" = 0 ] && [ "$shown" = "$rec" ] || fail "JSON lines alone: $shown of $rec written, $jdrop dropped"
echo "JSON lines alone: $shown of $rec events written"

# 3b. a console on a terminal beside the file may skip to keep up: what it skips is counted, and
#     it says so (script(1) gives the program a terminal)
if command -v script > /dev/null 2>&1; then
  NARRATE_LOG=trace NARRATE_OUTPUT="trace:$tmp/t.trace,console" script -qec "$flood 2 100000 > $tmp/t.out" /dev/null > "$tmp/t.tty" 2>&1
  skipped=$(field text_skipped "$tmp/t.out"); fev=$(file_count "$tmp/t.trace" events)
  shown=$(grep -c 'flood' "$tmp/t.tty" || true)
  [ "$((shown + skipped))" = "$fev" ] || fail "terminal: shown $shown + skipped $skipped != file $fev"
  if [ "$skipped" -gt 0 ]; then grep -q "not shown here: this output fell behind" "$tmp/t.tty" || fail "terminal skipped $skipped events without saying so"; fi
  echo "trace file + console on a terminal: file $fev events; console $shown shown + $skipped skipped"
fi

# 4. a program that records at a pace its outputs keep up with: nothing skipped, nothing dropped,
#    and the JSON lines hold exactly the file's events
NARRATE_OUTPUT="trace:$tmp/d.trace,jsonl:$tmp/d.jsonl" "$flood" 2 2000 > "$tmp/d.out" 2> /dev/null
rec=$(field recorded "$tmp/d.out"); skipped=$(field text_skipped "$tmp/d.out"); drop=$(field dropped "$tmp/d.out")
shown=$(grep -c '"actor":"flood"' "$tmp/d.jsonl" || true)
[ "$(file_count "$tmp/d.trace" events)" = "$rec" ] || fail "small run: the file lacks events"
[ "$((shown + skipped))" = "$rec" ] && [ "$drop" = 0 ] || fail "small run: shown $shown + skipped $skipped, dropped $drop, of $rec"
echo "small run: $rec events in the file, $shown in the JSON lines, $skipped skipped"

# 5. one damaged block in the middle: the read skips it, goes on at the next good block, and
#    says what it skipped; summaries say they are incomplete and by how much
NARRATE_RING_SIZE=64M NARRATE_OUTPUT="trace:$tmp/e.trace" "$flood" 2 50000 > "$tmp/e.out" 2> /dev/null
rec=$(field recorded "$tmp/e.out")
size=$(wc -c < "$tmp/e.trace")
# four flipped bytes inside one events block (type 3, 7 or 9) past 30% of the file, 64 bytes into its
# payload: its header and its thread and count stay legible (a small clock or thread block there
# would lose no event, and the count below would not be exact)
at=""
for off in $(grep -obUa NBLK "$tmp/e.trace" | cut -d: -f1); do
  [ "$off" -ge $((size * 3 / 10)) ] || continue
  type=$(od -An -tu1 -j $((off + 4)) -N1 "$tmp/e.trace" | tr -d ' ')
  len=$(od -An -tu4 -j $((off + 8)) -N4 "$tmp/e.trace" | tr -d ' ')
  if { [ "$type" = 3 ] || [ "$type" = 7 ] || [ "$type" = 9 ]; } && [ "$len" -ge 200 ] && [ $((off + 16 + len)) -le "$size" ]; then at=$((off + 16 + 64)); break; fi
done
[ -n "$at" ] || fail "no events block past 30% of the trace to damage"
for k in 0 7 14 21; do
  printf '\377' | dd of="$tmp/e.trace" bs=1 seek=$((at + k)) conv=notrunc 2> /dev/null
done
"$narrate" check "$tmp/e.trace" > "$tmp/e.check" 2> "$tmp/e.cerr" && fail "check of a damaged file exited 0"
got=$(awk '$1 == "events:" { print $2 }' "$tmp/e.check")
legible=$(sed -n 's/^skipped: .*(\([0-9]*\) events legible.*/\1/p' "$tmp/e.check")
[ -n "$legible" ] || fail "check did not say what it skipped: $(cat "$tmp/e.check")"
# every event outside the damaged block is read: read + the block's own count = recorded
[ "$((got + legible))" = "$rec" ] || fail "damaged file: $got events read + $legible skipped != $rec recorded"
grep -q "skipped [0-9]* bytes" "$tmp/e.cerr" || fail "no damage message naming the skipped bytes: $(cat "$tmp/e.cerr")"
"$narrate" stats "$tmp/e.trace" > "$tmp/e.stats" 2> /dev/null || true
grep -q "^incomplete: $legible events were lost (0 while recording, $legible in damaged blocks" "$tmp/e.stats" ||
  fail "stats does not say it is incomplete: $(tail -2 "$tmp/e.stats")"
echo "damaged block: $got of $rec events read, $legible skipped with the block, stats says incomplete"
