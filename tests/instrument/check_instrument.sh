#!/bin/sh
# narrate_instrument on a project that compiles as gnu11 (C_STANDARD 11, extensions on), forces a
# header in with COMPILE_OPTIONS and selects code with -D in CMAKE_C_FLAGS: the generator must
# parse what the compiler compiles, so every function is traced and the FAST_PATH branch is taken.
# usage: check_instrument.sh SOURCE_DIR
set -eu
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$src/tests/instrument" -B "$work/b" -DNARRATE_SOURCE_DIR="$src" -DNARRATE_BUILD_TESTS=OFF \
  -DNARRATE_BUILD_EXAMPLES=OFF -DCMAKE_C_FLAGS="-DFAST_PATH" > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
cmake --build "$work/b" -j 2 --target app >> "$work/log" 2>&1 || { tail -30 "$work/log"; exit 1; }
if grep -q "not traced" "$work/log"; then grep "not traced" "$work/log"; exit 1; fi
NARRATE_OUTPUT=console NARRATE_LOG= "$work/b/app" > "$work/out" 2> "$work/trace"
[ "$(cat "$work/out")" = "42 64 1" ] || { echo "output: $(cat "$work/out")"; exit 1; }
for f in twice bufsz path; do
  grep -q "TRACE app $f .*\"$f completed\"" "$work/trace" || { echo "$f not traced:"; cat "$work/trace"; exit 1; }
done
grep -q 'TRACE app path result="1"' "$work/trace" || { echo "the generator parsed the other branch"; exit 1; }
echo "narrate_instrument: gnu11, COMPILE_OPTIONS -include and CMAKE_C_FLAGS -D reach the generator"
