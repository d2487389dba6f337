#!/bin/sh
# Every setting that is wrong says so once, with what was used instead, and the good parts of
# it are kept. usage: check_settings.sh PROGRAM
set -eu
prog=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset NARRATE_LOG NARRATE_OUTPUT NARRATE_RING_SIZE NARRATE_RING_GROW NARRATE_MAX_DEPTH NARRATE_SAMPLE \
      NARRATE_SAMPLE_SLOW_MS NARRATE_SAMPLE_BUFFER NARRATE_CRASH NARRATE_CLOCK NARRATE_OVERLOAD \
      NARRATE_MODE NARRATE_RECOVER_DIR OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG
fail=0

# case NAME 'ENV=VALUE ...' EXPECTED-STDERR-FIXED-STRING [LINES-THAT-MUST-APPEAR ...]
case_() {
    name=$1 envs=$2 want=$3
    shift 3
    # shellcheck disable=SC2086
    env $envs "$prog" > "$work/out" 2>&1 || { echo "FAIL $name: exit status $?"; fail=1; return; }
    if [ -n "$want" ]; then
        n=$(grep -cF -- "$want" "$work/out" || true)
        if [ "$n" != 1 ]; then
            echo "FAIL $name: wanted once on stderr: $want"; sed 's/^/  | /' "$work/out"; fail=1; return
        fi
    elif grep -q '^narrate:' "$work/out"; then
        echo "FAIL $name: unexpected warning"; sed 's/^/  | /' "$work/out"; fail=1; return
    fi
    for line in "$@"; do
        case "$line" in
        !*) if grep -qF -- "${line#!}" "$work/out"; then echo "FAIL $name: present: ${line#!}"; sed 's/^/  | /' "$work/out"; fail=1; return; fi ;;
        *) if ! grep -qF -- "$line" "$work/out"; then echo "FAIL $name: missing: $line"; sed 's/^/  | /' "$work/out"; fail=1; return; fi ;;
        esac
    done
    echo "ok   $name"
}

I='INFO shop open'
T='TRACE shop tick'
case_ defaults "X=1" "" "$I" "!$T"
case_ log.trace "NARRATE_LOG=trace" "" "$I" "$T"
case_ ring.negative "NARRATE_RING_SIZE=-5" "NARRATE_RING_SIZE: cannot read '-5' (a size such as 65536, 512K, 4M or 1G); using 1M" "$I"
case_ ring.giga "NARRATE_RING_SIZE=1G" "" "$I"
case_ ring.huge "NARRATE_RING_SIZE=8G" "NARRATE_RING_SIZE: '8G' is larger than a ring can be; using 1G" "$I"
case_ ring.tiny "NARRATE_RING_SIZE=100" "NARRATE_RING_SIZE: '100' is smaller than a ring can be; using 4K" "$I"
case_ grow.bad "NARRATE_RING_GROW=xx" "NARRATE_RING_GROW: cannot read 'xx'" "$I"
case_ depth.bad "NARRATE_MAX_DEPTH=-1" "NARRATE_MAX_DEPTH: cannot read '-1' (a depth from 1); no limit used" "$I"
# one bad directive is left out; the default level and the other directive still apply
case_ log.one-bad "NARRATE_LOG=info,,shop=loud,till=trace" "NARRATE_LOG: cannot read the level in 'shop=loud'" \
      "$I" "!$T" "TRACE till ring"
case_ log.garbage "NARRATE_LOG=garbage!!" "NARRATE_LOG: 'garbage!!' is not a directive" "$I" "$T"
case_ output.empty "NARRATE_OUTPUT=," "NARRATE_OUTPUT: ',' names no output" "$I"
case_ output.missing-dir "NARRATE_OUTPUT=trace:/nonexistent-dir/x,console" \
      "cannot open '/nonexistent-dir/x' for the trace: No such file or directory; left out" "$I"
case_ output.unknown "NARRATE_OUTPUT=consol" "unknown or unavailable output 'consol'" "no output could be opened"
case_ overload.bad "NARRATE_OVERLOAD=blok" "NARRATE_OVERLOAD: 'blok' is not auto, drop, block[:MS] or overwrite; auto used" "$I"
case_ mode.bad "NARRATE_MODE=loud" "NARRATE_MODE: 'loud' is not human, cute or story; using human" "$I"
case_ sample.bad "NARRATE_SAMPLE=0.5x" "NARRATE_SAMPLE='0.5x' is not a ratio from 0 to 1; sampling off" "$I"
case_ sample.slow "NARRATE_SAMPLE_SLOW_MS=-3" "NARRATE_SAMPLE_SLOW_MS='-3' is not a number of milliseconds from 0; 100 used" "$I"
case_ sample.buffer "NARRATE_SAMPLE_BUFFER=-1" "NARRATE_SAMPLE_BUFFER='-1' is not a number of bytes from 4096" "$I"
case_ crash.bad "NARRATE_CRASH=maybe" "NARRATE_CRASH='maybe' is not on or off; on used" "$I"
case_ clock.bad "NARRATE_CLOCK=x" "NARRATE_CLOCK='x' is not tsc, mono or auto; auto used" "$I"
case_ recover.bad "NARRATE_RECOVER_DIR=/nonexistent-dir/x" \
      "NARRATE_RECOVER_DIR: cannot use '/nonexistent-dir/x': No such file or directory; rings stay in memory" "$I"
case_ otel.bad "OTEL_TRACES_SAMPLER=foo" "OTEL_TRACES_SAMPLER='foo' is not one narrate knows; sampling off" "$I"
exit $fail
