"""Plans to files: returns (name, text) pairs; writing them is the CLI's business."""

from __future__ import annotations

from . import __version__
from .model import SourceFile
from .plan import plan_file
from .templating import environment


def emit(sources: list[tuple[SourceFile, str, str]], default_actor: str) -> list[tuple[str, str]]:
    """sources: (scanned file, output name, path for #line). Output is sorted by name."""
    template = environment().get_template("traced.c.j2")
    out = [(name, template.render(plan=plan_file(src, __version__, line_path, default_actor)))
           for src, name, line_path in sources]
    return sorted(out)
