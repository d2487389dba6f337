"""The layouts project (layouts/): a target instrumented from its parent directory, with sources
above its folder, made by the build (add_custom_command, configure_file), from an object
library, with a per-source definition, and one added after narrate_instrument. Built plain and
traced through narrate_instrument with each compiler; both must print the same, every function
must be traced (enter and exit in the JSON lines, none "not traced" in the build log), and the
traced run must be memcheck clean.

usage: check_layouts.py NARRATE_SOURCE_DIR [COMPILER ...]   (run by check_realcode.py)"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FUNCTIONS = ("main", "outside_scale", "table_lookup", "version_text", "version_len", "part_twice", "late_add")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)


def check(root: str, cc: str, work: str) -> list[str]:
    """What went wrong with this compiler (empty: nothing)."""
    b = os.path.join(work, "b")
    r = run(["cmake", "-S", os.path.join(HERE, "layouts"), "-B", b, f"-DNARRATE_SOURCE_DIR={root}",
             f"-DCMAKE_C_COMPILER={cc}", "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DNARRATE_BUILD_TESTS=OFF",
             "-DNARRATE_BUILD_EXAMPLES=OFF", "-DNARRATE_OTLP=OFF"])
    if r.returncode != 0:
        return [f"configure failed: {(r.stdout + r.stderr)[-1500:]}"]
    r = run(["cmake", "--build", b, "-j", "2", "--target", "app_plain", "app_traced"])
    log = r.stdout + r.stderr
    if r.returncode != 0:
        return [f"build failed: {log[-2500:]}"]
    problems = [line for line in log.splitlines() if "not traced" in line]
    exe = {v: os.path.join(b, "app", f"app_{v}") for v in ("plain", "traced")}
    jsonl = os.path.join(work, "t.jsonl")
    env = dict(os.environ, NARRATE_LOG="", NARRATE_OUTPUT="none")
    p = run([exe["plain"]], env=env)
    t = run([exe["traced"]], env=dict(env, NARRATE_OUTPUT=f"jsonl:{jsonl}"))
    if (p.stdout, p.returncode) != (t.stdout, t.returncode):
        problems.append(f"the traced run differs: plain {p.returncode} {p.stdout!r}, traced {t.returncode} "
                        f"{t.stdout!r} {t.stderr[:300]!r}")
    if p.stdout.strip() != "6 7 configured 10 8 11":
        problems.append(f"the program printed {p.stdout!r}")
    events = [json.loads(line) for line in open(jsonl, encoding="utf-8")] if os.path.exists(jsonl) else []
    for fn in FUNCTIONS:
        kinds = {e.get("kind") for e in events if e.get("action") == fn}
        if kinds != {"fn_enter", "fn_exit"}:
            problems.append(f"{fn}: {sorted(k for k in kinds if k)} recorded, enter and exit expected")
    if cc.endswith("gcc") and shutil.which("valgrind"):
        r = run(["valgrind", "--quiet", "--error-exitcode=99", exe["traced"]],
                env=dict(env, NARRATE_OUTPUT=f"jsonl:{os.path.join(work, 'vg.jsonl')}"))
        if r.returncode == 99:
            problems.append(f"memcheck found errors in the traced run: {r.stderr[:800]}")
    return problems


def main() -> int:
    root = sys.argv[1]
    compilers = sys.argv[2:] or [c for c in ("gcc", "clang") if shutil.which(c)]
    failed = 0
    for cc in compilers:
        with tempfile.TemporaryDirectory() as work:
            problems = check(root, cc, work)
        for p in problems:
            print(f"FAIL layouts [{cc}]: {p}")
        if problems:
            failed += 1
        else:
            print(f"ok layouts [{cc}]: instrumented from its parent, sources above it, generated, configured, "
                  "from an object library, added later: built, same output, every function traced"
                  + (", memcheck clean" if cc.endswith("gcc") else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
