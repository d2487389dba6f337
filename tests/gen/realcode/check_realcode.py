"""Code written the way real projects write it, traced with --all-functions --every-call (or its
own '// gen-flags:' instead of --every-call): each file in this
folder is built plain and traced (gcc and clang, -Wall -Wextra -Werror, its own '// cflags:'),
both are run, their output and exit status must match, every JSON line must parse with no key
twice, the '// expect*:' lines must hold (expect-log: a line of the generator's log) (C89 files: '/* expect...: ... */'), and the traced gcc build runs under valgrind memcheck
with no error (unless its '// no-memcheck:' line says why).

Run on the whole folder, it also builds the layouts/ project through narrate_instrument
(check_layouts.py): sources above the target, generated, configured, from an object library.

usage: check_realcode.py NARRATE_GEN INCLUDE_DIR LIBNARRATE [FILE.c ...]"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

gen, include, lib = sys.argv[1:4]
here = os.path.dirname(os.path.abspath(__file__))
files = sys.argv[4:] or sorted(glob.glob(os.path.join(here, "*.c")))
compilers = [c for c in ("gcc", "clang") if shutil.which(c)]
failures = []


def fail(name, what):
    failures.append(f"{name}: {what}")
    print(f"FAIL {name}: {what}")


def no_dupes(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"key twice: {sorted(dup)}")
    return dict(pairs)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def check_file(path, work):
    before = len(failures)
    check_one(path, work)
    if len(failures) == before:
        print(f"ok {os.path.basename(path)}: {', '.join(compilers)}, output equal, JSON valid, expectations hold, "
              + ("memcheck clean" if _memchecked else "no memcheck (its file says why)"))


_memchecked = True


def check_one(path, work):
    global _memchecked
    name = os.path.basename(path)
    text = open(path).read()
    cflags, expects, memcheck, gen_flags = [], [], True, ["--every-call"]
    for line in text.splitlines():
        if line.startswith("/* ") and line.endswith(" */"):  # C89 files say it in a block comment
            line = "// " + line[3:-3]
        if line.startswith("// no-memcheck:"):
            memcheck = False
        if line.startswith("// cflags:"):
            cflags += line.split(":", 1)[1].split()
        elif line.startswith("// gen-flags:"):
            gen_flags = line.split(":", 1)[1].split()
        elif line.startswith("// expect"):
            tag, rest = line[3:].split(":", 1)
            expects.append((tag.strip(), rest.split()))
    std = [f for f in cflags if f.startswith("-std=")] or ["-std=gnu11"]
    others = [f for f in cflags if not f.startswith("-std=")]
    out = os.path.join(work, "gen")
    r = run([sys.executable, gen, "-o", out, "--source-root", here, "--actor", "t", "--all-functions"] + gen_flags +
            [f"--flag=-I{include}", f"--flag={std[0]}"] + [f"--flag={f}" for f in others] + [path])
    if r.returncode != 0:
        return fail(name, f"generator failed: {r.stderr.strip()}")
    if "Traceback" in r.stderr:
        return fail(name, "generator printed a traceback")
    for tag, words in expects:
        if tag == "expect-log" and " ".join(words) not in r.stderr:
            return fail(name, f"the generator's log lacks {' '.join(words)!r}: {r.stderr.strip()}")
    traced = os.path.join(out, name[:-2] + ".traced.c")
    warn = ["-Wall", "-Wextra", "-Werror"] + std + others
    for cc in compilers:
        plain_exe, traced_exe = os.path.join(work, f"plain_{cc}"), os.path.join(work, f"traced_{cc}")
        r = run([cc] + warn + [f"-I{include}", "-o", plain_exe, path, lib, "-ldl", "-lm", "-pthread"])
        if r.returncode != 0:
            return fail(name, f"[{cc}] the plain build fails (fix the test): {r.stderr[:400]}")
        r = run([cc] + warn + [f"-I{include}", "-iquote", here, "-o", traced_exe, traced, lib, "-ldl", "-lm",
                 "-pthread"])
        if r.returncode != 0:
            return fail(name, f"[{cc}] the traced build fails where the plain one builds: {r.stderr[:600]}")
        env = dict(os.environ, NARRATE_LOG="", NARRATE_OUTPUT="none")
        p = run([plain_exe], env=env)
        jsonl = os.path.join(work, f"{cc}.jsonl")
        t = run([traced_exe], env=dict(env, NARRATE_OUTPUT=f"jsonl:{jsonl}"))
        if (p.stdout, p.returncode) != (t.stdout, t.returncode):
            return fail(name, f"[{cc}] traced run differs: plain {p.returncode} {p.stdout!r}, "
                              f"traced {t.returncode} {t.stdout!r} {t.stderr[:300]!r}")
        events = []
        for i, line in enumerate(open(jsonl, encoding="utf-8")):
            try:
                events.append(json.loads(line, object_pairs_hook=no_dupes))
            except ValueError as e:
                return fail(name, f"[{cc}] JSON line {i + 1}: {e}: {line[:200]}")
        for tag, words in expects:
            if tag == "expect":
                action, kind, count = words
                got = sum(1 for e in events if e.get("action") == action and e.get("kind") == kind)
                if got != int(count):
                    fail(name, f"[{cc}] {count} {kind} events of {action} expected, {got} found")
            elif tag == "expect-arg":
                action, kind, key, value = words
                if not any(e.get("action") == action and e.get("kind") == kind and
                           e.get("args", {}).get(key) == value for e in events):
                    fail(name, f"[{cc}] no {kind} of {action} with args.{key} = {value!r}")
            elif tag == "expect-addr":
                action, kind, key = words
                vals = [e.get("args", {}).get(key) for e in events if e.get("action") == action and
                        e.get("kind") == kind]
                if not vals or not all(isinstance(v, str) and v.startswith("0x") for v in vals):
                    fail(name, f"[{cc}] {kind} of {action}: args.{key} should be an address, not {vals[:3]!r}")
            elif tag == "expect-depth":
                action, depth, count = words
                got = sum(1 for e in events if e.get("action") == action and e.get("kind") == "fn_enter"
                          and e.get("depth") == int(depth))
                if got != int(count):
                    fail(name, f"[{cc}] {count} enters of {action} at depth {depth} expected, {got} found")
            elif tag == "expect-field":
                action, kind, key, value = words
                if not any(e.get("action") == action and e.get("kind") == kind and e.get(key) == value
                           for e in events):
                    fail(name, f"[{cc}] no {kind} of {action} with {key} = {value!r}")
    _memchecked = memcheck
    if not memcheck:
        return
    exe = os.path.join(work, f"traced_{compilers[0]}")
    r = run(["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=no", exe],
            env=dict(os.environ, NARRATE_LOG="", NARRATE_OUTPUT=f"jsonl:{os.path.join(work, 'vg.jsonl')}"))
    if r.returncode == 99:
        fail(name, f"valgrind memcheck found errors in the traced run: {r.stderr[:800]}")


if shutil.which("valgrind") is None:
    sys.exit("valgrind is not installed: scripts/install-deps.sh test installs it (apt-get install valgrind)")
for f in files:
    with tempfile.TemporaryDirectory() as work:
        check_file(f, work)
if len(sys.argv) == 4:  # the whole folder: the CMake layouts project too (check_layouts.py)
    root = os.path.dirname(os.path.dirname(os.path.abspath(gen)))
    if subprocess.run([sys.executable, os.path.join(here, "check_layouts.py"), root]).returncode != 0:
        failures.append("layouts")
if failures:
    sys.exit(f"{len(failures)} failure(s)")
