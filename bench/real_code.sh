#!/bin/sh
# Every function of a real C code base traced: Lua (a checkout of github.com/lua/lua, or a
# release's src/), built plain and with narrate-gen --all-functions, in the same run: code size
# (text), build time, Lua's own test suite (testes/all.lua, user mode) plain and traced to a trace
# file with default settings: wall time, events, drops, and whether both print "final OK".
# Not a test: nothing here passes or fails on a number. Lua itself stays out of this repository.
# usage: bench/real_code.sh LUA_DIR [BUILD_DIR]   (BUILD_DIR: a narrate build with libnarrate.a; default build)
set -eu
lua=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${2:-$here/build}" && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
srcs=$(cd "$lua" && ls *.c | grep -v -e '^onelua.c$')
flags="-std=c99 -DLUA_USE_LINUX -O2"
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

t0=$(now)
(cd "$lua" && gcc $flags -o "$tmp/lua_plain" $srcs -lm -ldl)
t1=$(now)
"$py" "$here/gen/narrate-gen" -o "$tmp/gen" --source-root "$lua" --actor lua --all-functions \
  --flag=-std=c99 --flag=-DLUA_USE_LINUX --flag=-I"$here/include" $(cd "$lua" && for s in $srcs; do echo "$lua/$s"; done) \
  2> "$tmp/gen.log"
t2=$(now)
gcc $flags -I"$here/include" -iquote "$lua" -o "$tmp/lua_traced" "$tmp"/gen/*.traced.c "$build/libnarrate.a" -lm -ldl -pthread
t3=$(now)
traced=$(awk '/functions traced/ { t += $3; a += $5 } END { print t " of " a }' "$tmp/gen.log")
echo "Lua $(cd "$lua" && git log -1 --format=%h 2>/dev/null || echo '(no git)'): $(echo $srcs | wc -w) files, $traced functions traced"
echo
echo "| build | text bytes | x plain | build seconds (1 core) |"
echo "|---|---:|---:|---:|"
pt=$(size "$tmp/lua_plain" | awk 'NR == 2 { print $1 }')
tt=$(size "$tmp/lua_traced" | awk 'NR == 2 { print $1 }')
echo "| plain | $pt | 1.00 | $(secs "$t0" "$t1") |"
echo "| traced (generation + compile) | $tt | $(awk -v a="$tt" -v b="$pt" 'BEGIN { printf "%.2f", a / b }') | $(secs "$t1" "$t3") (generation $(secs "$t1" "$t2")) |"
echo
cd "$lua/testes"
t0=$(now); "$tmp/lua_plain" -e"_U=true" all.lua > "$tmp/plain.out" 2>&1 || true; t1=$(now)
NARRATE_OUTPUT="trace:$tmp/all.trace" "$tmp/lua_traced" -e"_U=true" all.lua > "$tmp/traced.out" 2> "$tmp/traced.err" || true; t2=$(now)
NARRATE_OVERLOAD=block NARRATE_OUTPUT="trace:$tmp/block.trace" "$tmp/lua_traced" -e"_U=true" all.lua > /dev/null 2>&1 || true; t3=$(now)
ok() { grep -q "final OK" "$1" && echo yes || echo NO; }
ev=$("$build/tools/narrate/narrate" check "$tmp/all.trace" | awk '/^events:/ { print $2 }')
dr=$("$build/tools/narrate/narrate" check "$tmp/all.trace" | awk '/^dropped:/ { print $2 }')
bev=$("$build/tools/narrate/narrate" check "$tmp/block.trace" | awk '/^events:/ { print $2 }')
echo "| Lua's test suite (testes/all.lua, user mode) | seconds | x plain | events written | dropped | final OK |"
echo "|---|---:|---:|---:|---:|---|"
echo "| plain | $(secs "$t0" "$t1") | 1.00 | - | - | $(ok "$tmp/plain.out") |"
echo "| traced, NARRATE_OUTPUT=trace:FILE, default settings | $(secs "$t1" "$t2") | $(awk -v a="$t1" -v b="$t2" -v c="$t0" 'BEGIN { printf "%.1f", (b - a) / (a - c) }') | $ev | $dr | $(ok "$tmp/traced.out") |"
echo "| the same, NARRATE_OVERLOAD=block (lossless) | $(secs "$t2" "$t3") | $(awk -v a="$t2" -v b="$t3" -v c="$t0" -v d="$t1" 'BEGIN { printf "%.1f", (b - a) / (d - c) }') | $bev | 0 | - |"

# The narrate command's figures on Lua's own calls (pcall/error unwinding through traced frames,
# recursion), with every event kept and with a ring small enough to lose half of them, against
# the independent reader of the format (tests/trace/read_trace.py).
cat > "$tmp/unwind.lua" <<'LUA'
local function f(n) if n == 0 then error("deep") end return f(n - 1) end
for i = 1, 3000 do pcall(f, i % 7) end
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(18))
LUA
echo
NARRATE_OUTPUT="trace:$tmp/u1.trace" "$tmp/lua_traced" "$tmp/unwind.lua" > /dev/null
NARRATE_RING_SIZE=64K NARRATE_RING_GROW=off NARRATE_OUTPUT="trace:$tmp/u2.trace" "$tmp/lua_traced" "$tmp/unwind.lua" > /dev/null 2>&1
for t in u1 u2; do python3 "$here/tests/trace/read_trace.py" "$tmp/$t.trace" "$build/tools/narrate/narrate" | sed "s|$tmp/||"; done
