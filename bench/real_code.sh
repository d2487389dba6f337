#!/bin/sh
# Whole-project tracing on real C projects nobody here wrote, each built with its own CMake and
# narrate added the way a user adds it (find_package(narrate) and narrate_instrument(<target>
# ALL_FUNCTIONS) appended to its CMakeLists.txt), beside the same project built plain, with
# empty -finstrument-functions hooks, and with -pg under `uftrace record`, in the same run:
#   - a compressor: zstd (github.com/facebook/zstd, its build/cmake), `zstd -19` on 2 MB of C;
#   - an interpreter: QuickJS-ng (github.com/quickjs-ng/quickjs), its test suite
#     (run-test262 -c tests.conf);
#   - a database: the SQLite amalgamation (sqlite3.c, shell.c, sqlite3.h; with a CMakeLists.txt
#     such as github.com/azadkuh/sqlite-amalgamation's), its shell on a 200,000-row SQL script.
# Rows: plain; narrate's default whole-project build (the calls the optimized build makes,
# NARRATE_MIN_DURATION switching off functions whose calls average under 1 us) into a trace
# file, and with NARRATE_LOG=off; EVERY_CALL (every function, every call: no throttling) into a
# trace file; -finstrument-functions with empty hooks; uftrace record on a -pg build. Wall time
# (median of RUNS), events written and dropped (narrate check), and whether the output equals the
# plain one. Not a test: nothing here passes or fails on a number. The projects stay outside this
# repository (copies are made under the work folder; the checkouts are not touched).
# usage: bench/real_code.sh ZSTD_DIR QUICKJS_DIR SQLITE_DIR [NARRATE_BUILD_DIR]
#   (NARRATE_BUILD_DIR: a configured narrate build, default build/; WORK=dir keeps the builds;
#    RUNS=n, default 3; ONLY="zstd quickjs sqlite" to pick)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
zstd_src=$(cd "$1" && pwd) qjs_src=$(cd "$2" && pwd) sqlite_src=$(cd "$3" && pwd)
build=$(cd "${4:-$here/build}" && pwd)
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
runs=${RUNS:-3}
only=${ONLY:-"zstd quickjs sqlite"}
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" > /dev/null
narrate=$prefix/bin/narrate
cc -O2 -c "$here/bench/calc/hooks_empty.c" -o "$work/hooks_empty.o"

now() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# copy SRC to DST and build TARGETS there with VARIANT: plain, default, every, cyg, pg
# (CMAKE_LISTS: the CMakeLists.txt narrate's lines are appended to; TRACED: its targets)
build_variant() {
  name=$1 src=$2 variant=$3 lists=$4 traced=$5 targets=$6
  shift 6
  s=$work/src-$name-$variant b=$work/build-$name-$variant
  if [ -x "$b/.built" ]; then
    # built before: the traced variants are brought up to the narrate just installed (its
    # library, headers and generator; the build's own dependencies say what to redo)
    case $variant in default|every)
      for t in $targets; do # (its own log: $b.log keeps the first build's summary lines)
        cmake --build "$b" -j "$(nproc)" --target "$t" > "$b.update.log" 2>&1 || { tail -40 "$b.update.log"; exit 1; }
      done ;;
    esac
    return 0
  fi
  rm -rf "$s" "$b"
  cp -r "$src" "$s"
  rm -rf "$s/.git"
  flags="" libs="" ldflags=""
  case $variant in
    default|every)
      extra=""; [ "$variant" = every ] && extra=EVERY_CALL
      { echo "find_package(narrate CONFIG REQUIRED)"
        for t in $traced; do echo "narrate_instrument($t ALL_FUNCTIONS $extra)"; done; } >> "$s/$lists" ;;
    cyg) flags="-finstrument-functions" libs="$work/hooks_empty.o" ;;
    pg) flags="-pg" ldflags="-pg" ;;
  esac
  t0=$(now)
  cmake -S "$s/$(dirname "$lists")" -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" -DCMAKE_C_STANDARD_LIBRARIES="-lm $libs" "$@" \
    > "$b.log" 2>&1 || { tail -20 "$b.log"; exit 1; }
  for t in $targets; do
    cmake --build "$b" -j "$(nproc)" --target "$t" >> "$b.log" 2>&1 || { tail -40 "$b.log"; exit 1; }
  done
  t1=$(now)
  echo $(((t1 - t0) / 1000000)) > "$b.seconds_ms"
  touch "$b/.built" && chmod +x "$b/.built"
}

# one row: LABEL, then the command (run RUNS times in the project's folder); ENV_ before it
row() {
  label=$1 cwd=$2 out=$3 trace=$4
  shift 4
  times="" hung=""
  for i in $(seq "$runs"); do
    rm -rf "$trace" "$trace.d" "$work/db.sqlite" "$work/uftrace.data"
    t0=$(now)
    # (uftrace record did not exit after QuickJS's run-test262 ended: a bound, then said)
    (cd "$cwd" && /usr/bin/time -f %M -o "$out.rss" timeout "${ROW_TIMEOUT:-900}" "$@" > "$out" 2> "$out.err") || { [ $? = 124 ] && hung=1; } || true
    t1=$(now)
    times="$times $(((t1 - t0) / 1000000))"
    [ -n "$hung" ] && break
  done
  ms=$(echo $times | tr ' ' '\n' | median)
  if [ -n "$hung" ]; then
    echo "| $label | did not exit within ${ROW_TIMEOUT:-900} s | - | - | - | - | - |"
    return 0
  fi
  events=- dropped=-
  if [ -f "$trace" ]; then
    "$narrate" check "$trace" > "$trace.check" 2>&1 || true
    events=$(awk '/^events:/ { print $2 }' "$trace.check")
    dropped=$(awk '/^dropped:/ { print $2 }' "$trace.check")
  fi
  same=yes
  cmp -s "$out" "$work/plain.out" || same=NO
  [ "$label" = plain ] && base=$ms
  rss=$(tail -1 "$out.rss" 2> /dev/null | awk '{ printf "%.0f", $1 / 1024 }')
  echo "| $label | $(awk -v m="$ms" 'BEGIN { printf "%.2f", m / 1000 }') | $(awk -v m="$ms" -v b="$base" 'BEGIN { printf "%.2f", m / b }') | $events | $dropped | $same | $rss |"
}

table() {
  name=$1 cwd=$2
  shift 2
  echo
  echo "| $name | seconds (median of $runs) | x plain | events written | dropped | output as plain | peak RSS MB (last run) |"
  echo "|---|---:|---:|---:|---:|---|---:|"
}

traced_count() {
  awk '/functions traced/ { t += $3; a += $5 } END { printf "%d of %d", t, a }' "$1"
}

# configure + build seconds of each variant (all cores)
build_times() {
  printf "build seconds (configure + compile, %s cores):" "$(nproc)"
  for v in plain default every cyg pg; do
    printf " %s %s" "$v" "$(awk '{ printf "%.0f", $1 / 1000 }' "$work/build-$1-$v.seconds_ms")"
  done
  echo
}

# ---- zstd: zstd -19 on 2 MB of C ----
if echo "$only" | grep -q zstd; then
  head -c 2000000 "$sqlite_src/sqlite3.c" > "$work/input.txt"
  for v in plain default every cyg pg; do
    build_variant zstd "$zstd_src" $v build/cmake/CMakeLists.txt "libzstd_static zstd" zstd \
      -DZSTD_BUILD_SHARED=OFF -DZSTD_BUILD_TESTS=OFF -DZSTD_MULTITHREAD_SUPPORT=ON
  done
  z() { echo "$work/build-zstd-$1/programs/zstd"; }
  echo "zstd $(cd "$zstd_src" && git log -1 --format=%h 2>/dev/null || echo '(no git)'): $(traced_count "$work/build-zstd-default.log") functions traced by default (EVERY_CALL: $(traced_count "$work/build-zstd-every.log")); workload: zstd -q -19 -c on 2 MB"
  table "zstd -19, 2 MB" .
  row plain "$work" "$work/plain.out" "$work/none" "$(z plain)" -q -19 -c "$work/input.txt"
  row "narrate ALL_FUNCTIONS, trace file" "$work" "$work/t.out" "$work/t.trace" env NARRATE_OUTPUT="trace:$work/t.trace" "$(z default)" -q -19 -c "$work/input.txt"
  row "narrate ALL_FUNCTIONS, NARRATE_LOG=off" "$work" "$work/t.out" "$work/none" env NARRATE_LOG=off "$(z default)" -q -19 -c "$work/input.txt"
  row "narrate EVERY_CALL, trace file" "$work" "$work/t.out" "$work/t.trace" env NARRATE_OUTPUT="trace:$work/t.trace" "$(z every)" -q -19 -c "$work/input.txt"
  row "narrate EVERY_CALL, trace file, NARRATE_OVERLOAD=drop" "$work" "$work/t.out" "$work/t.trace" env NARRATE_OVERLOAD=drop NARRATE_OUTPUT="trace:$work/t.trace" "$(z every)" -q -19 -c "$work/input.txt"
  row "-finstrument-functions, empty hooks" "$work" "$work/t.out" "$work/none" "$(z cyg)" -q -19 -c "$work/input.txt"
  row "uftrace record (-pg build)" "$work" "$work/t.out" "$work/none" uftrace record -d "$work/uftrace.data" "$(z pg)" -q -19 -c "$work/input.txt"
  rm -rf "$work/uftrace.data"
  build_times zstd
fi

# ---- QuickJS-ng: its test suite ----
if echo "$only" | grep -q quickjs; then
  for v in plain default every cyg pg; do
    build_variant quickjs "$qjs_src" $v CMakeLists.txt "qjs run-test262" run-test262
  done
  q() { echo "$work/build-quickjs-$1/run-test262"; }
  qd=$work/src-quickjs-plain
  echo
  echo "QuickJS-ng $(cd "$qjs_src" && git log -1 --format=%h 2>/dev/null || echo '(no git)'): $(traced_count "$work/build-quickjs-default.log") functions traced by default (EVERY_CALL: $(traced_count "$work/build-quickjs-every.log")); workload: run-test262 -c tests.conf (its test suite)"
  table "QuickJS-ng test suite" .
  row plain "$qd" "$work/plain.out" "$work/none" "$(q plain)" -c tests.conf
  row "narrate ALL_FUNCTIONS, trace file" "$qd" "$work/t.out" "$work/t.trace" env NARRATE_OUTPUT="trace:$work/t.trace" "$(q default)" -c tests.conf
  row "narrate ALL_FUNCTIONS, NARRATE_LOG=off" "$qd" "$work/t.out" "$work/none" env NARRATE_LOG=off "$(q default)" -c tests.conf
  row "narrate EVERY_CALL, trace file" "$qd" "$work/t.out" "$work/t.trace" env NARRATE_OUTPUT="trace:$work/t.trace" "$(q every)" -c tests.conf
  row "narrate EVERY_CALL, trace file, NARRATE_OVERLOAD=drop" "$qd" "$work/t.out" "$work/t.trace" env NARRATE_OVERLOAD=drop NARRATE_OUTPUT="trace:$work/t.trace" "$(q every)" -c tests.conf
  row "-finstrument-functions, empty hooks" "$qd" "$work/t.out" "$work/none" "$(q cyg)" -c tests.conf
  row "uftrace record (-pg build)" "$qd" "$work/t.out" "$work/none" uftrace record -d "$work/uftrace.data" "$(q pg)" -c tests.conf
  rm -rf "$work/uftrace.data" "$work/t.trace"
  build_times quickjs
fi

# ---- SQLite: its shell on a SQL script ----
if echo "$only" | grep -q sqlite; then
  for v in plain default every cyg pg; do
    build_variant sqlite "$sqlite_src" $v CMakeLists.txt "SQLite3 shell_app" shell_app -DBUILD_SHELL=ON
  done
  cat > "$work/script.sql" <<'SQL'
PRAGMA journal_mode=OFF;
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200000)
INSERT INTO t(b, c, d) SELECT printf('row-%08d-%x', i, (i * 2654435761) % 4294967296), i * 0.5, i % 97 FROM n;
CREATE INDEX t_d ON t(d);
SELECT d, count(*), sum(c), max(b) FROM t GROUP BY d ORDER BY 2 DESC, 1 LIMIT 5;
SELECT count(*) FROM t a JOIN t b ON a.d = b.d AND b.a = a.a + 97 WHERE a.a < 50000;
UPDATE t SET c = c * 2 WHERE d < 10;
DELETE FROM t WHERE a % 3 = 0;
SELECT count(*), sum(length(b)) FROM t WHERE b LIKE 'row-0001%';
SQL
  s() { echo "$work/build-sqlite-$1/sqlite3"; }
  echo
  echo "SQLite $(awk -F'"' '/define SQLITE_VERSION / { print $2 }' "$sqlite_src/sqlite3.h"): $(traced_count "$work/build-sqlite-default.log") functions traced by default (EVERY_CALL: $(traced_count "$work/build-sqlite-every.log")); workload: its shell on a 200,000-row script"
  table "SQLite shell, 200,000 rows" .
  row plain "$work" "$work/plain.out" "$work/none" sh -c "exec \"$(s plain)\" \"$work/db.sqlite\" < \"$work/script.sql\""
  row "narrate ALL_FUNCTIONS, trace file" "$work" "$work/t.out" "$work/t.trace" env NARRATE_OUTPUT="trace:$work/t.trace" sh -c "exec \"$(s default)\" \"$work/db.sqlite\" < \"$work/script.sql\""
  row "narrate ALL_FUNCTIONS, NARRATE_LOG=off" "$work" "$work/t.out" "$work/none" env NARRATE_LOG=off sh -c "exec \"$(s default)\" \"$work/db.sqlite\" < \"$work/script.sql\""
  row "narrate EVERY_CALL, trace file" "$work" "$work/t.out" "$work/t.trace" env NARRATE_OUTPUT="trace:$work/t.trace" sh -c "exec \"$(s every)\" \"$work/db.sqlite\" < \"$work/script.sql\""
  row "narrate EVERY_CALL, trace file, NARRATE_OVERLOAD=drop" "$work" "$work/t.out" "$work/t.trace" env NARRATE_OVERLOAD=drop NARRATE_OUTPUT="trace:$work/t.trace" sh -c "exec \"$(s every)\" \"$work/db.sqlite\" < \"$work/script.sql\""
  row "-finstrument-functions, empty hooks" "$work" "$work/t.out" "$work/none" sh -c "exec \"$(s cyg)\" \"$work/db.sqlite\" < \"$work/script.sql\""
  row "uftrace record (-pg build)" "$work" "$work/t.out" "$work/none" sh -c "exec uftrace record -d \"$work/uftrace.data\" \"$(s pg)\" \"$work/db.sqlite\" < \"$work/script.sql\""
  rm -rf "$work/uftrace.data" "$work/t.trace"
  build_times sqlite
fi
echo
echo "(builds and traces in $work)"
