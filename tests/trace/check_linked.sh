#!/bin/sh
# Two processes, one request: the pricing example's client and server each write a trace (two
# files, then a directory of per-process files), and `narrate tree` shows the server's calls
# under the client's call that sent the traceparent, each process named where it begins.
# usage: check_linked.sh NARRATE SERVER CLIENT
set -eu
narrate=$1 server=$2 client=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run_pair() { # OUTPUT_FOR_SERVER OUTPUT_FOR_CLIENT
  rm -f "$tmp/port"
  NARRATE_OUTPUT="$1" "$server" "$tmp/port" 3 > /dev/null 2> "$tmp/server.err" &
  spid=$!
  i=0
  while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  NARRATE_OUTPUT="$2" "$client" "$(cat "$tmp/port")" tea scone jam > "$tmp/client.out" 2> "$tmp/client.err" ||
    { cat "$tmp/client.err"; fail "pricing client"; }
  wait "$spid" || { cat "$tmp/server.err"; fail "pricing server"; }
}
check_tree() { # FILE...
  "$narrate" tree "$@" > "$tmp/tree.txt"
  sed -n '/^== linked by traceparent/,$p' "$tmp/tree.txt" > "$tmp/linked.txt"
  [ -s "$tmp/linked.txt" ] || fail "no linked tree: $(cat "$tmp/tree.txt")"
  sed -n 2p "$tmp/linked.txt" | grep -q '^\[pricing_client pid [0-9]*\] checkout (1 call, total' || fail "root: $(cat "$tmp/linked.txt")"
  sed -n 3p "$tmp/linked.txt" | grep -q '^└── fetch_price (3 calls, total' || fail "client call: $(cat "$tmp/linked.txt")"
  sed -n 4p "$tmp/linked.txt" | grep -q '^    └── \[pricing_server pid [0-9]*\] handle (3 calls, total' ||
    fail "the server's calls are not under the client's: $(cat "$tmp/linked.txt")"
  sed -n 5p "$tmp/linked.txt" | grep -q '^        └── lookup_price (3 calls, total' || fail "server callee: $(cat "$tmp/linked.txt")"
  [ "$(wc -l < "$tmp/linked.txt")" = 5 ] || fail "more than one request tree: $(cat "$tmp/linked.txt")"
}
run_pair "trace:$tmp/server.trace" "trace:$tmp/client.trace"
check_tree "$tmp/client.trace" "$tmp/server.trace"
check_tree "$tmp/server.trace" "$tmp/client.trace"
mkdir "$tmp/run"
run_pair "trace:$tmp/run/%n.%p.trace" "trace:$tmp/run/%n.%p.trace"
check_tree "$tmp/run"
echo "linked: the server's 3 requests under the client's fetch_price, from two files in either order and from a directory"
