#!/bin/sh
# bench/run.sh BUILD_DIR - the hot-path table: ns per event (median of medians over ROUNDS runs),
# the ratio to the floor measured in the same run, and instructions per event from callgrind.
# Not a test: nothing here passes or fails on a number.
set -eu
b=${1:?usage: run.sh BUILD_DIR}/bench
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_all() {
  "$b/bench_hotpath"
  "$b/bench_fn"
  "$b/bench_fn_cyg"
  "$b/bench_redact"
  if command -v uftrace >/dev/null 2>&1; then
    uftrace record -d "$tmp/uftrace.data" "$b/bench_fn_pg" uftrace 2>/dev/null
  fi
  [ -x "$b/bench_lttng" ] && "$b/bench_lttng" lttng_disabled
  [ -x "$b/bench_spdlog" ] && "$b/bench_spdlog"
  true
}

# No session daemon may run while "disabled" is measured: a root daemon enables the tracepoint
# for every process. Stop any, measure, then start one for the enabled rows.
pkill -x lttng-sessiond 2>/dev/null && sleep 1 || true
i=0
while [ $i -lt "$rounds" ]; do run_all >> "$tmp/times.tsv"; i=$((i + 1)); done

lttng_note="not run: lttng-tools missing"
if [ -x "$b/bench_lttng" ] && command -v lttng-sessiond >/dev/null 2>&1; then
  if LTTNG_HOME="$tmp" lttng-sessiond --daemonize --no-kernel >"$tmp/sessiond.log" 2>&1 &&
     LTTNG_HOME="$tmp" lttng create narrbench --output="$tmp/trace" >/dev/null 2>&1 &&
     LTTNG_HOME="$tmp" lttng enable-event -u 'narrbench:tick' >/dev/null 2>&1 &&
     LTTNG_HOME="$tmp" lttng start >/dev/null 2>&1; then
    touch "$tmp/lttng_ok"
  else
    lttng_note="not run: lttng-sessiond could not start a session here ($(tail -n 1 "$tmp/sessiond.log" 2>/dev/null))"
  fi
fi

if [ -f "$tmp/lttng_ok" ]; then
  i=0
  while [ $i -lt "$rounds" ]; do LTTNG_HOME="$tmp" "$b/bench_lttng" lttng_enabled >> "$tmp/times.tsv"; i=$((i + 1)); done
  stopped=$(LTTNG_HOME="$tmp" lttng stop 2>&1 | grep -i "discarded" | head -n 1 || true)
  LTTNG_HOME="$tmp" lttng destroy >/dev/null 2>&1 || true
  lttng_note="a session of run.sh's own; $(du -sk "$tmp/trace" 2>/dev/null | cut -f1) KiB of trace written. ${stopped:-no discarded events reported}"
  pkill -x lttng-sessiond 2>/dev/null || true
fi

# Instructions per event: callgrind over N1 and N2 iterations of one case's loop function; the
# difference over N2-N1 removes set-up, the empty loop's count removes the loop itself.
n1=4000 n2=8000
ir() { # binary case n -> Ir inside bench_loop_<case>
  out="$tmp/cg.$2.$3"
  NARRATE_CLOCK=tsc valgrind --tool=callgrind --callgrind-out-file="$out" \
    --toggle-collect="bench_loop_$2*" "$1" "$2" "$3" >/dev/null 2>&1 || { echo 0; return; }
  awk '/^(summary|totals):/ {print $2; exit}' "$out"
}
per_iter() { # binary case
  a=$(ir "$1" "$2" $n1); c=$(ir "$1" "$2" $n2)
  awk -v a="$a" -v c="$c" -v n1=$n1 -v n2=$n2 'BEGIN { printf "%.2f", (c - a) / (n2 - n1) }'
}
if command -v valgrind >/dev/null 2>&1; then
  empty=$(per_iter "$b/bench_hotpath" empty)
  for c in rdtsc floor tiny enter_exit disabled fprintf; do
    printf '%s\t%s\n' "$c" "$(per_iter "$b/bench_hotpath" $c)" >> "$tmp/ir.tsv"
  done
  [ -x "$b/bench_lttng" ] && printf 'lttng_disabled\t%s\n' "$(per_iter "$b/bench_lttng" lttng)" >> "$tmp/ir.tsv"
  [ -x "$b/bench_spdlog" ] && printf 'spdlog\t%s\n' "$(per_iter "$b/bench_spdlog" spdlog)" >> "$tmp/ir.tsv"
  for c in plain_call trace_fn; do printf '%s\t%s\n' "$c" "$(per_iter "$b/bench_fn" $c)" >> "$tmp/ir.tsv"; done
  printf 'cyg_hooks\t%s\n' "$(per_iter "$b/bench_fn_cyg" cyg)" >> "$tmp/ir.tsv"
  for c in redact_clean_kb redact_bearer; do printf '%s\t%s\n' "$c" "$(per_iter "$b/bench_redact" $c)" >> "$tmp/ir.tsv"; done
else
  empty=0
fi
touch "$tmp/ir.tsv"

echo "narrate hot path, $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "ns/event: median over $rounds runs of the median of 15 batches of 16384 events; instructions: callgrind, loop excluded (empty loop = $empty instr/iter)"
echo
awk -F'\t' -v empty="$empty" '
  FILENAME ~ /ir.tsv$/ { ir[$1] = $2; next }
  { v[$1, ++n[$1]] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
  function median(c,   m, i, j, t, a) {
    m = n[c]; for (i = 1; i <= m; i++) a[i] = v[c, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((m + 1) / 2)]
  }
  END {
    label["empty"] = "empty loop (reference)"; label["rdtsc"] = "rdtsc alone (reference)"; label["floor"] = "floor: rdtsc + 32-byte TLS store"
    label["tiny"] = "narrate NARR_TRACE_TINY, enabled"; label["enter_exit"] = "narrate ENTER+EXIT pair, 2 int args"
    label["disabled"] = "narrate site disabled at run time"; label["fprintf"] = "fprintf to /dev/null"
    label["lttng_disabled"] = "LTTng-UST tracepoint, disabled"; label["lttng_enabled"] = "LTTng-UST tracepoint, enabled"
    label["spdlog"] = "spdlog trace() to /dev/null (sync)"; label["spdlog_null"] = "spdlog trace() to null_sink"
    fnrow["plain_call"] = 1; fnrow["trace_fn"] = 1; fnrow["cyg_hooks"] = 1; fnrow["uftrace"] = 1
    fnrow["redact_clean_kb"] = 1; fnrow["redact_bearer"] = 1
    f = median("floor")
    printf "| case | ns/event | x floor | instructions/event |\n|---|---:|---:|---:|\n"
    for (i = 1; i <= k; i++) {
      c = order[i]; if (c in fnrow) continue; m = median(c)
      ins = (c in ir) ? sprintf("%.1f", ir[c] - empty) : "-"
      printf "| %s | %.2f | %.2f | %s |\n", (c in label) ? label[c] : c, m, m / f, ins
    }
    # function tracing: calls of work(int, int) defined in another file; overhead = ns - plain call
    flabel["plain_call"] = "plain call (reference)"
    flabel["trace_fn"] = "narrate TRACE_FN: enter+exit, 2 int args, result, elapsed"
    flabel["cyg_hooks"] = "-finstrument-functions, hooks record fn+site+rdtsc (no args)"
    flabel["uftrace"] = "uftrace record (-pg, mcount)"
    p = median("plain_call"); t = median("tiny")
    printf "\n| function tracing | ns/call | overhead ns | overhead / tiny event | instructions/call over plain |\n"
    printf "|---|---:|---:|---:|---:|\n"
    split("plain_call trace_fn cyg_hooks uftrace", rows, " ")
    for (i = 1; i <= 4; i++) {
      c = rows[i]; if (!(c in n)) continue; m = median(c)
      ins = (c in ir) ? sprintf("%.1f", ir[c] - ir["plain_call"]) : "-"
      printf "| %s | %.2f | %.2f | %.2f | %s |\n", flabel[c], m, m - p, (m - p) / t, ins
    }
    # redaction (consumer side): the seed measured 605 ns per clean KB and 431 ns per bearer token
    printf "\n| redaction | ns | seed, regexes | ratio | instructions |\n|---|---:|---:|---:|---:|\n"
    if ("redact_clean_kb" in n) printf "| 1 KB of clean prose | %.1f | 605 | %.2f | %s |\n", median("redact_clean_kb"), median("redact_clean_kb") / 605, ("redact_clean_kb" in ir) ? ir["redact_clean_kb"] - empty : "-"
    if ("redact_bearer" in n) printf "| a line with one bearer token | %.1f | 431 | %.2f | %s |\n", median("redact_bearer"), median("redact_bearer") / 431, ("redact_bearer" in ir) ? ir["redact_bearer"] - empty : "-"
  }' "$tmp/ir.tsv" "$tmp/times.tsv"
# (two runs: beside a trace file, JSON lines that fall behind skip events)
NARRATE_OUTPUT="trace:$tmp/size.trace" "$b/bench_fn" size 100000
NARRATE_OUTPUT="jsonl:$tmp/size.jsonl" NARRATE_OVERLOAD=block "$b/bench_fn" size 100000
tsize=$(wc -c < "$tmp/size.trace"); jsize=$(wc -c < "$tmp/size.jsonl")
echo
echo "Trace size: 100000 TRACE_FN calls (enter+exit, two small ints, result): trace $tsize bytes," \
     "JSON lines $jsize bytes, 1/$(awk -v a="$jsize" -v b="$tsize" 'BEGIN { printf "%.1f", a / b }') ($(awk -v a="$tsize" 'BEGIN { printf "%.1f", a / 200000 }') bytes/event)"
# Decoding speed: narrate stats over 1000000 traced calls (2000000 events), median of 3 runs.
narrate_cmd="$(dirname "$b")/tools/narrate/narrate"
if [ -x "$narrate_cmd" ]; then
  NARRATE_OUTPUT="trace:$tmp/big.trace" "$b/bench_fn" size 1000000
  for r in 1 2 3; do
    s0=$(date +%s%N); "$narrate_cmd" stats "$tmp/big.trace" > /dev/null; s1=$(date +%s%N)
    echo $((s1 - s0))
  done | sort -n | sed -n 2p > "$tmp/decode_ns"
  echo "Decoding: narrate stats reads 2000000 events in $(awk '{ printf "%.3f", $1 / 1e9 }' "$tmp/decode_ns") s," \
       "$(awk '{ printf "%.1f", 2000000 / ($1 / 1e9) / 1e6 }' "$tmp/decode_ns") M events/s (median of 3)"
fi
# Latency of single events while the consumer keeps up, and while a slow sink holds it back
# (drop mode): the application never waits.
if [ -x "$b/bench_overload" ]; then
  echo
  echo "| per-event latency, 2 producers, clock_gettime around each event | p50 ns | p99 ns | p99.9 ns | p99.99 ns | max ns | dropped |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for c in nosink slow; do "$b/bench_overload" $c; done |
    awk -F'\t' '{ printf "| %s | %d | %d | %d | %d | %d | %.1f%% |\n", $1 == "slow_consumer" ? "consumer held back by a 1 us/event sink" : "consumer with no sink", $2, $3, $4, $5, $6, $7 * 100 }'
fi
echo
sh "$(dirname "$0")/run_backend.sh" "${1}"
echo
sh "$(dirname "$0")/text_outputs.sh" "${1}"
echo
echo "LTTng enabled: $lttng_note"
echo "Compiled out (below NARRATE_LEVEL): identical .text, checked by ctest -L codegen."
