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

# 1. the trace file alone, rings small enough to overflow: file + drops = recorded
NARRATE_RING_SIZE=4K NARRATE_OUTPUT="trace:$tmp/a.trace" "$flood" 3 100000 > "$tmp/a.out" 2> "$tmp/a.err"
rec=$(field recorded "$tmp/a.out"); del=$(field delivered "$tmp/a.out"); drop=$(field dropped "$tmp/a.out")
fev=$(file_count "$tmp/a.trace" events); fdrop=$(file_count "$tmp/a.trace" dropped)
[ "$drop" -gt 0 ] || fail "a 4K ring did not overflow; the case is not exercised"
[ "$((del + drop))" = "$rec" ] || fail "delivered $del + dropped $drop != recorded $rec"
[ "$fev" = "$del" ] || fail "the file holds $fev events, narrate delivered $del"
[ "$fdrop" = "$drop" ] || fail "the file counts $fdrop drops, narrate $drop"
grep -q "^narrate: $drop of $rec events dropped" "$tmp/a.err" || fail "no drop summary at exit: $(cat "$tmp/a.err")"
[ "$(grep -c '^narrate: ' "$tmp/a.err")" = 1 ] || fail "the summary is not one line: $(cat "$tmp/a.err")"
echo "trace file, 4K rings: $fev written + $drop dropped = $rec recorded; one summary line at exit"

# 2. the default ring: whatever is written, the accounting holds and the file reads back whole
NARRATE_OUTPUT="trace:$tmp/b.trace" "$flood" 1 200000 > "$tmp/b.out" 2> /dev/null
rec=$(field recorded "$tmp/b.out"); del=$(field delivered "$tmp/b.out"); drop=$(field dropped "$tmp/b.out")
[ "$(file_count "$tmp/b.trace" events)" = "$del" ] && [ "$((del + drop))" = "$rec" ] || fail "default ring accounting"
if [ "$drop" = 0 ]; then # (with drops, an enter may be kept and its exit lost)
  "$narrate" check "$tmp/b.trace" | grep -q '^unmatched enter: 0$' || fail "enter/exit pairs broken: $("$narrate" check "$tmp/b.trace")"
fi
echo "trace file, default ring: $del written + $drop dropped = $rec recorded"

# 3. the file and JSON lines together: every event in the file is in the JSON lines or counted as
#    skipped there; the JSON lines say when they skipped
NARRATE_OUTPUT="trace:$tmp/c.trace,jsonl:$tmp/c.jsonl" "$flood" 2 100000 > "$tmp/c.out" 2> /dev/null
del=$(field delivered "$tmp/c.out"); skipped=$(field text_skipped "$tmp/c.out")
fev=$(file_count "$tmp/c.trace" events)
shown=$(grep -c '"actor":"flood"' "$tmp/c.jsonl" || true)
[ "$fev" = "$del" ] || fail "file $fev events, delivered $del"
[ "$((shown + skipped))" = "$fev" ] || fail "JSON lines show $shown + skipped $skipped != file $fev"
if [ "$skipped" -gt 0 ]; then
  grep -q '"action":"text_skipped"' "$tmp/c.jsonl" || fail "JSON lines skipped $skipped events without saying so"
fi
echo "trace file + JSON lines: file $fev events; JSON lines $shown shown + $skipped skipped"

# 4. a program that records at a pace its outputs keep up with: nothing skipped, nothing dropped,
#    and the JSON lines hold exactly the file's events
NARRATE_OUTPUT="trace:$tmp/d.trace,jsonl:$tmp/d.jsonl" "$flood" 2 2000 > "$tmp/d.out" 2> /dev/null
rec=$(field recorded "$tmp/d.out"); skipped=$(field text_skipped "$tmp/d.out"); drop=$(field dropped "$tmp/d.out")
shown=$(grep -c '"actor":"flood"' "$tmp/d.jsonl" || true)
[ "$(file_count "$tmp/d.trace" events)" = "$rec" ] || fail "small run: the file lacks events"
[ "$((shown + skipped))" = "$rec" ] && [ "$drop" = 0 ] || fail "small run: shown $shown + skipped $skipped, dropped $drop, of $rec"
echo "small run: $rec events in the file, $shown in the JSON lines, $skipped skipped"
