#!/bin/sh
# tests/e2e/check_jmp.sh PROG NARRATE - longjmp past traced frames leaves the call depth right:
# with a depth limit of 5, every round is recorded at the same depths (main is traced too: depth
# 0), the call run_round makes after its setjmp returns again is at depth 2 (not inner's 5), and
# the last call is at depth 1 again. The trace's readers close the skipped frames as unwound.
set -eu
prog=$1 narrate=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
NARRATE_MAX_DEPTH=5 NARRATE_OUTPUT="jsonl:$tmp/j.jsonl" "$prog" > "$tmp/out"
grep -q '^total 14850 sink ' "$tmp/out" || fail "the program's own output: $(cat "$tmp/out")"
for fn in main:0 run_round:1 outer:2 middle:3 inner:4 leaf:2 leaf:1; do
  name=${fn%:*} depth=${fn#*:}
  n=$(grep '"kind":"fn_enter"' "$tmp/j.jsonl" | grep "\"action\":\"$name\"" | grep -c "\"depth\":$depth," || true)
  want=100; [ "$fn" = leaf:1 ] || [ "$name" = main ] && want=1
  [ "$n" = "$want" ] || fail "$name: $n enters at depth $depth, want $want ($(grep "\"action\":\"$name\"" "$tmp/j.jsonl" | head -3))"
done
NARRATE_OUTPUT="trace:$tmp/j.trace" "$prog" > /dev/null
"$narrate" check "$tmp/j.trace" > "$tmp/check.txt"
for line in "unwound calls: 300" "open at the end: 0" "cut short by losses: 0" "unmatched exit: 0" "status: ok"; do
  grep -qx "$line" "$tmp/check.txt" || fail "narrate check: no '$line' in: $(cat "$tmp/check.txt")"
done
"$narrate" tree "$tmp/j.trace" > "$tmp/tree.txt"
grep -q "^│   │   └── middle (100 calls" "$tmp/tree.txt" && grep -q "^│   └── leaf (100 calls" "$tmp/tree.txt" ||
  fail "the tree does not close the unwound frames: $(cat "$tmp/tree.txt")"
echo "longjmp: 100 rounds through 3 traced frames, every depth right, calls after setjmp's return at their own depth, the last call at depth 1; check counts 300 unwound calls, tree closes them"
