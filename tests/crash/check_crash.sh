#!/bin/sh
# Fatal signals: each crash_prog run dies of its signal (the exit status says so), and its
# JSON lines hold exactly the 2000 events recorded before the crash plus one crash event;
# a handler the program installed before narrate still runs.
# usage: check_crash.sh CRASH_PROG
set -u
prog=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# sanitizers must leave these signals to the program under test
export ASAN_OPTIONS="handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0:detect_leaks=0:use_sigaltstack=0"
export UBSAN_OPTIONS="handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0"
export TSAN_OPTIONS="handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0:report_signal_unsafe=1"
for case in segv:11 bus:7 fpe:8 ill:4 abrt:6 stack:11 segv-chain:11 abrt-chain:6; do
  how=${case%%:*} sig=${case#*:}
  mode=${how%-chain}
  extra=""
  [ "$mode" != "$how" ] && extra=chain
  out="$tmp/$how.jsonl"
  NARRATE_OUTPUT="jsonl:$out" "$prog" "$mode" $extra > "$tmp/$how.stdout" 2> "$tmp/$how.stderr"
  status=$?
  [ "$status" = $((128 + sig)) ] || { cat "$tmp/$how.stderr"; fail "$how: exit status $status, want death by signal $sig"; }
  n=$(grep -c '"actor":"crash"' "$out" || true)
  [ "$n" = 2000 ] || fail "$how: $n events written, want 2000"
  for who in main worker; do
    [ "$(grep -c "\"target\":\"$who\".*\"human\":\"n=999\"" "$out")" = 1 ] || fail "$how: $who's last event missing"
  done
  grep -q '"level":"FATAL".*"action":"crash".*fatal signal' "$out" || fail "$how: no crash event"
  if [ -n "$extra" ]; then
    grep -qx "chained $sig" "$tmp/$how.stdout" || fail "$how: the program's own handler did not run"
  fi
  echo "$how: died of signal $sig, 2000 events and the crash event written${extra:+, the program's handler ran}"
done
