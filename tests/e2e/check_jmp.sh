#!/bin/sh
# tests/e2e/check_jmp.sh PROG - longjmp past traced frames leaves the call depth right: with a
# depth limit of 5, every round is recorded at the same depths (main is traced too: depth 0) and
# the last call is at depth 1 again.
set -eu
prog=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
NARRATE_MAX_DEPTH=5 NARRATE_OUTPUT="jsonl:$tmp/j.jsonl" "$prog" > "$tmp/out"
grep -q '^total 14850 sink ' "$tmp/out" || fail "the program's own output: $(cat "$tmp/out")"
for fn in main:0 run_round:1 outer:2 middle:3 inner:4 leaf:1; do
  name=${fn%:*} depth=${fn#*:}
  n=$(grep '"kind":"fn_enter"' "$tmp/j.jsonl" | grep "\"action\":\"$name\"" | grep -c "\"depth\":$depth," || true)
  want=100; [ "$name" = leaf ] || [ "$name" = main ] && want=1
  [ "$n" = "$want" ] || fail "$name: $n enters at depth $depth, want $want ($(grep "\"action\":\"$name\"" "$tmp/j.jsonl" | head -3))"
done
echo "longjmp: 100 rounds through 3 traced frames, every depth right, the last call at depth 1"
