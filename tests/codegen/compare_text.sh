#!/bin/sh
# Compiles compile_out.c with and without its macros at a level and compares objdump of .text.
# usage: compare_text.sh CC INCLUDE_DIR SOURCE LEVEL expect-same|expect-differ [extra flags]
set -eu
cc=$1 inc=$2 src=$3 level=$4 expect=$5
shift 5
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for v in without with; do
  def=""
  [ "$v" = with ] && def="-DWITH_MACROS"
  "$cc" -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror -DNARRATE_LEVEL="$level" $def "$@" \
    -I"$inc" -c "$src" -o "$dir/$v.o"
  objdump -d --no-show-raw-insn -j .text "$dir/$v.o" | tail -n +4 > "$dir/$v.txt"
done
if cmp -s "$dir/without.txt" "$dir/with.txt"; then same=1; else same=0; fi
lines=$(wc -l < "$dir/with.txt")
if [ "$expect" = expect-same ] && [ $same = 1 ]; then
  echo "identical .text at NARRATE_LEVEL=$level with $cc ($lines lines)"; exit 0
fi
if [ "$expect" = expect-differ ] && [ $same = 0 ]; then
  echo "macros produce code at NARRATE_LEVEL=$level with $cc, as they should"; exit 0
fi
echo "unexpected result at NARRATE_LEVEL=$level with $cc ($expect):"
diff "$dir/without.txt" "$dir/with.txt" | head -40
exit 1
