#!/bin/sh
# Hostile strings through the console, JSON lines, trace file (and narrate cat of it): nothing
# reaches a terminal raw, every JSON line parses, the trace reads clean, secrets are gone.
# usage: check_hostile.sh HOSTILE_PROG NARRATE PYTHON
set -eu
prog=$1 narrate=$2 py=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
NARRATE_OUTPUT="console,jsonl:$tmp/h.jsonl,trace:$tmp/h.trace" "$prog" 2> "$tmp/console.txt"
"$narrate" cat --plain "$tmp/h.trace" > "$tmp/cat.txt"
# tree and stats print names from the trace (a function named "fn\x1b[1m"): escaped too
"$narrate" tree "$tmp/h.trace" > "$tmp/tree.txt"
"$narrate" stats "$tmp/h.trace" > "$tmp/stats.txt"
if LC_ALL=C grep -q "$(printf '\033')" "$tmp/tree.txt" "$tmp/stats.txt"; then fail "tree or stats printed an escape sequence raw"; fi
grep -q 'fn\\x1b\[1m' "$tmp/tree.txt" || fail "tree does not show the escaped name: $(cat "$tmp/tree.txt")"
grep -q 'fn\\x1b\[1m' "$tmp/stats.txt" || fail "stats does not show the escaped name: $(cat "$tmp/stats.txt")"
"$narrate" check "$tmp/h.trace" > /dev/null || fail "the trace file does not check"
"$py" - "$tmp/console.txt" "$tmp/cat.txt" "$tmp/h.jsonl" <<'PY' || fail "hostile output"
import json, sys
for path in sys.argv[1:3]:
    raw = open(path, "rb").read()
    text = raw.decode("utf-8")  # raises on invalid UTF-8
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
    assert not bad, (path, "raw control characters", bad[:5])
    assert "hunter2" not in text and "abc.def.ghi" not in text, (path, "a secret leaked")
    assert text.count("\n") == 19, (path, "one line per event", text.count("\n"))
lines = open(sys.argv[3], "rb").read().decode("utf-8").splitlines()
assert len(lines) == 19, len(lines)
for l in lines:
    ev = json.loads(l)
    assert ev["actor"] == "hostile"
    assert "hunter2" not in l
    if ev["action"] == "text" and "directives" in ev["human"]:
        assert ev["human"].startswith("%s %n %x %p %999999d"), ev["human"]
    if ev["action"] == "text" and ev["human"].startswith("{"):
        assert ev["level"] == "INFO"  # the text cannot forge fields
PY
cmp -s "$tmp/console.txt" "$tmp/cat.txt" || fail "narrate cat differs from the console"
echo "hostile: console, JSON lines, trace, narrate cat, tree and stats: escaped, valid UTF-8, parseable, no secrets"
