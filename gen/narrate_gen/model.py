"""What the scanner found in a source file, as frozen data (no libclang objects)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Capture:
    """How one value is recorded: its shown name, its encoding and the C expression to read."""

    key: str
    kind: str  # i u b e f s p lit
    expr: str = ""
    lit: str = ""  # kind "lit": the constant text shown
    str_max: int = 0  # kind "s": bytes copied at most
    avail: str = ""  # kind "s": C expression of the bytes readable (an array's size, a length parameter)
    enum_values: tuple[tuple[int, str], ...] = ()  # kind "e": value -> constant name


@dataclass(frozen=True)
class Param:
    name: str
    type_spelling: str
    captures: tuple[Capture, ...]


@dataclass(frozen=True)
class Options:
    """NARR_TRACE_FN_WITH("skip=a,b; str=out; level=debug; err=neg")."""

    skip: tuple[str, ...] = ()
    strings: tuple[str, ...] = ()  # char * parameters (or "result") to record as strings
    level: str = "trace"
    err: str = ""  # "", "neg", "null", "nonzero"


@dataclass(frozen=True)
class Function:
    name: str
    usr: str
    line: int  # line of the function's name
    storage: str  # "static", "extern", ""
    is_inline: bool
    is_noreturn: bool
    is_variadic: bool
    return_spelling: str
    return_void: bool
    return_captures: tuple[Capture, ...]
    return_kind: str  # "int", "float", "pointer", "bool", "record", "other", "void"
    params: tuple[Param, ...]
    options: Options
    # byte offsets into the source text
    decl_start: int
    name_start: int
    name_end: int
    params_open: int  # offset of '('
    params_close: int  # offset of ')'
    body_open: int  # offset of '{'
    def_end: int  # offset just past '}'
    extern_at: int = -1  # offset of the 'extern' keyword, when present
    notes: tuple[str, ...] = ()
    prefix_end: int = -1  # end of the declaration text before the name ('(' of 'int (f)(...)')
    extern_macro: bool = False  # external linkage from a macro (MYLIB_API expanding to extern)
    visibility_macro: bool = False  # a visibility attribute from a macro: the original stays non-static
    # variadic: its return statements as (offset of 'return', end of its value or -1, end of its ';'),
    # or None when they cannot be rewritten (then it has no exit event)
    va_returns: tuple[tuple[int, int, int], ...] | None = None
    declared_before: bool = False  # a file-scope declaration precedes the definition
    uses_retaddr: bool = False  # its body asks __builtin_return_address
    setjmps: tuple[str, ...] = ()  # setjmp-family functions its body calls (macros expanded)
    knr_params: str | None = None  # a K&R-style definition: its parameters as a prototype's


@dataclass(frozen=True)
class Skipped:
    name: str
    line: int
    reason: str


@dataclass(frozen=True)
class SourceFile:
    path: str  # as given
    display: str  # relative to the source root, for banners and #line
    text: str
    functions: tuple[Function, ...]
    skipped: tuple[Skipped, ...] = field(default=())
    includes: tuple[str, ...] = ()  # every file the parse read, for build dependencies
