#!/bin/sh
# The otlp sink end to end: a receiver on 127.0.0.1 decodes with OpenTelemetry's JavaScript
# (installed here with npm, pinned, into a test-only folder), protoc --decode_raw reads the
# same bytes, traceparent is compared with @opentelemetry/core, and failing servers (closed
# port, no answer, 503 + Retry-After, 400, one that comes back) give exact counters while the
# program's own threads never wait for the network.
# The pricing example's two processes must give one trace.
# usage: check_otlp.sh OTLP_PROG SOURCE_DIR JS_DIR PRICING_SERVER|none PRICING_CLIENT|none
set -eu
prog=$1 here=$2 js=$3 pserver=$4 pclient=$5
tmp=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2> /dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# OpenTelemetry's decoder, once per build folder (0.217.0 and later no longer ship it)
if [ ! -f "$js/node_modules/@opentelemetry/otlp-transformer/build/src/generated/root.js" ]; then
  mkdir -p "$js"
  npm install --prefix "$js" --no-audit --no-fund --silent @opentelemetry/otlp-transformer@0.216.0 > "$tmp/npm.log" 2>&1 ||
    { cat "$tmp/npm.log"; fail "npm could not install @opentelemetry/otlp-transformer@0.216.0"; }
fi
mods="$js/node_modules"

# start_receiver NAME MODE: sets port; the receiver lives at most 120 s
start_receiver() {
  node "$here/receiver.js" "$mods" "$tmp/$1.jsonl" 120 "$2" > "$tmp/$1.port" &
  pids="$pids $!"
  i=0
  while [ ! -s "$tmp/$1.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  port=$(cat "$tmp/$1.port")
  [ -n "$port" ] || fail "receiver $1 did not start"
}

base_env() { # PORT COMMAND...
  p=$1
  shift
  env OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$p" OTEL_SERVICE_NAME=otlp-test \
    OTEL_RESOURCE_ATTRIBUTES="deployment.environment=test,team=a%2Cb" OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT=100 \
    OTEL_BSP_SCHEDULE_DELAY=100 "$@"
}

# 1. spans, protobuf then JSON, decoded by OpenTelemetry's generated code
for protocol in protobuf json; do
  start_receiver "$protocol" ok
  base_env "$port" OTEL_EXPORTER_OTLP_PROTOCOL="http/$protocol" "$prog" spans > "$tmp/$protocol.out" 2> "$tmp/$protocol.err" ||
    { cat "$tmp/$protocol.err"; fail "otlp_prog spans ($protocol)"; }
  grep -q '^after-shutdown exported=6 dropped=0 failed=0 retried=0$' "$tmp/$protocol.out" ||
    { cat "$tmp/$protocol.out" "$tmp/$protocol.err"; fail "$protocol: counters"; }
  tp=$(sed -n 's/^context //p' "$tmp/$protocol.out")
  node "$here/check_spans.js" "$tmp/$protocol.jsonl" "$tp" "$protocol" || fail "$protocol spans"
done

# 2. protoc reads the same bytes without a schema
protoc --decode_raw < "$tmp/protobuf.jsonl.0.bin" > "$tmp/raw.txt" || fail "protoc --decode_raw refused the request"
grep -q '"req-otlp-1"' "$tmp/raw.txt" && grep -q '"otlp-test"' "$tmp/raw.txt" || fail "protoc: names missing"
echo "protoc --decode_raw: $(wc -l < "$tmp/raw.txt") lines, names in place"

# 3. traceparent both ways against @opentelemetry/core
node "$here/traceparent.js" "$mods" "$prog" "$tp" || fail "traceparent"

# 4. failing servers: "load 200" records 200 spans; counters must add up exactly
load() { # NAME PORT EXTRA_ENV...: runs otlp_prog load 200
  name=$1 p=$2
  shift 2
  env OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$p" OTEL_BSP_SCHEDULE_DELAY=300 NARRATE_OTLP_RETRY_MS=100 "$@" \
    "$prog" load 200 > "$tmp/$name.out" 2> "$tmp/$name.err" || { cat "$tmp/$name.err"; fail "$name: otlp_prog load"; }
}
expect() { # NAME LINE
  grep -qx "$2" "$tmp/$1.out" || { echo "want: $2"; cat "$tmp/$1.out" "$tmp/$1.err"; fail "$1: counters"; }
}
# a port with nothing behind it: connection refused, retried until the batch's deadline
closed=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
load closed "$closed" OTEL_BSP_EXPORT_TIMEOUT=1000
expect closed "after-loop exported=0 dropped=0 failed=0 retried=0"
grep -q '^after-shutdown exported=0 dropped=0 failed=200 retried=[1-9][0-9]*$' "$tmp/closed.out" || { cat "$tmp/closed.out"; fail "closed: counters"; }
grep -q 'narrate: otlp .*200 failed' "$tmp/closed.err" || fail "closed: no summary at shutdown"
echo "closed port: 200 failed after retries, summary printed"

# a server that never answers: each request times out; the loop did not wait for it
start_receiver hang hang
load hang "$port" OTEL_EXPORTER_OTLP_TIMEOUT=300 OTEL_BSP_EXPORT_TIMEOUT=1000 NARRATE_OTLP_SHUTDOWN_MS=1500
expect hang "after-loop exported=0 dropped=0 failed=0 retried=0"
grep -q '^after-shutdown exported=0 dropped=0 failed=200 retried=[1-9][0-9]*$' "$tmp/hang.out" || { cat "$tmp/hang.out"; fail "hang: counters"; }
echo "no answer: 200 failed after timeouts; the program's loop finished first"

# 503 twice with Retry-After: 1, then accepted: exactly two retries
start_receiver busy "status:503:2:1"
load busy "$port"
expect busy "after-shutdown exported=200 dropped=0 failed=0 retried=2"
[ "$(wc -l < "$tmp/busy.jsonl")" = 3 ] || fail "busy: want 3 requests"
echo "503 + Retry-After: 2 retries, then 200 exported"

# 400: not retried
start_receiver bad "status:400"
load bad "$port"
expect bad "after-shutdown exported=0 dropped=0 failed=200 retried=0"
echo "400: failed at once, not retried"

# a queue of 50 behind a server that never answers: at most 50 waiting + 10 in flight, the
# rest dropped; every span is counted once (batches may go out short of 10: the schedule delay
# sends what waits, and a slow run, under TSan, makes short ones)
start_receiver full hang
load full "$port" OTEL_BSP_MAX_QUEUE_SIZE=50 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=10 OTEL_BSP_SCHEDULE_DELAY=10 \
  OTEL_EXPORTER_OTLP_TIMEOUT=300 OTEL_BSP_EXPORT_TIMEOUT=600 NARRATE_OTLP_SHUTDOWN_MS=1000
sed -n 's/^after-shutdown exported=\([0-9]*\) dropped=\([0-9]*\) failed=\([0-9]*\) retried=.*/\1 \2 \3/p' "$tmp/full.out" |
  awk '{ if ($1 + $2 + $3 != 200 || $2 < 140 || $3 < 1 || $3 > 60) exit 1 }' ||
  { cat "$tmp/full.out"; fail "full queue: counters do not add up"; }
echo "full queue: $(sed -n 's/^after-shutdown //p' "$tmp/full.out") (sums to 200)"

# a server that comes back: nothing on the port at first, a receiver there 0.5 s later
back=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
( sleep 0.5; exec node "$here/receiver.js" "$mods" "$tmp/back.jsonl" 60 ok "$back" ) > /dev/null &
pids="$pids $!"
load back "$back" OTEL_BSP_SCHEDULE_DELAY=50 NARRATE_OTLP_RETRY_MS=200 OTEL_BSP_EXPORT_TIMEOUT=10000
grep -q '^after-shutdown exported=200 dropped=0 failed=0 retried=[1-9][0-9]*$' "$tmp/back.out" || { cat "$tmp/back.out" "$tmp/back.err"; fail "back: counters"; }
echo "server back after 0.5 s: all 200 exported after retries"

# 5. two processes, one trace: the pricing example over loopback
if [ "$pserver" != none ]; then
  start_receiver pair ok
  env OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" OTEL_SERVICE_NAME=pricing OTEL_BSP_SCHEDULE_DELAY=100 \
    NARRATE_OUTPUT=otlp "$pserver" "$tmp/pricing.port" 2 > /dev/null 2> "$tmp/server.err" &
  spid=$!
  pids="$pids $spid"
  i=0
  while [ ! -s "$tmp/pricing.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  env OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" OTEL_SERVICE_NAME=shop OTEL_BSP_SCHEDULE_DELAY=100 \
    NARRATE_OUTPUT=otlp "$pclient" "$(cat "$tmp/pricing.port")" tea scone > "$tmp/client.out" 2> "$tmp/client.err" ||
    { cat "$tmp/client.err"; fail "pricing client"; }
  wait "$spid" || { cat "$tmp/server.err"; fail "pricing server"; }
  grep -qx 'total 400 cents' "$tmp/client.out" || fail "pricing: the client computed something else"
  node "$here/check_pair.js" "$tmp/pair.jsonl" || fail "pricing: not one linked trace"
fi
