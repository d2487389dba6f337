"""narrate-gen command line: the only place that reads arguments, writes files and exits."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys


def _flags_from_compile_commands(path: str, source: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        entries = json.load(fh)
    want = os.path.realpath(source)
    for e in entries:
        f = e["file"] if os.path.isabs(e["file"]) else os.path.join(e["directory"], e["file"])
        if os.path.realpath(f) != want:
            continue
        args = e.get("arguments") or shlex.split(e["command"])
        out, skip = [], False
        for a in args[1:]:
            if skip:
                skip = False
                continue
            if a in ("-c",) or os.path.realpath(os.path.join(e["directory"], a)) == want:
                continue
            if a == "-o":
                skip = True
                continue
            out.append(a)
        return out
    return []


def _output_name(source: str, root: str) -> str:
    """x/y.c -> x/y.traced.c (launch.py's twin_name, relative to the output folder)."""
    from .launch import twin_name
    return twin_name(source, root, "", "")


def _launch(argv: list[str]) -> int:
    """narrate-gen --launch INFO -- COMPILER ARGS...: narrate_instrument's compiler launcher
    (launch.py). INFO is the target's settings (JSON, written by NarrateInstrument.cmake)."""
    from .launch import expand_response_files, fix_depfile, parse_compile, twin_command, twin_name
    if len(argv) < 3 or argv[1] != "--":
        print("narrate-gen: --launch INFO -- COMPILER ARGS...", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as fh:
        info = json.load(fh)
    command = expand_response_files(argv[2:], os.getcwd())
    c = parse_compile(command)
    if not c.source:  # not one C compile (preprocessing only, another language): as it is
        return subprocess.call(command)
    twin = twin_name(c.source, info["source_root"], info["binary_root"], info["out_dir"])
    gen = [c.source, "--output", twin, "--source-root", info["source_root"], "--actor", info["actor"],
           "--cc", shlex.join(c.compiler)] + info["args"] + [f"--flag={f}" for f in c.parse_flags]
    rc = main(gen)
    if rc != 0:
        return rc
    rc = subprocess.call(twin_command(c, twin))
    if rc == 0 and c.depfile and os.path.exists(c.depfile):
        with open(c.depfile, encoding="utf-8", errors="surrogateescape") as fh:
            deps = fh.read()
        with open(c.depfile, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(fix_depfile(deps, twin, os.path.abspath(c.source)))
    return rc


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "--launch":
        try:
            return _launch(argv[1:])
        except OSError as e:
            print(f"narrate-gen: {e.filename + ': ' if e.filename else ''}{e.strerror or e}", file=sys.stderr)
            return 1
    ap = argparse.ArgumentParser(prog="narrate-gen", description="Emit traced versions of C sources whose "
                                 "functions are marked NARR_TRACE_FN (or all of them).")
    ap.add_argument("sources", nargs="+", help="C files to scan")
    ap.add_argument("-o", "--out-dir", help="where the traced files go (the build folder), each as "
                    "<path under --source-root>.traced.c")
    ap.add_argument("--output", metavar="FILE", help="with one source: write its traced twin to FILE")
    ap.add_argument("--source-root", default=".", help="paths in banners are relative to this")
    ap.add_argument("--actor", default="app", help="actor of the traced functions (NARRATE_ACTOR overrides per file)")
    ap.add_argument("--all-functions", action="store_true", help="trace every function definition the "
                    "optimized build calls (static functions it inlines at every call excepted: see --every-call)")
    ap.add_argument("--every-call", action="store_true", help="with --all-functions: trace the static functions "
                    "the compiler inlines at every call too")
    ap.add_argument("--cc", default=os.environ.get("CC") or "cc", help="the build's C compiler: --all-functions "
                    "compiles each source once with the flags to see what it inlines (default: $CC or cc)")
    ap.add_argument("--header-functions", action="store_true", help="with --all-functions: trace the static "
                    "inline functions of the project's own headers too, in each source that includes them")
    ap.add_argument("--include", action="append", default=[], metavar="GLOB", help="with --all-functions: only these")
    ap.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="with --all-functions: not these")
    ap.add_argument("--flags-file", help="compiler flags, one per line (what CMake passes)")
    ap.add_argument("--compile-commands", help="compile_commands.json to take each file's flags from")
    ap.add_argument("--flag", action="append", default=[], help="one more compiler flag")
    ap.add_argument("--depfile", help="write make-style dependencies (sources and headers) here")
    args = ap.parse_args(argv)
    if (args.out_dir is None) == (args.output is None):
        ap.error("give -o/--out-dir or --output")
    if args.output is not None and len(args.sources) != 1:
        ap.error("--output takes one source")
    if (args.every_call or args.header_functions) and not args.all_functions:
        ap.error("--every-call and --header-functions go with --all-functions")
    try:
        return _generate(args)
    except OSError as e:
        # a missing --flags-file or --compile-commands, an output folder or --depfile that cannot
        # be written: one line naming the file, never a traceback
        what = f"{e.filename}: " if e.filename else ""
        print(f"narrate-gen: {what}{e.strerror or e}", file=sys.stderr)
        return 1


def _generate(args: argparse.Namespace) -> int:
    try:
        from .errors import GenError, GenErrors
        from .scan import Scanner, actor_problem
        from .emit import emit
    except ImportError as e:
        print(f"narrate-gen: cannot import {e.name or e}: run it with a Python that has Debian's "
              "python3-clang-14 and python3-jinja2 (apt-get install python3-clang-14 libclang-14-dev "
              "python3-jinja2; /usr/bin/python3 has them)", file=sys.stderr)
        return 1

    problem = actor_problem(args.actor)
    if problem:
        print(f"narrate-gen: --actor: {problem}", file=sys.stderr)
        return 1
    base_flags: list[str] = []
    if args.flags_file:
        with open(args.flags_file, encoding="utf-8") as fh:
            base_flags = [ln.strip() for ln in fh.read().splitlines() if ln.strip()]
    base_flags += args.flag
    root = args.source_root

    def display(path: str) -> str:
        rel = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
        return path if rel.startswith("..") else rel

    scanned = []
    deps: list[str] = []
    failures: list[str] = []
    for source in args.sources:
        flags = list(base_flags)
        if args.compile_commands:
            flags += _flags_from_compile_commands(args.compile_commands, source)
        scanner = Scanner(flags, args.actor, args.all_functions, args.include, args.exclude, display,
                          every_call=args.every_call, header_functions=args.header_functions, cc=args.cc)
        try:
            src = scanner.scan(source)
        except GenErrors as e:
            failures += [str(x) for x in e.errors]
            continue
        except GenError as e:
            failures.append(str(e))
            continue
        except OSError as e:
            failures.append(f"{source}:1: cannot read: {e.strerror}")
            continue
        if src.inlined_note:
            print(f"narrate-gen: {src.display}: {src.inlined_note}", file=sys.stderr)
        for s in src.skipped:
            if not s.inlined:
                print(f"narrate-gen: {s.where or src.display}:{s.line}: function {s.name} not traced: {s.reason}",
                      file=sys.stderr)
        for fn in src.functions:
            for note in fn.notes:
                print(f"narrate-gen: {src.display}:{fn.line}: function {fn.name}: {note}", file=sys.stderr)
        if args.all_functions:
            n_traced = len(src.functions)
            n_leaf = sum(1 for s in src.skipped if s.inlined)
            n_skipped = len(src.skipped) - n_leaf
            why = []
            if n_leaf:
                why.append(f"{n_leaf} static functions {src.inlined_how}: --every-call (EVERY_CALL) traces them")
            if n_skipped:
                why.append(f"{n_skipped} skipped, reasons above")
            if src.header_left:
                why.append(f"{src.header_left} static inline functions of the project's headers not traced: "
                           "--header-functions (HEADER_FUNCTIONS) traces them")
            print(f"narrate-gen: {src.display}: {n_traced} of {n_traced + n_leaf + n_skipped} functions traced"
                  + (f" ({'; '.join(why)})" if why else ""), file=sys.stderr)
        name = os.path.abspath(args.output) if args.output else _output_name(source, root)
        scanned.append((src, name, source))
        deps.extend(src.includes)
    if failures:
        for f in failures:
            print(f"{f}", file=sys.stderr)
        print(f"narrate-gen: {len(failures)} error(s); nothing generated", file=sys.stderr)
        return 1
    outputs = []
    for name, text in emit(scanned, args.actor):
        path = name if args.output else os.path.join(args.out_dir, name)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(text)
        outputs.append(path)
    if args.depfile:
        def esc(p: str) -> str:
            return p.replace(" ", "\\ ")
        with open(args.depfile, "w", encoding="utf-8") as fh:
            inputs = sorted(set([os.path.abspath(s) for s in args.sources] + deps))
            fh.write(" ".join(esc(o) for o in outputs) + ": " + " \\\n  ".join(esc(i) for i in inputs) + "\n")
    return 0
