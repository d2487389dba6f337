#!/bin/sh
# tests/e2e/check_lossy.sh PROG NARRATE - losses and longjmps told apart (lossy.c): lossless,
# narrate check counts exactly the frames the longjmps skipped as unwound and none cut short; with
# rings far too small, events are lost in bursts, the calls whose exits went with them are cut
# short, no more calls count as unwound than the program unwound, and the tree never nests deeper
# than the program's five levels.
set -eu
prog=$1 narrate=$2 macros=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
field() { awk -v k="$1:" '$0 ~ "^" k { print $NF }' "$2"; }
n=100000 jumps=$((100000 / 100 * 3))
NARRATE_OVERLOAD=block NARRATE_RING_SIZE=64M NARRATE_OUTPUT="trace:$tmp/all.trace" "$prog" $n > /dev/null
"$narrate" check "$tmp/all.trace" > "$tmp/all.txt"
[ "$(field dropped "$tmp/all.txt")" = 0 ] || fail "lossless run dropped: $(cat "$tmp/all.txt")"
[ "$(field "unwound calls" "$tmp/all.txt")" = $jumps ] || fail "lossless: want $jumps unwound calls: $(cat "$tmp/all.txt")"
[ "$(field "cut short by losses" "$tmp/all.txt")" = 0 ] || fail "lossless: calls cut short: $(cat "$tmp/all.txt")"
[ "$(field "open at the end" "$tmp/all.txt")" = 0 ] || fail "lossless: calls left open: $(cat "$tmp/all.txt")"
NARRATE_OVERLOAD=drop NARRATE_RING_SIZE=4K NARRATE_RING_GROW=off NARRATE_OUTPUT="trace:$tmp/lossy.trace" "$prog" $n > /dev/null 2>&1
"$narrate" check "$tmp/lossy.trace" > "$tmp/lossy.txt"
dropped=$(field dropped "$tmp/lossy.txt") unwound=$(field "unwound calls" "$tmp/lossy.txt") cut=$(field "cut short by losses" "$tmp/lossy.txt")
[ "$dropped" -gt 0 ] || fail "4K rings lost nothing: the test needs losses"
[ "$cut" -gt 0 ] || fail "events lost but no call cut short: $(cat "$tmp/lossy.txt")"
[ "$unwound" -le $jumps ] || fail "$unwound calls counted as unwound, the program unwound $jumps: $(cat "$tmp/lossy.txt")"
"$narrate" tree "$tmp/lossy.trace" > "$tmp/tree.txt"
depth() {
  python3 -c 'import sys
lv = [len(l) - len(l.lstrip("│├└─ ")) for l in open(sys.argv[1], encoding="utf-8") if " call" in l and "total" in l]
print(max(lv) // 4 + 1 if lv else 0)' "$1"
}
deepest=$(depth "$tmp/tree.txt")
[ "$deepest" -le 5 ] || fail "the tree nests $deepest levels deep; the program 5: $(head -30 "$tmp/tree.txt")"
grep -q "^incomplete: $dropped events were lost while recording" "$tmp/tree.txt" || fail "tree does not say what was lost: $(tail -3 "$tmp/tree.txt")"
# a program that never longjmps, losing events into rings that grow (from 4K, once): no call is
# unwound; each loss is placed where it happened, also the ones of a ring the thread left full
# for its larger successor (issue 22: 1-9 calls counted as unwound in such runs)
for k in 1 2 3; do
  NARRATE_OVERLOAD=drop NARRATE_RING_SIZE=4K NARRATE_RING_GROW=32K NARRATE_OUTPUT="trace:$tmp/grow.trace" "$prog" $n nojump > /dev/null 2>&1
  "$narrate" check "$tmp/grow.trace" > "$tmp/grow.txt"
  [ "$(field "unwound calls" "$tmp/grow.txt")" = 0 ] || fail "no longjmp, yet calls counted as unwound: $(cat "$tmp/grow.txt")"
done
# calls recorded with NARR_TRACE_ENTER / _EXIT (main -> mid -> leaf, two levels traced), lost in
# bursts: the enters carry the thread's depth as generated ones do, so no call nests deeper
NARRATE_OVERLOAD=drop NARRATE_RING_SIZE=4K NARRATE_RING_GROW=off NARRATE_OUTPUT="trace:$tmp/m.trace" "$macros" $n > /dev/null 2>&1
"$narrate" check "$tmp/m.trace" > "$tmp/m.txt"
[ "$(field dropped "$tmp/m.txt")" -gt 0 ] || fail "macros: 4K rings lost nothing: the test needs losses"
"$narrate" tree "$tmp/m.trace" > "$tmp/mtree.txt"
mdeep=$(depth "$tmp/mtree.txt")
[ "$mdeep" -le 2 ] || fail "macros: the tree nests $mdeep levels deep; the program 2: $(head -20 "$tmp/mtree.txt")"
grep -q "mid (" "$tmp/mtree.txt" && grep -q "leaf (" "$tmp/mtree.txt" || fail "macros: tree lacks mid or leaf: $(head "$tmp/mtree.txt")"
echo "losses and longjmps: lossless $jumps unwound, 0 cut short; lossy ($dropped lost) $cut cut short, $unwound unwound, the tree at most $deepest levels deep"
