"""Every output of one run parses with exactly the fields it recorded: each JSON line is JSON with
no key twice; each console line is one event (LEVEL actor action key="value"... "text", names
bare or quoted) whose actor, action and keys are the JSON line's; both show the same events.

usage: check_lines.py CONSOLE_FILE JSONL_FILE"""
import json
import re
import sys

console, jsonl = sys.argv[1:3]
TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|[^\s"=]+|=|\s+')


def unquote(tok):
    """The console's escapes back to the text: \\n \\t \\r \\" \\\\ \\xNN."""
    if not tok.startswith('"'):
        return tok

    def one(m):
        e = m.group(1)
        if e.startswith("x"):
            return chr(int(e[1:], 16))
        return {"n": "\n", "t": "\t", "r": "\r"}.get(e, e)
    return re.sub(r"\\(x[0-9a-fA-F]{2}|.)", one, tok[1:-1])


def parse_console(line):
    """(level, actor, action, [keys], text) or raise ValueError."""
    toks = [t for t in TOKEN.findall(line) if not t.isspace()]
    if "".join(TOKEN.findall(line)) != line:
        raise ValueError("bytes outside any token")
    if len(toks) < 4 or not toks[-1].startswith('"'):
        raise ValueError("not LEVEL actor action ... \"text\"")
    level, actor, action, rest, text = toks[0], toks[1], toks[2], toks[3:-1], toks[-1]
    keys = []
    if len(rest) % 3:
        raise ValueError(f"fields are not key=\"value\": {rest}")
    for i in range(0, len(rest), 3):
        k, eq, v = rest[i:i + 3]
        if eq != "=" or not v.startswith('"'):
            raise ValueError(f"bad field {k}{eq}{v}")
        keys.append(unquote(k))
    return level, unquote(actor), unquote(action), keys, unquote(text)


def no_dupes(pairs):
    seen = [k for k, _ in pairs]
    if len(seen) != len(set(seen)):
        raise ValueError(f"a key twice: {seen}")
    return dict(pairs)


# the JSON line's own metadata, which the console line does not show as fields
META = {"ts", "tid", "line", "level", "kind", "human", "cute", "story", "fn", "file", "emitted_by", "actor",
        "action", "trace_id", "span_id", "elapsed_ns", "depth", "caller", "args"}
fails = 0
jl = [json.loads(l, object_pairs_hook=no_dupes) for l in open(jsonl, encoding="utf-8")]
cl = [l.rstrip("\n") for l in open(console, encoding="utf-8", errors="surrogateescape") if not l.startswith("narrate:")]
if len(cl) != len(jl):
    print(f"FAIL console has {len(cl)} lines, JSON lines {len(jl)} events")
    sys.exit(1)
for n, (line, ev) in enumerate(zip(cl, jl), 1):
    try:
        level, actor, action, keys, _ = parse_console(line)
    except ValueError as e:
        print(f"FAIL console line {n} does not parse ({e}): {line!r}")
        fails += 1
        continue
    want = [k for k in ev if k not in META] + list(ev.get("args", {}))
    if (level, actor, action) != (ev["level"], ev["actor"], ev["action"]) or sorted(keys) != sorted(want):
        print(f"FAIL console line {n}: {(level, actor, action, sorted(keys))} but JSON says "
              f"{(ev['level'], ev['actor'], ev['action'], sorted(want))}")
        fails += 1
print(f"{len(cl)} console lines and JSON lines agree field by field" if not fails else f"{fails} failures")
sys.exit(1 if fails else 0)
