#!/bin/sh
# The narrate command's manners, command by command: options in any order, -h/--help on stdout
# with exit 0, --version, exit 2 and a message on stderr for an unknown option, a missing or bad
# value or a missing file, errors with the system's reason, and the filters.
# usage: check_cli.sh NARRATE MAKE_TRACE_PY PYTHON
set -eu
narrate=$1 make_trace=$2 py=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$py" "$make_trace" "$tmp/t.trace"
T=$tmp/t.trace

# expect STATUS STDOUT-PATTERN STDERR-PATTERN ARGS... (patterns: grep -E; '' = must be empty)
expect() {
  want=$1 out=$2 err=$3
  shift 3
  set +e
  "$narrate" "$@" > "$tmp/o" 2> "$tmp/e"
  got=$?
  set -e
  [ "$got" = "$want" ] || fail "narrate $*: exit $got, wanted $want; stderr: $(head -c 300 "$tmp/e")"
  if [ -z "$out" ]; then [ ! -s "$tmp/o" ] || fail "narrate $*: unexpected stdout: $(head -c 200 "$tmp/o")"
  else grep -Eq -- "$out" "$tmp/o" || fail "narrate $*: stdout lacks /$out/: $(head -c 300 "$tmp/o")"; fi
  if [ -z "$err" ]; then [ ! -s "$tmp/e" ] || fail "narrate $*: unexpected stderr: $(head -c 300 "$tmp/e")"
  else grep -Eq -- "$err" "$tmp/e" || fail "narrate $*: stderr lacks /$err/: $(head -c 300 "$tmp/e")"; fi
  echo "ok   narrate $*"
}

expect 0 '^usage: narrate COMMAND' '' --help
expect 0 '^usage: narrate COMMAND' '' -h
# a command's --help is its own (issue 22: check --help printed the general text)
for c in cat check stats diff tree replay export flame recover; do expect 0 "^usage: narrate $c " '' "$c" --help; done
expect 0 '^narrate [0-9]+\.[0-9]+\.[0-9]+' '' --version
expect 2 '' 'a command is missing'
expect 2 '' "'frobnicate' is not a command" frobnicate "$T"
# options before or after the file
expect 0 '"kind":"fn_enter"' '' cat --json "$T"
expect 0 '"kind":"fn_enter"' '' cat "$T" --json
expect 0 '^work ' '' stats --sort p99 "$T"
expect 0 "^work " "" stats "$T" --top 1 --sort total
# bad options and values
for c in cat check stats tree export flame; do expect 2 '' "unknown option '--bogus'" "$c" "$T" --bogus; done
expect 2 '' "--json is not an option of this command" stats "$T" --json
expect 2 '' "--top takes a number of functions from 1, not 'abc'" stats "$T" --top abc
expect 2 '' "--top takes" stats "$T" --top 0
expect 2 '' "option '--top' needs a value" stats "$T" --top
expect 2 '' "--sort takes calls, total, self, p50, p95, p99 or errors, not 'fast'" stats "$T" --sort fast
expect 2 '' "--format takes chrome, ctf, jsonl or otlp-json, not 'svg'" export "$T" --format svg
expect 2 '' "export needs --format" export "$T"
expect 2 '' "--depth takes a depth from 1" tree "$T" --depth -3
expect 2 '' "--tid takes a thread id" cat "$T" --tid x
expect 2 '' "--since takes a time such as" cat "$T" --since soon
expect 2 '' "--until must come after --since" cat "$T" --since 2s --until 1s
expect 2 '' "a file is missing" tree
expect 2 "" "export reads one file at a time" export "$T" "$T" --format chrome
# failures give the system's reason
expect 1 '' "cannot open: No such file or directory" cat "$tmp/missing.trace"
expect 1 '' "cannot write $tmp/no/dir/x.json: No such file or directory" export "$T" --format chrome -o "$tmp/no/dir/x.json"
expect 1 '' "cannot open the directory '$tmp/none': No such file or directory" recover "$tmp/none"
# cat's default lines carry the time from the start and the thread id
expect 0 '^ +0\.[0-9]{9} +[0-9]+  TRACE ' '' cat "$T"
# filters: a window, a function with what it calls, a thread; every command says what it kept
expect 0 '^rec ' 'filters kept' tree "$T" --fn rec
"$narrate" stats "$T" --fn work > "$tmp/s" 2> /dev/null
grep -q '^work ' "$tmp/s" && grep -q '^leaf ' "$tmp/s" && ! grep -q '^rec ' "$tmp/s" || fail "--fn work: $(cat "$tmp/s")"
"$narrate" stats "$T" --until 1ms > "$tmp/s" 2> /dev/null
grep -Eq '^work +1 ' "$tmp/s" && ! grep -q '^rec ' "$tmp/s" || fail "--until 1ms: not only the first call: $(cat "$tmp/s")"
expect 0 '' 'filters kept 0 of' cat "$T" --tid 999999
# --depth: the tree stops there and says what is below
expect 0 'callees? below --depth' '' tree "$T" --depth 1
# durations read in the unit that fits
expect 0 '500\.000 us' '' stats "$T"
# replay: calls nested per thread with arguments, results and durations (uftrace replay's shape)
"$narrate" replay "$T" > "$tmp/r"
grep -q '^ *0\.000000 .*| work(n=1) {$' "$tmp/r" || fail "replay: no opening of work(n=1): $(head -3 "$tmp/r")"
grep -q '500\.000 us .*|   leaf();$' "$tmp/r" || fail "replay: leaf is not one line with its duration"
grep -q '1\.000 ms .*| } = 1 /\* work \*/$' "$tmp/r" || fail "replay: work's closing line lacks its result"
grep -q '| } = -1 (error) /\* work \*/$' "$tmp/r" || fail "replay: the failed call is not marked"
grep -q '2\.000 ms .*|     rec();$' "$tmp/r" || fail "replay: recursion is not nested"
grep -q '| /\* 5 events lost here \*/$' "$tmp/r" || fail "replay: the loss is not shown"
expect 0 'work\(n=1\) = 1;$' '' replay "$T" --depth 1

# diff: two runs side by side; the same run twice changes nothing
expect 0 '^work +100 -> 100 += +5\.050 s -> 5\.050 s += ' '' diff "$T" "$T"
expect 2 '' "diff compares two trace files" diff "$T"
echo "narrate command line: ok"
