#!/bin/sh
# The e2e program built through narrate_instrument: exact enter/exit sequence with values;
# its JSON lines carry depth; the same program built at OFF prints no trace and its traced
# twins compile to the same code (every executable section) as the original sources.
# usage: check_e2e.sh TRACED_EXE OFF_EXE EXPECTED GEN_DIR SRC_DIR INCLUDE_DIR CC
set -eu
traced=$1 off=$2 expected=$3 gen=$4 src=$5 inc=$6 cc=$7
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

NARRATE_OUTPUT="console,jsonl:$tmp/run.jsonl" NO_COLOR=1 "$traced" > "$tmp/stdout" 2> "$tmp/stderr"
sed -E 's/="0x[0-9a-f]+"/="ADDR"/g; s/elapsed_ms="[0-9.e+-]+"/elapsed_ms="MS"/' "$tmp/stderr" > "$tmp/got"
if ! diff -u "$expected" "$tmp/got"; then echo "FAIL: enter/exit sequence differs"; exit 1; fi
grep -q '^total=12$' "$tmp/stdout" && grep -q '^bad=-2$' "$tmp/stdout" && grep -q '^sum=3$' "$tmp/stdout" ||
  { echo "FAIL: the traced program computed something else:"; cat "$tmp/stdout"; exit 1; }
# depth: depth_sum(0) is entered with two traced calls active
grep '"human":"depth_sum started"' "$tmp/run.jsonl" | sed -n 3p | grep -q '"depth":2' ||
  { echo "FAIL: depth missing or wrong"; grep depth_sum "$tmp/run.jsonl"; exit 1; }
echo "traced: $(wc -l < "$tmp/got") events as expected"

# depth limit: depth_sum(0) runs at depth 2 and is not recorded; one marker says so
NARRATE_MAX_DEPTH=2 NARRATE_OUTPUT=console NO_COLOR=1 "$traced" > /dev/null 2> "$tmp/depth.err"
sed -E 's/="0x[0-9a-f]+"/="ADDR"/g; s/elapsed_ms="[0-9.e+-]+"/elapsed_ms="MS"/' "$tmp/depth.err" > "$tmp/depth.got"
diff -u "$(dirname "$expected")/expected_depth2.txt" "$tmp/depth.got" || { echo "FAIL: depth limit output"; exit 1; }
echo "depth limit: deeper calls counted, one marker"

# sampling: at ratio 0 only the failed call's tree is left; with a 0 ms slow threshold, all
NARRATE_SAMPLE=0 NARRATE_OUTPUT=console NO_COLOR=1 "$traced" > /dev/null 2> "$tmp/sample.err"
sed -E 's/="0x[0-9a-f]+"/="ADDR"/g; s/elapsed_ms="[0-9.e+-]+"/elapsed_ms="MS"/' "$tmp/sample.err" > "$tmp/sample.got"
grep ' parse_size ' "$expected" | diff -u - "$tmp/sample.got" || { echo "FAIL: sampling at 0 kept more or less than the failed tree"; exit 1; }
NARRATE_SAMPLE=0 NARRATE_SAMPLE_SLOW_MS=0 NARRATE_OUTPUT=console NO_COLOR=1 "$traced" > /dev/null 2> "$tmp/slow.err"
sed -E 's/="0x[0-9a-f]+"/="ADDR"/g; s/elapsed_ms="[0-9.e+-]+"/elapsed_ms="MS"/' "$tmp/slow.err" | diff -u "$expected" - ||
  { echo "FAIL: a 0 ms slow threshold must keep every tree"; exit 1; }
echo "sampling: ratio 0 keeps the failed tree only; slow threshold 0 keeps all"

"$off" > "$tmp/off_stdout" 2> "$tmp/off_stderr"
if [ -s "$tmp/off_stderr" ]; then echo "FAIL: the OFF build printed trace:"; cat "$tmp/off_stderr"; exit 1; fi
cmp -s "$tmp/stdout" "$tmp/off_stdout" || { echo "FAIL: the OFF build computed something else"; exit 1; }
echo "off: no trace, same results"

for f in shapes.c main.c; do
  "$cc" -std=c11 -O2 -DNARRATE_LEVEL=OFF -I"$inc" -iquote "$src" -c "$src/$f" -o "$tmp/orig.o"
  "$cc" -std=c11 -O2 -DNARRATE_LEVEL=OFF -I"$inc" -iquote "$src" -c "$gen/${f%.c}.traced.c" -o "$tmp/gen.o"
  objdump -d --no-show-raw-insn "$tmp/orig.o" | tail -n +4 > "$tmp/orig.txt"
  objdump -d --no-show-raw-insn "$tmp/gen.o" | tail -n +4 > "$tmp/gen.txt"
  if ! cmp -s "$tmp/orig.txt" "$tmp/gen.txt"; then
    echo "FAIL: $f: generated code at OFF differs from the original"; diff "$tmp/orig.txt" "$tmp/gen.txt" | head -20; exit 1
  fi
  echo "off: $f code (all sections) identical to the unannotated source ($(wc -l < "$tmp/gen.txt") lines)"
done
