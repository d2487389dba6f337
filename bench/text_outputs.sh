#!/bin/sh
# bench/text_outputs.sh BUILD_DIR - what text file outputs get (issue 23): JSON lines alone and
# beside a trace file, a burst of 50,000 events and a sustained run of 5 M, with the default
# settings and with NARRATE_OVERLOAD=drop (the program never waits): events recorded, lines
# written, dropped, the program's wall time and its peak memory.
# Not a test: nothing here passes or fails on a number. Called by bench/run.sh (make bench).
set -eu
b=${1:?usage: text_outputs.sh BUILD_DIR}/bench
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "| text outputs, 1 thread, tiny events | overload | recorded | JSON lines written | dropped | skipped (said) | wall s (median of $rounds) | peak RSS MB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for n in 50000 5000000; do
  for outs in "jsonl" "trace+jsonl"; do
    for ov in auto drop; do
      i=0
      : > "$tmp/walls"
      while [ $i -lt "$rounds" ]; do
        rm -f "$tmp/o.jsonl" "$tmp/o.trace"
        o="jsonl:$tmp/o.jsonl"
        [ "$outs" = "trace+jsonl" ] && o="trace:$tmp/o.trace,$o"
        /usr/bin/time -f "%e %M" -o "$tmp/time" env NARRATE_LOG=trace NARRATE_OVERLOAD=$ov NARRATE_OUTPUT="$o" \
          "$b/bench_consumer" tiny $n > "$tmp/out" 2> /dev/null
        awk '{ print $1 }' "$tmp/time" >> "$tmp/walls"
        i=$((i + 1))
      done
      written=$(grep -c '"action":"tick"' "$tmp/o.jsonl" || true)
      skipped=$(grep -o '"human":"[0-9]* events of thread [0-9]* not shown here' "$tmp/o.jsonl" | awk -F'"' '{ split($4, a, " "); s += a[1] } END { print s + 0 }')
      dropped=$(awk -F'\t' '{ print $7 }' "$tmp/out")
      echo "| $outs, $n events | $ov | $n | $written | $dropped | $skipped | $(median < "$tmp/walls") | $(awk '{ printf "%.0f", $2 / 1024 }' "$tmp/time") |"
    done
  done
done
