"""Which static functions the optimized build keeps as calls: the source compiled once as the
build compiles it, and the functions its object file defines. A static function missing there
was inlined at every call (or never called): the plain program makes no call of it, so whole-
project tracing leaves it to the compiler, as -pg and uftrace see a program."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile


def kept_functions(cc: str, flags: list[str], source: str) -> tuple[set[str] | None, str]:
    """(names of the functions the object file defines, "") or (None, why it could not say)."""
    with tempfile.TemporaryDirectory(prefix="narrate-gen-") as tmp:
        obj = os.path.join(tmp, "plain.o")
        # the build's own flags, its optimisation level included; no debug information, no
        # warnings (they are the build's to print), machine code even where the build uses LTO
        cmd = shlex.split(cc) + [f for f in flags if f not in ("-Werror",)] + ["-g0", "-w", "-fno-lto", "-c", source, "-o", obj]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"{cc} could not run ({e})"
        if r.returncode != 0:
            first = (r.stderr.strip().splitlines() or ["(no message)"])[0]
            return None, f"{os.path.basename(cc)} did not compile it: {first}"
        try:
            r = subprocess.run(["nm", "--defined-only", obj], capture_output=True, text=True, timeout=120)
        except OSError as e:
            return None, f"nm could not run ({e})"
        if r.returncode != 0:
            return None, "nm could not read the object file"
        names: set[str] = set()
        for line in r.stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwWiI":
                # clones keep the function out of line: f.constprop.0, f.part.0, f.cold, f.isra.0
                names.add(parts[2].split(".", 1)[0])
        return names, ""
