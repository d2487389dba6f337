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
"$narrate" cat "$tmp/h.trace" > "$tmp/cat.txt"
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
echo "hostile: console, JSON lines, trace and narrate cat: escaped, valid UTF-8, parseable, no secrets"
