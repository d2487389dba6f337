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
    # a definition whose name (or all of it) comes from a macro: renamed by '#define name
    # narr__impl_name' before it, traced function written after it from the types
    by_macro: bool = False
    macro_prefix: str = ""  # storage and result type of the traced function, from the types
    macro_params: str = ""  # its parameter list, from the types
    macro_proto: bool = False  # the types are declared before the macro: a static prototype of the original goes first
    header: str = ""  # a static inline function of this header (shown path), renamed around its #include
    whole: bool = False  # traced by whole-project tracing (not marked, not --every-call): may be throttled


@dataclass(frozen=True)
class Skipped:
    name: str
    line: int
    reason: str
    inlined: bool = False  # a static function the optimizer inlines at every call: counted, not listed
    where: str = ""  # the file it is defined in, when not the source itself (a header)


@dataclass(frozen=True)
class SourceFile:
    path: str  # as given
    display: str  # relative to the source root, for banners and #line
    text: str
    functions: tuple[Function, ...]
    skipped: tuple[Skipped, ...] = field(default=())
    includes: tuple[str, ...] = ()  # every file the parse read, for build dependencies
    header_left: int = 0  # static inline functions of the project's headers left untraced
    inlined_how: str = ""  # how the static functions left to the compiler were found
    inlined_note: str = ""  # why the compiler could not be asked, when it could not
