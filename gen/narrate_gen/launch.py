"""narrate_instrument's compiler launcher: a target's C compiles run through it (CMake's
C_COMPILER_LAUNCHER). It reads the compile command the build is about to run, generates the
traced twin of its source with exactly those flags, and compiles the twin instead. The compile
happens where the build orders it, after everything the target makes first (generated sources
and headers), whatever directory instrumented the target. Pure functions here; cli.py runs them."""

from __future__ import annotations

import hashlib
import os
import shlex
from dataclasses import dataclass

# Compiler arguments that take a value in the next argument and mean nothing to a parse.
_OUTPUT_WITH_VALUE = {"-o", "-MF", "-MT", "-MQ"}
_DROP_ALONE = {"-c", "-MD", "-MMD", "-MP", "-M", "-MM", "-Werror", "-pedantic-errors", "-pipe"}
_C_SUFFIXES = (".c", ".i")


@dataclass(frozen=True)
class Compile:
    """One compile command, understood."""

    argv: tuple[str, ...]  # as the build gave it (response files expanded)
    compiler: tuple[str, ...]  # the compiler command (a launcher such as ccache included)
    source: str  # the file compiled ("" when this is not one C compile)
    source_at: int  # its index in argv
    depfile: str  # -MF's file, or ""
    parse_flags: tuple[str, ...]  # what libclang and the plain compile of inlined.py take


def expand_response_files(argv: list[str], cwd: str) -> list[str]:
    """@file arguments (response files) replaced by what they hold."""
    out: list[str] = []
    for a in argv:
        if a.startswith("@") and os.path.isfile(os.path.join(cwd, a[1:])):
            with open(os.path.join(cwd, a[1:]), encoding="utf-8") as fh:
                out += shlex.split(fh.read())
        else:
            out.append(a)
    return out


def parse_compile(argv: list[str]) -> Compile:
    """The parts of '<compiler...> <flags> -o OBJ -c SRC' (CMake's order; any order is read).
    The compiler is every argument before the first one that starts with '-'."""
    first_flag = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    compiler = tuple(argv[:first_flag])
    source, source_at, depfile = "", -1, ""
    parse: list[str] = []
    has_c = False
    language = ""
    i = first_flag
    while i < len(argv):
        a = argv[i]
        if a in _OUTPUT_WITH_VALUE and i + 1 < len(argv):
            if a == "-MF":
                depfile = argv[i + 1]
            i += 2
            continue
        if a == "-x" and i + 1 < len(argv):
            language = argv[i + 1]
        if a == "-c":
            has_c = True
        if a in _DROP_ALONE or a.startswith("-fdiagnostics-color") or a.startswith("-Werror="):
            i += 1
            continue
        if not a.startswith("-") and a.endswith(_C_SUFFIXES) and (i == 0 or argv[i - 1] not in ("-include", "-imacros",
                                                                                             "-x", "-I", "-isystem",
                                                                                             "-iquote", "-D", "-U")):
            source, source_at = a, i
            i += 1
            continue
        parse.append(a)
        i += 1
    if "-c" in argv:  # CMake writes '-c SRC' last; prefer it to a guess
        k = argv.index("-c")
        if k + 1 < len(argv) and argv[k + 1].endswith(_C_SUFFIXES):
            if source_at >= 0 and argv[source_at] != argv[k + 1]:
                parse.append(argv[source_at])
            source, source_at = argv[k + 1], k + 1
            if source in parse:
                parse.remove(source)
    if not has_c or language not in ("", "c"):
        source, source_at = "", -1
    return Compile(tuple(argv), compiler, source, source_at, depfile, tuple(parse))


def twin_name(source: str, source_root: str, binary_root: str, out_dir: str) -> str:
    """Where a source's traced twin goes: its path under the target's source folder, or under its
    binary folder (generated sources: generated/...), else external/<hash>/<name>; always
    <name>.traced.c, never the original's name (a quoted #include of another .c file must not
    pick up a twin)."""
    real = os.path.realpath(source)
    rel = os.path.relpath(real, os.path.realpath(source_root))
    if rel.startswith(".."):
        rel_bin = os.path.relpath(real, os.path.realpath(binary_root)) if binary_root else ".."
        if not rel_bin.startswith(".."):
            rel = os.path.join("generated", rel_bin)
        else:
            digest = hashlib.md5(real.encode()).hexdigest()[:8]
            rel = os.path.join("external", digest, os.path.basename(source))
    stem, _ = os.path.splitext(rel)
    return os.path.join(out_dir, stem + ".traced.c")


def twin_command(c: Compile, twin: str) -> list[str]:
    """The compile of the twin: the same command, the twin for the source, and the source's
    folder searched first for quoted includes (as it was for the original)."""
    argv = list(c.argv)
    argv[c.source_at] = twin
    src_dir = os.path.dirname(os.path.abspath(c.source))
    return argv[:c.source_at] + ["-iquote", src_dir] + argv[c.source_at:]


def fix_depfile(text: str, twin: str, source: str) -> str:
    """The twin's dependencies as the original's: make and ninja see the source, not the twin."""
    return text.replace(twin.replace(" ", "\\ "), source.replace(" ", "\\ "))
