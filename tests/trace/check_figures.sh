#!/bin/sh
# Every figure of `narrate check` and `narrate stats`, and the order of `narrate cat`, against an
# independent reader of the format (read_trace.py): losses, longjmps, recursion, two threads (with
# and without losses), address prediction, and the traces the independent writer makes.
# usage: check_figures.sh NARRATE LOSSY_PROG CALLS_PROG PYTHON
set -eu
narrate=$1 lossy=$2 calls=$3 py=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NARRATE_OVERLOAD=block NARRATE_RING_SIZE=64M NARRATE_OUTPUT="trace:$tmp/lossless.trace" "$lossy" 50000 > /dev/null
NARRATE_OVERLOAD=drop NARRATE_RING_SIZE=4K NARRATE_RING_GROW=off NARRATE_OUTPUT="trace:$tmp/lossy.trace" "$lossy" 50000 > /dev/null 2>&1
NARRATE_OVERLOAD=drop NARRATE_RING_SIZE=64K NARRATE_RING_GROW=off NARRATE_OUTPUT="trace:$tmp/lossy64.trace" "$lossy" 50000 > /dev/null 2>&1
NARRATE_OUTPUT="trace:$tmp/calls.trace" "$calls" > /dev/null
NARRATE_OVERLOAD=drop NARRATE_RING_SIZE=4K NARRATE_RING_GROW=off NARRATE_OUTPUT="trace:$tmp/calls_lossy.trace" "$calls" > /dev/null 2>&1
"$py" "$here/make_trace.py" "$tmp/synthetic.trace"
"$py" "$here/make_trace.py" --predicted "$tmp/predicted.trace"
"$py" "$here/make_trace.py" --gap "$tmp/gap.trace"
rc=0
for t in lossless lossy lossy64 calls calls_lossy synthetic predicted gap; do
  "$py" "$here/read_trace.py" "$tmp/$t.trace" "$narrate" || rc=1
done
exit $rc
