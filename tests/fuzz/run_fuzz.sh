#!/bin/sh
# Builds the reader's libFuzzer target with clang (ASan+UBSan) and runs it for a bounded time
# from the seed corpus in tests/fuzz/corpus. A crash fails the test and leaves the input in
# the build folder. usage: run_fuzz.sh SOURCE_DIR BUILD_DIR SECONDS [reader|inputs]
set -eu
src=$1 out=$2 secs=$3 target=${4:-reader}
cc=$(command -v clang || command -v clang-14)
corpus=corpus
maxlen=65536
[ "$target" = inputs ] && corpus=corpus_inputs maxlen=131072
mkdir -p "$out/$corpus"
cp "$src"/tests/fuzz/$corpus/* "$out/$corpus/"
# the library's sources compiled in, so the decoder is instrumented too; checksums are not
# checked in this build (the usual FUZZING_BUILD_MODE switch) so mutations reach the parsers
"$cc" -std=c11 -O1 -g -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$src/include" -I"$src/runtime" -I"$src/tools/narrate" \
  "$src"/tests/fuzz/fuzz_$target.c "$src"/tools/narrate/reader.c "$src"/tools/narrate/calls.c "$src"/tools/narrate/recover.c \
  $(find "$src/runtime" -name '*.c' | sort | grep -v '/otlp_sink.c$\|/otlp_export.c$') \
  -pthread -o "$out/fuzz_$target"
cd "$out"
./fuzz_$target -max_total_time="$secs" -max_len=$maxlen -timeout=10 -print_final_stats=1 $corpus 2>&1 | tail -n 12
