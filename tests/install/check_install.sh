#!/bin/sh
# Installs narrate (built at NARRATE_LEVEL=INFO) with `cmake --install --prefix`, moves the prefix
# elsewhere (the package must be relocatable), then builds a downstream program three ways:
# find_package(narrate CONFIG) with narrate_instrument from the installed generator, pkg-config
# narrate, add_subdirectory (traced at the default TRACE level); and chooses the level as a user
# of the installed package: NARRATE_LEVEL at find_package, LEVEL of narrate_instrument,
# pkg-config's level variable. The installed narrate-gen runs from PATH.
# usage: check_install.sh SOURCE_DIR C_COMPILER
set -eu
src=$1 cc=$2
unset NARRATE_LOG NARRATE_OUTPUT
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$src" -B "$work/build" -DNARRATE_LEVEL=INFO -DNARRATE_BUILD_TESTS=OFF -DNARRATE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$work/build" -j 2 >/dev/null
cmake --install "$work/build" --prefix "$work/first" >/dev/null
mv "$work/first" "$work/prefix"
PATH="$work/prefix/bin:$PATH" narrate-gen --help >/dev/null || { echo "narrate-gen is not a working command in PREFIX/bin"; exit 1; }
PATH="$work/prefix/bin:$PATH" narrate --version | grep -q '^narrate ' || { echo "narrate is not a command in PREFIX/bin"; exit 1; }
test -f "$work/prefix/share/man/man1/narrate.1" || { echo "no manual page installed"; exit 1; }
bash -n "$work/prefix/share/bash-completion/completions/narrate" || { echo "the bash completion does not parse"; exit 1; }
bash -c '. "$1"; COMP_WORDS=(narrate st); COMP_CWORD=1; _narrate; [ "${COMPREPLY[*]}" = stats ]' _ "$work/prefix/share/bash-completion/completions/narrate" ||
  { echo "the bash completion does not complete commands"; exit 1; }

expect() { # program-output-file
  grep -q 'INFO consumer hello target="world" "installed narrate works: 42"' "$1" || { echo "missing INFO line:"; cat "$1"; exit 1; }
}

cmake -S "$src/tests/install/consumer" -B "$work/cfg" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cfg" >/dev/null
"$work/cfg/consumer" 2> "$work/out1"
expect "$work/out1"
if grep -q detail "$work/out1"; then echo "TRACE event present in an INFO build"; exit 1; fi
echo "find_package(narrate CONFIG): ok"
cmake -S "$src/tests/install/consumer" -B "$work/cfg-trace" -DCMAKE_PREFIX_PATH="$work/prefix" -DNARRATE_LEVEL=TRACE >/dev/null
cmake --build "$work/cfg-trace" >/dev/null
NARRATE_LOG=trace "$work/cfg-trace/consumer" 2> "$work/out1t"
grep -q 'TRACE consumer detail' "$work/out1t" || { echo "find_package with NARRATE_LEVEL=TRACE: TRACE event missing"; cat "$work/out1t"; exit 1; }
cmake -S "$src/tests/install/consumer" -B "$work/cfg-warn" -DCMAKE_PREFIX_PATH="$work/prefix" -DCONSUMER_LEVEL=WARN >/dev/null
cmake --build "$work/cfg-warn" >/dev/null
"$work/cfg-warn/consumer" 2> "$work/out1w"
if grep -q 'INFO consumer' "$work/out1w"; then echo "narrate_instrument(LEVEL WARN): INFO event present"; exit 1; fi
echo "the level chosen by the user of the package: ok"

pc="$(ls -d "$work"/prefix/lib*/pkgconfig | head -n 1)"
# shellcheck disable=SC2046
"$cc" -std=c11 -o "$work/pc" "$src/tests/install/consumer/main.c" "$src/tests/install/consumer/traced.c" $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs narrate)
"$work/pc" 2> "$work/out2"
expect "$work/out2"
if grep -q detail "$work/out2"; then echo "pkg-config: TRACE event present in an INFO build"; exit 1; fi
case "$(PKG_CONFIG_PATH="$pc" pkg-config --cflags narrate)" in
  *"$work/prefix"*) ;;
  *) echo "pkg-config does not point into the moved prefix: $(PKG_CONFIG_PATH="$pc" pkg-config --cflags narrate)"; exit 1 ;;
esac
# shellcheck disable=SC2046
"$cc" -std=c11 -o "$work/pc-trace" "$src/tests/install/consumer/main.c" "$src/tests/install/consumer/traced.c" $(PKG_CONFIG_PATH="$pc" pkg-config --define-variable=level=TRACE --cflags --libs narrate)
NARRATE_LOG=trace "$work/pc-trace" 2> "$work/out2t"
grep -q 'TRACE consumer detail' "$work/out2t" || { echo "pkg-config level=TRACE: TRACE event missing"; exit 1; }
echo "pkg-config narrate: ok"

cmake -S "$src/tests/install/consumer" -B "$work/sub" -DNARRATE_SOURCE_DIR="$src" >/dev/null
cmake --build "$work/sub" -j 2 >/dev/null
NARRATE_LOG=trace "$work/sub/consumer" 2> "$work/out3"
expect "$work/out3"
grep -q 'TRACE consumer detail' "$work/out3" || { echo "add_subdirectory: TRACE event missing at the default level"; exit 1; }
grep -q 'TRACE consumer scaled v="21" factor="2" "scaled started"' "$work/out3" ||
  { echo "add_subdirectory: narrate_instrument did not trace scaled():"; cat "$work/out3"; exit 1; }
test -f "$work/prefix/share/narrate/gen/narrate-gen" || { echo "the generator was not installed"; exit 1; }
ls "$work"/cfg/narrate/consumer/traced.traced.c >/dev/null || { echo "find_package: no traced twin generated"; exit 1; }
echo "add_subdirectory: ok"

# Defaults, no settings: the console starts at INFO, a file output keeps everything.
NARRATE_OUTPUT="console,jsonl:$work/all.jsonl" "$work/sub/consumer" 2> "$work/out4"
expect "$work/out4"
if grep -q TRACE "$work/out4"; then echo "default console shows TRACE events:"; cat "$work/out4"; exit 1; fi
grep -q '"action":"detail"' "$work/all.jsonl" || { echo "default jsonl lost the TRACE event"; cat "$work/all.jsonl"; exit 1; }
grep -q '"fn":"scaled"' "$work/all.jsonl" || { echo "default jsonl lost the traced call"; exit 1; }
echo "defaults (console at INFO, files complete): ok"

# Without the generator's Python modules: the library and the command still configure and build,
# the examples and generator tests are skipped, and configure says why.
cmake -S "$src" -B "$work/nogen" -DNARRATE_PYTHON=/bin/false > "$work/nogen.log" 2>&1 ||
  { echo "configure without the generator failed:"; cat "$work/nogen.log"; exit 1; }
grep -q "narrate: no Python here" "$work/nogen.log" || { echo "configure without the generator gave no reason:"; cat "$work/nogen.log"; exit 1; }
cmake --build "$work/nogen" -j 2 --target narrate narrate_cli >/dev/null
echo "configure without the generator: ok"
