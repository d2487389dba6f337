#!/bin/sh
# bench/run_backend.sh BUILD_DIR - the back end: how fast recorded events reach each sink, what a
# whole trace of a call-heavy program costs, and the consumer's instructions per event.
# Not a test: nothing here passes or fails on a number. Called by bench/run.sh (make bench).
set -eu
b=${1:?usage: run_backend.sh BUILD_DIR}/bench
narrate_cmd="$(dirname "$b")/tools/narrate/narrate"
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# 1. Delivered rate per sink: N events as fast as one thread records them. Rings of 512 MiB
#    (nothing can drop: the rate is the consumer's) and the default 1 MiB (what a user gets).
n=5000000
echo "| back end: $n events recorded by 1 thread | ring | delivered M events/s (median of $rounds) | recorded M/s | dropped |"
echo "|---|---|---:|---:|---:|"
for kind in tiny pair; do
  for sink in "trace:$tmp/c.trace" "jsonl:/dev/null" console none; do
    for ring in 512M default; do
      label=$(echo "$sink" | sed "s|$tmp/c.trace|FILE|")
      [ "$sink" = console ] && [ "$ring" = default ] && continue
      i=0
      while [ $i -lt "$rounds" ]; do
        # NARRATE_LOG=trace: the console shows every event (without it, it starts at INFO)
        if [ "$ring" = default ]; then env -u NARRATE_RING_SIZE NARRATE_LOG=trace NARRATE_OUTPUT="$sink" "$b/bench_consumer" $kind $n 2> /dev/null
        else NARRATE_LOG=trace NARRATE_RING_SIZE=$ring NARRATE_OUTPUT="$sink" "$b/bench_consumer" $kind $n 2> /dev/null; fi
        i=$((i + 1))
      done > "$tmp/rows"
      # fields: kind threads n record_s all_s delivered dropped
      rate=$(awk -F'\t' '{ print $6 / $5 / 1e6 }' "$tmp/rows" | median)
      rec=$(awk -F'\t' '{ print $3 / $4 / 1e6 }' "$tmp/rows" | median)
      drop=$(awk -F'\t' '{ print $7 }' "$tmp/rows" | median)
      printf '| %s, %s | %s | %.1f | %.1f | %s |\n' "$kind" "$label" "$ring" "$rate" "$rec" "$drop"
    done
  done
done 2>&1 | grep -v '^TRACE'
# two producers on the two cores (the consumer shares them)
i=0
while [ $i -lt "$rounds" ]; do NARRATE_OUTPUT="trace:$tmp/c.trace" "$b/bench_consumer" tiny $((n / 2)) 2 2> /dev/null; i=$((i + 1)); done > "$tmp/rows"
printf '| tiny, trace:FILE, 2 threads | default | %.1f | %.1f | %s |\n' \
  "$(awk -F'\t' '{ print $6 / $5 / 1e6 }' "$tmp/rows" | median)" "$(awk -F'\t' '{ print $3 / $4 / 1e6 }' "$tmp/rows" | median)" \
  "$(awk -F'\t' '{ print $7 }' "$tmp/rows" | median)"

# 2. Consumer instructions per event (callgrind, the consumer thread alone, 512 MiB ring).
if command -v valgrind > /dev/null 2>&1; then
  echo
  echo "| consumer instructions per event (callgrind, consumer thread; raw stamps under valgrind are 50x apart, so time deltas take 2-3 bytes instead of 1) | tiny | pair |"
  echo "|---|---:|---:|"
  for sink in "trace:$tmp/c.trace" "jsonl:/dev/null" none; do
    row=""
    for kind in tiny pair; do
      rm -f "$tmp"/cg.*
      NARRATE_CLOCK=tsc NARRATE_RING_SIZE=256M NARRATE_OUTPUT="$sink" valgrind --tool=callgrind --separate-threads=yes \
        --callgrind-out-file="$tmp/cg.out" "$b/bench_consumer" $kind 200000 > /dev/null 2>&1 || true
      # the consumer is the second thread to start
      ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$tmp/cg.out-02" 2> /dev/null || echo 0)
      row="$row | $(awk -v a="${ir:-0}" 'BEGIN { printf "%.0f", a / 200000 }')"
    done
    echo "| $(echo "$sink" | sed "s|$tmp/c.trace|FILE|")$row |"
  done
fi

# 3. A call-heavy program (bench/calc, 53 functions) built plain, traced (ALL_FUNCTIONS), with
#    empty -finstrument-functions hooks, and -pg under uftrace record. Wall time, median of
#    $rounds; calls per run from the trace; drops with default settings.
timeit() { # command... -> seconds
  s0=$(date +%s%N); "$@" > /dev/null 2>&1 || true; s1=$(date +%s%N); awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }'
}
# calc's 4th argument adds untraced work to a few busy functions: calls 6 (none), ~20, ~50 and
# ~85 ns apart in the plain build
: > "$tmp/drops.file"
for args in "100000 0 1" "100000 0 1 70" "100000 0 1 200" "100000 0 1 350"; do
  : > "$tmp/drops.file"
  # shellcheck disable=SC2086
  NARRATE_OVERLOAD=block:1000 NARRATE_OUTPUT="trace:$tmp/calls.trace" "$b/calc_traced" $args > /dev/null 2>&1
  events=$("$narrate_cmd" check "$tmp/calls.trace" | awk '/^events:/ { print $2 }')
  calls=$((events / 2))
  for what in plain file block off cyg uftrace; do
    i=0
    while [ $i -lt "$rounds" ]; do
      # shellcheck disable=SC2086
      case $what in
        plain) timeit "$b/calc_plain" $args ;;
        file) timeit env -u NARRATE_RING_SIZE NARRATE_OUTPUT="trace:$tmp/calc.trace" "$b/calc_traced" $args
              "$narrate_cmd" check "$tmp/calc.trace" | awk '/^dropped:/ { print $2 }' >> "$tmp/drops.file" ;;
        block) timeit env NARRATE_OVERLOAD=block NARRATE_OUTPUT="trace:$tmp/block.trace" "$b/calc_traced" $args ;;
        off) timeit env NARRATE_LOG=off "$b/calc_traced" $args ;;
        cyg) timeit "$b/calc_cyg" $args ;;
        uftrace) if command -v uftrace > /dev/null 2>&1; then timeit uftrace record -d "$tmp/uft.data" "$b/calc_pg" $args; else echo 0; fi ;;
      esac
      i=$((i + 1))
    done | median > "$tmp/t.$what"
  done
  dropped=$(paste -sd, "$tmp/drops.file" | sed 's/,/, /g') # every round's
  bdropped=$("$narrate_cmd" check "$tmp/block.trace" | awk '/^dropped:/ { print $2 }')
  plain=$(cat "$tmp/t.plain")
  echo
  echo "| calc $args: $calls traced calls, $(awk -v p="$plain" -v c="$calls" 'BEGIN { printf "%.1f", p * 1e9 / c }') ns per call in the plain build | seconds | x plain | dropped |"
  echo "|---|---:|---:|---:|"
  for what in plain file block off cyg uftrace; do
    case $what in
      plain) label="plain build" ;; file) label="narrate ALL_FUNCTIONS, NARRATE_OUTPUT=trace:FILE, default settings" ;;
      block) label="the same with NARRATE_OVERLOAD=block (lossless)" ;;
      off) label="narrate ALL_FUNCTIONS, NARRATE_LOG=off" ;; cyg) label="-finstrument-functions, empty hooks" ;;
      uftrace) label="uftrace record (-pg build)" ;;
    esac
    d="-"; [ "$what" = file ] && d="$dropped of $((calls * 2)) (each run)"
    [ "$what" = block ] && d="$bdropped of $((calls * 2))"
    [ "$what" = uftrace ] && d="0 (uftrace)"
    printf '| %s | %.3f | %.2f | %s |\n' "$label" "$(cat "$tmp/t.$what")" "$(awk -v a="$(cat "$tmp/t.$what")" -v p="$plain" 'BEGIN { print a / p }')" "$d"
  done
done
