"""libclang to model: parse one C file with the build's flags, find the functions to trace,
and decide how each parameter and result is captured. Never emits anything from a broken
parse: any error diagnostic stops here with its file and line."""

from __future__ import annotations

import ctypes
import fnmatch
import os
import re
from dataclasses import replace
from typing import Iterable

import clang.cindex as ci

from .bodies import FileFacts
from .errors import GenError, GenErrors
from .inlined import kept_functions
from .model import Capture, Function, Options, Param, Skipped, SourceFile

MARK = "narrate:trace"
STR_MAX = 1024  # NARR_STR_MAX's default: bytes copied per string parameter

# Names that are never captured: whole words of the parameter's name (snake_case, camelCase,
# acronyms), or two adjacent words that make one (passWord). The runtime's redactor
# (runtime/sinks/redact.c) uses the same list for keys.
SECRET_WORDS = (
    ("password",), ("passwd",), ("pwd",), ("passphrase",), ("token",), ("secret",), ("api", "key"), ("apikey",),
    ("private", "key"), ("secret", "key"), ("auth",), ("authorization",), ("credential",), ("credentials",),
    ("cookie",), ("session", "key"), ("access", "token"), ("refresh", "token"), ("access", "key"), ("creds",),
    ("authz",), ("privkey",), ("jwt",), ("bearer",), ("secrets",), ("passwords",), ("otp",),
)

_SIGNED = {ci.TypeKind.CHAR_S, ci.TypeKind.SCHAR, ci.TypeKind.SHORT, ci.TypeKind.INT, ci.TypeKind.LONG,
           ci.TypeKind.LONGLONG, ci.TypeKind.INT128}
_UNSIGNED = {ci.TypeKind.CHAR_U, ci.TypeKind.UCHAR, ci.TypeKind.USHORT, ci.TypeKind.UINT, ci.TypeKind.ULONG,
             ci.TypeKind.ULONGLONG, ci.TypeKind.UINT128, ci.TypeKind.CHAR16, ci.TypeKind.CHAR32, ci.TypeKind.WCHAR}
_FLOAT = {ci.TypeKind.FLOAT, ci.TypeKind.DOUBLE, ci.TypeKind.LONGDOUBLE}
_ARRAYS = {ci.TypeKind.CONSTANTARRAY, ci.TypeKind.INCOMPLETEARRAY, ci.TypeKind.VARIABLEARRAY,
           ci.TypeKind.DEPENDENTSIZEDARRAY}


def actor_problem(actor: str) -> str | None:
    """Why an actor name is refused, or None: actors are identifier-like."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", actor):
        return None
    return f'actor "{actor}" is not identifier-like (letters, digits, _ . -; not starting with a digit)'


def name_words(name: str) -> list[str]:
    """password_hash -> [password, hash]; apiKey -> [api, key]; DBPassword -> [db, password]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    spaced = re.sub(r"([A-Z])([A-Z][a-z])", r"\1_\2", spaced)
    return [w.lower() for w in re.split(r"[_\W]+", spaced) if w]


def is_secret(name: str) -> bool:
    words = name_words(name)
    joined = [a + b for a, b in zip(words, words[1:])]  # passWord -> password
    for pattern in SECRET_WORDS:
        n = len(pattern)
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) == pattern:
                return True
        if n == 1 and pattern[0] in joined:
            return True
    return False


def parse_options(text: str, file: str, line: int, function: str) -> Options:
    skip: list[str] = []
    strings: list[str] = []
    level = "trace"
    err = ""
    for item in text.split(";"):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise GenError(file, line, f"option '{item}' needs a value (skip=, str=, level=, err=)", function)
        if key == "skip":
            skip.extend(v.strip() for v in value.split(",") if v.strip())
        elif key == "str":
            strings.extend(v.strip() for v in value.split(",") if v.strip())
        elif key == "level":
            if value not in ("trace", "debug", "info"):
                raise GenError(file, line, f"level '{value}' is not one of trace, debug, info", function)
            level = value
        elif key == "err":
            if value not in ("neg", "null", "nonzero"):
                raise GenError(file, line, f"err '{value}' is not one of neg, null, nonzero", function)
            err = value
        else:
            raise GenError(file, line, f"unknown option '{key}' (skip, str, level, err)", function)
    return Options(skip=tuple(skip), strings=tuple(strings), level=level, err=err)


def _atomic_value_type(t: ci.Type) -> ci.Type | None:
    """The T of _Atomic(T); the Python bindings of clang 14 do not wrap this call."""
    try:
        fn = ci.conf.lib.clang_Type_getValueType
    except AttributeError:
        return None
    fn.argtypes = [ci.Type]
    fn.restype = ci.Type
    value = fn(t)
    value._tu = t._tu  # what the bindings' own wrappers set, so later calls work
    return value if value.kind != ci.TypeKind.INVALID else None


def _enum_values(t: ci.Type) -> tuple[tuple[int, str], ...]:
    decl = t.get_canonical().get_declaration()
    seen: dict[int, str] = {}
    for c in decl.get_children():
        if c.kind == ci.CursorKind.ENUM_CONSTANT_DECL and c.enum_value not in seen:
            seen[c.enum_value] = c.spelling
    return tuple(sorted(seen.items()))


def scalar_capture(t: ci.Type, key: str, expr: str, as_string: bool = False, text: bool = True) -> Capture | None:
    """A capture for a scalar type, or None when the type is not a scalar narrate records.
    A `const char *` is copied as a string when text says the program reads it as one (bodies.py);
    a `char *` may be an output buffer not yet written (or not NUL-terminated); both are recorded
    as addresses otherwise, unless as_string (option str=)."""
    c = t.get_canonical()
    if c.kind == ci.TypeKind.ATOMIC:
        inner = _atomic_value_type(c)
        return scalar_capture(inner, key, expr, as_string, text) if inner is not None else None
    if c.kind == ci.TypeKind.BOOL:
        return Capture(key, "b", expr)
    if c.kind in _SIGNED:
        return Capture(key, "i", expr)
    if c.kind in _UNSIGNED:
        return Capture(key, "u", expr)
    if c.kind in _FLOAT:
        return Capture(key, "f", expr)
    if c.kind == ci.TypeKind.ENUM:
        return Capture(key, "e", expr, enum_values=_enum_values(c))
    if c.kind == ci.TypeKind.POINTER:
        pointee = c.get_pointee().get_canonical()
        if pointee.kind in (ci.TypeKind.CHAR_S, ci.TypeKind.CHAR_U) and ((pointee.is_const_qualified() and text)
                                                                         or as_string):
            return Capture(key, "s", expr, str_max=STR_MAX)
        return Capture(key, "p", expr)
    return None


def _return_statements(body: ci.Cursor, text: str) -> tuple[tuple[tuple[int, int, int], ...] | None, str]:
    """Every return statement of a body as written: ('return' offset, value end or -1, ';' end)."""
    out = []
    for k in body.walk_preorder():
        if k.kind == ci.CursorKind.FUNCTION_DECL:
            return None, "it holds a nested function"
        if k.kind != ci.CursorKind.RETURN_STMT:
            continue
        start, end = k.extent.start.offset, k.extent.end.offset
        if text[start:start + 6] != "return" or (start + 6 < len(text) and (text[start + 6].isalnum() or text[start + 6] == "_")):
            return None, f"a return statement on line {k.location.line} comes from a macro"
        has_value = any(True for _ in k.get_children())
        semi = _skip_space(text, end)
        if semi >= len(text) or text[semi] != ";":
            return None, f"the return statement on line {k.location.line} is not followed by ';' as written"
        out.append((start, end if has_value else -1, semi + 1))
    return tuple(out), ""


def _record_members(decl: ci.Cursor, key: str, expr: str, caps: list[Capture], left: list[str],
                    in_union: bool, field_text) -> None:
    """Scalar members of a struct or union (anonymous ones included, as C11 reaches them).
    In a union only one member holds a value: none is followed as a string (the active one may
    be an int), and a bool is read as its byte (another member's bits may not be 0 or 1)."""
    in_union = in_union or decl.kind == ci.CursorKind.UNION_DECL
    children = list(decl.get_children())
    # an unnamed struct or union no member is declared with: an anonymous member (C11)
    typed = {k.type.get_canonical().get_declaration().hash for k in children if k.kind == ci.CursorKind.FIELD_DECL}
    for f in children:
        if f.kind in (ci.CursorKind.STRUCT_DECL, ci.CursorKind.UNION_DECL) and f.is_anonymous() and f.hash not in typed:
            _record_members(f, key, expr, caps, left, in_union, field_text)
            continue
        if f.kind != ci.CursorKind.FIELD_DECL:
            continue
        if not f.spelling:
            left.append("an unnamed member")
            continue
        # a member is read as a string when the file uses that member as one
        sc = scalar_capture(f.type, f"{key}.{f.spelling}", f"{expr}.{f.spelling}",
                            text=field_text is not None and field_text(f))
        if sc is None:
            left.append(f"{key}.{f.spelling}")
            continue
        if in_union and sc.kind == "s":
            sc = Capture(sc.key, "p", sc.expr)
        elif in_union and sc.kind == "b":
            sc = Capture(sc.key, "u", f"*(const unsigned char *)&({sc.expr})")
        caps.append(sc)


def value_captures(t: ci.Type, key: str, expr: str, as_string: bool = False, text: bool = True,
                   field_text=None) -> tuple[tuple[Capture, ...], str]:
    """Captures for a parameter or result of type t, and a note when something is left out.
    text: a `const char *` is read as a string; field_text(member): a struct member is."""
    c = t.get_canonical()
    one = scalar_capture(t, key, expr, as_string, text)
    if one is not None:
        return (one,), ""
    if c.kind in _ARRAYS:
        elem = c.get_array_element_type().get_canonical()
        size = c.get_array_size() if c.kind == ci.TypeKind.CONSTANTARRAY else -1
        if elem.kind in (ci.TypeKind.CHAR_S, ci.TypeKind.CHAR_U):
            bound = min(size, STR_MAX) if size > 0 else STR_MAX
            return (Capture(key, "s", expr, str_max=bound, avail=str(size) if size > 0 else ""),), ""
        caps = [Capture(key, "p", expr)]
        if size > 0:
            caps.append(Capture(key + "_len", "lit", lit=str(size)))
        return tuple(caps), ""
    if c.kind == ci.TypeKind.RECORD:
        caps: list[Capture] = []
        left: list[str] = []
        _record_members(c.get_declaration(), key, expr, caps, left, False, field_text)
        note = f"{key}: only scalar members one level deep are recorded ({', '.join(left)} left out)" if left else ""
        return tuple(caps), note
    return (), f"{key}: type '{t.spelling}' is not recorded"


def _skip_space(text: str, i: int) -> int:
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = len(text) if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = len(text) if j < 0 else j + 1
        else:
            break
    return i


def _matching_paren(text: str, open_at: int) -> int:
    depth = 0
    i = open_at
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        elif text.startswith("/*", i) or text.startswith("//", i):
            i = _skip_space(text, i)
            continue
        i += 1
    return -1


# Functions that return twice. A traced function that calls one (directly or through a macro,
# as Lua's LUAI_TRY) gets its depth back when the call returns again after a longjmp.
SETJMP_NAMES = frozenset({"setjmp", "_setjmp", "sigsetjmp", "__sigsetjmp", "__builtin_setjmp"})


_PROMOTED = {ci.TypeKind.BOOL, ci.TypeKind.CHAR_S, ci.TypeKind.CHAR_U, ci.TypeKind.SCHAR, ci.TypeKind.UCHAR,
             ci.TypeKind.SHORT, ci.TypeKind.USHORT, ci.TypeKind.FLOAT}


def _knr_prototype(c) -> str:
    """A K&R-style definition's parameters as a prototype's ('int a, char *s'), or _CannotTrace
    when one of them is promoted in a call without a prototype (char, short, float): a prototype
    would then not match the definition's callers."""
    out = []
    for p in c.get_arguments():
        t = p.type.get_canonical()
        if t.kind in _PROMOTED:
            raise _CannotTrace(f"K&R-style definition with parameter {p.spelling} of type '{p.type.spelling}', which "
                               "calls without a prototype promote: give it a prototype, e.g. 'int f(int a, int b)'")
        spelled = p.type.spelling
        out.append(f"__typeof__({spelled}) {p.spelling}" if "(" in spelled or "[" in spelled else f"{spelled} {p.spelling}")
    return ", ".join(out) or "void"


def _setjmp_calls(body) -> tuple[str, ...]:
    """The setjmp-family functions called in a body, as libclang sees them after macro expansion."""
    if body is None:
        return ()
    found = {k.spelling for k in body.walk_preorder()
             if k.kind == ci.CursorKind.CALL_EXPR and k.spelling in SETJMP_NAMES}
    return tuple(sorted(found))


class Scanner:
    """Scans one file: call scan(path) per source."""

    def __init__(self, flags: list[str], actor: str, all_functions: bool, include: Iterable[str],
                 exclude: Iterable[str], display: callable, every_call: bool = False,
                 header_functions: bool = False, cc: str = "") -> None:
        self.flags = list(flags)
        self.actor = actor
        self.all_functions = all_functions
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self.display = display
        self.every_call = every_call
        self.cc = cc
        self.header_functions = header_functions
        self.index = ci.Index.create()

    def _parse(self, path: str) -> ci.TranslationUnit:
        args = self.flags + ["-DNARR__GENERATING=1", "-Wno-unused-command-line-argument"]
        try:
            tu = self.index.parse(path, args=args, options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)
        except ci.TranslationUnitLoadError:
            raise GenError(self.display(path), 1, "libclang could not parse this file (is it readable C?)") from None
        errors = [GenError(self.display(d.location.file.name) if d.location.file else self.display(path),
                           d.location.line, d.spelling)
                  for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
        if errors:
            raise GenErrors(errors)
        return tu

    def _wanted(self, name: str) -> bool:
        if self.include and not any(fnmatch.fnmatchcase(name, g) for g in self.include):
            return False
        return not any(fnmatch.fnmatchcase(name, g) for g in self.exclude)

    def scan(self, path: str) -> SourceFile:
        # one character per byte (non-ASCII bytes as surrogates, written back as they were):
        # libclang's offsets count bytes
        with open(path, encoding="ascii", errors="surrogateescape", newline="") as fh:
            text = fh.read()
        tu = self._parse(path)
        shown = self.display(path)
        marks: dict[str, str] = {}  # usr -> options text ("" when plain NARR_TRACE_FN)
        defs: list[ci.Cursor] = []
        header_defs: list[ci.Cursor] = []
        # bodies are searched for setjmp calls only when the file can make one
        self._setjmp_declared = "__builtin_setjmp" in text
        for c in tu.cursor.get_children():
            if c.kind != ci.CursorKind.FUNCTION_DECL:
                continue
            if c.spelling in SETJMP_NAMES:
                self._setjmp_declared = True
            for a in c.get_children():
                if a.kind == ci.CursorKind.ANNOTATE_ATTR and a.spelling.startswith(MARK):
                    opts = a.spelling[len(MARK):].lstrip(":")
                    if opts or c.get_usr() not in marks:
                        marks[c.get_usr()] = opts
            if c.is_definition() and c.location.file and c.location.file.name == tu.spelling:
                defs.append(c)
            elif c.is_definition() and c.location.file:
                header_defs.append(c)
        self._check_macros(tu, text, shown)
        # (a function that calls a marked one is no leaf helper: that call is traced)
        self.facts = FileFacts(tu, {os.path.abspath(path): text}, never_leaf=set(marks))
        self._ask_compiler(path)

        functions: list[Function] = []
        skipped: list[Skipped] = []
        seen: set[str] = set()
        for c in defs:
            usr = c.get_usr()
            if usr in seen:
                continue
            seen.add(usr)
            marked = usr in marks
            if not marked and not (self.all_functions and self._wanted(c.spelling)):
                continue
            if not marked and self._inlined_away(c):
                # the plain program makes no call of it: tracing it would add calls (and their
                # cost) the program does not make (EVERY_CALL traces it)
                skipped.append(Skipped(c.spelling, c.location.line, f"one of the static functions {self._inlined_how}: "
                                       "left to the compiler; --every-call traces it", inlined=True))
                continue
            options = parse_options(marks.get(usr, ""), shown, c.location.line, c.spelling)
            try:
                fn = self._function(c, text, shown, options)
                functions.append(replace(fn, whole=not marked and not self.every_call))
            except _CannotTrace as why:
                if marked:
                    raise GenError(shown, c.location.line, str(why), c.spelling) from None
                skipped.append(Skipped(c.spelling, c.location.line, str(why)))
        header_left = self._header_functions(tu, text, header_defs, marks, seen, functions, skipped)
        includes = tuple(sorted({os.path.abspath(i.include.name) for i in tu.get_includes()}))
        return SourceFile(path=path, display=shown, text=text, functions=tuple(functions), skipped=tuple(skipped),
                          includes=includes, header_left=header_left, inlined_how=self._inlined_how,
                          inlined_note=self._inlined_note)

    def _ask_compiler(self, path: str) -> None:
        """Which static functions the optimized build inlines at every call: the compiler's own
        answer (inlined.py), or, when it cannot be asked, small leaf helpers (bodies.py)."""
        self._kept, self._inlined_note = None, ""
        self._inlined_how = "the optimizer inlines at every call"  # (or never calls)
        if not self.all_functions or self.every_call:
            return
        self._kept, why = kept_functions(self.cc or "cc", self.flags, path)
        if self._kept is None:
            self._inlined_how = "that are small leaf helpers (no loop, no call, a few statements)"
            self._inlined_note = (f"could not ask the compiler what it inlines ({why}); small leaf helpers are "
                                  "left out instead")

    def _inlined_away(self, c: ci.Cursor) -> bool:
        if not self.all_functions or self.every_call:
            return False
        if c.storage_class != ci.StorageClass.STATIC:
            return False  # called from other files: the program makes its calls
        if self._kept is None:
            return self.facts.is_leaf(c.get_usr())
        return c.spelling not in self._kept

    def _header_functions(self, tu, text: str, header_defs: list, marks: dict, seen: set,
                          functions: list, skipped: list) -> int:
        """Static inline functions of the project's own headers (not system headers, not narrate's):
        the marked ones, and all of them with --header-functions. Each is renamed by a macro before
        the #include of this file that brings its header in, and its traced function follows that
        #include (calls from the header itself stay plain). Returns how many were left untraced."""
        main = tu.spelling
        narr_dir = None
        candidates = []
        for c in header_defs:
            f = c.location.file.name
            if c.spelling == "narr__site_state":
                narr_dir = os.path.dirname(os.path.dirname(os.path.abspath(f)))
            if c.storage_class != ci.StorageClass.STATIC or _in_system_header(c):
                continue
            candidates.append(c)
        if narr_dir is not None:
            candidates = [c for c in candidates
                          if not os.path.abspath(c.location.file.name).startswith(narr_dir + os.sep)]
        wanted = []
        left = 0
        for c in candidates:
            usr = c.get_usr()
            if usr in seen:
                continue
            seen.add(usr)
            marked = usr in marks
            if marked or (self.header_functions and self._wanted(c.spelling) and not self._inlined_away(c)):
                wanted.append(c)
            elif self.all_functions and self._wanted(c.spelling) and not self._inlined_away(c):
                left += 1
        if not wanted:
            return left
        # the #include of this file through which each header came in (its first inclusion)
        first: dict[str, tuple[str, int]] = {}
        for inc in tu.get_includes():
            name = os.path.abspath(inc.include.name)
            if name not in first:
                first[name] = (os.path.abspath(inc.source.name), inc.location.offset)
        main_abs = os.path.abspath(main)
        # top-level declarations of this file: an #include inside one cannot take a function after it
        spans = [(k.extent.start.offset, k.extent.end.offset) for k in tu.cursor.get_children()
                 if k.kind.is_declaration() and k.location.file is not None and k.location.file.name == main
                 and k.extent.start.file is not None and k.extent.start.file.name == main]
        names = self._other_names(tu)
        for c in wanted:
            shown_h = self.display(c.location.file.name)
            f, at = os.path.abspath(c.location.file.name), -1
            for _ in range(64):
                if f not in first:
                    break
                src, off = first[f]
                if src == main_abs:
                    at = off
                    break
                f = src
            why = ""
            if at < 0:
                why = "its header's #include in this file was not found"
            elif any(a < at < b for a, b in spans):
                why = "its header is included inside a declaration of this file"
            elif c.spelling in names:
                why = f"the name {c.spelling} also names something else in this file (renaming it would change that)"
            if not why:
                line_start = text.rfind("\n", 0, at) + 1
                line_end = text.find("\n", at)
                line_end = len(text) if line_end < 0 else line_end + 1
                options = parse_options(marks.get(c.get_usr(), ""), shown_h, c.location.line, c.spelling)
                try:
                    lo = self._macro_made(c, text, options, span=(line_start, line_end))
                    fn = self._captures(c, text, shown_h, options, lo)
                    functions.append(replace(fn, header=shown_h, whole=c.get_usr() not in marks and not self.every_call))
                    continue
                except _CannotTrace as e:
                    why = str(e)
            if c.get_usr() in marks:
                raise GenError(shown_h, c.location.line, why, c.spelling)
            skipped.append(Skipped(c.spelling, c.location.line, why, where=shown_h))
        return left

    @staticmethod
    def _other_names(tu) -> set[str]:
        """Names the file gives to anything but a function (members, variables, types, macros)."""
        kinds = {ci.CursorKind.FIELD_DECL, ci.CursorKind.VAR_DECL, ci.CursorKind.PARM_DECL, ci.CursorKind.TYPEDEF_DECL,
                 ci.CursorKind.ENUM_CONSTANT_DECL, ci.CursorKind.MACRO_DEFINITION, ci.CursorKind.LABEL_STMT,
                 ci.CursorKind.STRUCT_DECL, ci.CursorKind.UNION_DECL, ci.CursorKind.ENUM_DECL}
        return {k.spelling for k in tu.cursor.walk_preorder() if k.kind in kinds}

    def _macro_made(self, c: ci.Cursor, text: str, options: Options, span: tuple[int, int] | None = None) -> dict:
        """A definition whose name (or all of it) comes from a macro: ZSTD_GEN_DFAST_FN(noDict, 4),
        QuickJS's X(lc, uc) over its error kinds, '#define re_match sqlite3re_match'. The name is
        known after expansion: a '#define NAME narr__impl_NAME' before the definition renames
        what the macro writes, and the traced function is written after it from the types."""
        name = c.spelling
        start, end = c.extent.start, c.extent.end
        main = c.translation_unit.spelling
        if span is not None:  # a header's function: renamed around the #include that brings it in
            start_at, end_at = span
        elif start.file is None or end.file is None or start.file.name != main or end.file.name != main:
            raise _CannotTrace("its name comes from a macro expansion that spans files")
        else:
            start_at, end_at = start.offset, end.offset
        if c.type.kind == ci.TypeKind.FUNCTIONPROTO and c.type.is_function_variadic():
            raise _CannotTrace("variadic, and its body is not in this file's text (a macro's, a header's): "
                               "it cannot record its own enter")
        if c.type.kind == ci.TypeKind.FUNCTIONNOPROTO and any(True for _ in c.get_arguments()):
            raise _CannotTrace("a K&R-style definition written by a macro")
        body = next((k for k in c.get_children() if k.kind == ci.CursorKind.COMPOUND_STMT), None)
        if body is None:
            raise _CannotTrace("its body could not be found")
        for k in body.walk_preorder():
            if k.spelling == name and k.kind not in (ci.CursorKind.DECL_REF_EXPR, ci.CursorKind.CALL_EXPR,
                                                     ci.CursorKind.UNEXPOSED_EXPR):
                raise _CannotTrace(f"its macro also names something else '{name}', which renaming it would change")
            if k.kind == ci.CursorKind.CALL_EXPR and (k.spelling in SETJMP_NAMES or k.spelling == "__builtin_return_address"):
                raise _CannotTrace(f"written by a macro and calls {k.spelling}")
        decls, visible = [], True
        for i, p in enumerate(c.get_arguments()):
            if not p.spelling:
                raise _CannotTrace(f"parameter {i + 1} has no name")
            spelled = p.type.spelling
            decls.append(f"__typeof__({spelled}) {p.spelling}" if "(" in spelled or "[" in spelled
                         else f"{spelled} {p.spelling}")
            visible = visible and _declared_before(p.type, start_at, main)
        rt = c.result_type
        ret = f"__typeof__({rt.spelling})" if "(" in rt.spelling or "[" in rt.spelling else rt.spelling
        visible = visible and _declared_before(rt, start_at, main)
        if "(unnamed" in " ".join(decls) + ret or "(anonymous" in " ".join(decls) + ret:
            raise _CannotTrace("written by a macro with a type that has no name")
        storage = "static" if c.storage_class == ci.StorageClass.STATIC else ""
        if span is not None:
            # (unused in a file that includes the header without calling it: clang would say so)
            storage = "static NARR__INLINE __attribute__((unused))"
        is_noreturn = "__attribute__((noreturn))" in c.type.spelling or any(
            k.kind == ci.CursorKind.UNEXPOSED_ATTR and "noreturn" in k.spelling for k in c.get_children())
        prefix = (f"{storage} " if storage else "") + ("__attribute__((noreturn)) " if is_noreturn else "") + f"{ret} "
        return dict(decl_start=start_at, name_start=start_at, prefix_end=start_at, params_open=-1,
                    params_close=-1, body_open=-1, def_end=end_at, knr_params=None, is_inline=span is not None,
                    storage="static" if storage else "", extern_at=-1, is_noreturn=is_noreturn, by_macro=True,
                    macro_prefix=prefix, macro_params=", ".join(decls) or "void", macro_proto=visible,
                    name_len=0, body=body)

    def _function(self, c: ci.Cursor, text: str, shown: str, options: Options) -> Function:
        name = c.spelling
        name_start = c.location.offset
        body = next((k for k in c.get_children() if k.kind == ci.CursorKind.COMPOUND_STMT), None)
        if (text[name_start:name_start + len(name)] != name or body is None
                or text[body.extent.start.offset:body.extent.start.offset + 1] != "{"
                or text[c.extent.end.offset - 1:c.extent.end.offset] != "}"):
            layout = self._macro_made(c, text, options)
        else:
            layout = self._text_layout(c, text, name, name_start, body)
        return self._captures(c, text, shown, options, layout)

    def _text_layout(self, c: ci.Cursor, text: str, name: str, name_start: int, body) -> dict:
        """Where the definition's parts are in the source text."""
        decl_start = c.extent.start.offset
        prefix_end = name_start
        params_open = _skip_space(text, name_start + len(name))
        if params_open < len(text) and text[params_open] == ")":
            # 'int (f)(int x)': a parenthesised name (keeps function-like macros named f away)
            before = name_start - 1
            while before > decl_start and text[before].isspace():
                before -= 1
            if text[before] == "(":
                prefix_end = before
                params_open = _skip_space(text, params_open + 1)
        prefix = text[decl_start:prefix_end]
        if params_open >= len(text) or text[params_open] != "(":
            raise _CannotTrace("its declarator is not 'name(parameters)' in the source text")
        params_close = _matching_paren(text, params_open)
        if params_close < 0:
            raise _CannotTrace("its parameter list could not be found in the source text")
        body_open = body.extent.start.offset
        knr_params = None
        if ";" in text[params_close + 1:body_open] or (not text[params_open + 1:params_close].strip() and
                                                       c.type.kind == ci.TypeKind.FUNCTIONNOPROTO and
                                                       any(True for _ in c.get_arguments())):
            # K&R-style: the traced function gets the prototype the parameters' declarations
            # give, which matches calls made without one only when no parameter is promoted
            knr_params = _knr_prototype(c)
        words = set(re.findall(r"[A-Za-z_]\w*", prefix))
        is_inline = "inline" in words or "__inline" in words or "__inline__" in words
        storage = {ci.StorageClass.STATIC: "static", ci.StorageClass.EXTERN: "extern"}.get(c.storage_class, "")
        if is_inline and storage != "static":
            raise _CannotTrace("an inline function with external linkage cannot hold the static call-site "
                               "descriptor narrate needs; make it 'static inline'")
        extern_at = -1
        if storage == "extern":
            m = re.search(r"\bextern\b", prefix)
            # 'extern' from an export macro (MYLIB_API): the renamed original keeps external
            # linkage under its narr__impl_ name, which is harmless
            extern_at = decl_start + m.start() if m is not None else -1
        # noreturn written anywhere: a keyword, a macro, or an earlier prototype (clang puts it in
        # the function's type)
        is_noreturn = (bool(words & {"_Noreturn", "noreturn", "__noreturn__"}) or "noreturn" in prefix
                       or "__attribute__((noreturn))" in c.type.spelling)
        return dict(decl_start=decl_start, name_start=name_start, prefix_end=prefix_end, params_open=params_open,
                    params_close=params_close, body_open=body_open, def_end=c.extent.end.offset,
                    knr_params=knr_params, is_inline=is_inline, storage=storage, extern_at=extern_at,
                    is_noreturn=is_noreturn, by_macro=False, macro_prefix="", macro_params="", macro_proto=False,
                    name_len=len(name), body=body)

    def _captures(self, c: ci.Cursor, text: str, shown: str, options: Options, layout: dict) -> Function:
        """What the traced function records: its parameters, its result, its exits."""
        name = c.spelling
        lo = layout
        body, storage, extern_at, is_noreturn = lo["body"], lo["storage"], lo["extern_at"], lo["is_noreturn"]
        params: list[Param] = []
        notes: list[str] = []
        is_variadic = c.type.kind == ci.TypeKind.FUNCTIONPROTO and c.type.is_function_variadic()
        va_returns = None
        if is_variadic:
            # a wrapper cannot pass '...' on: the body records its enter and each return its exit
            # (by_macro functions are never variadic here)
            va_returns, why = _return_statements(body, text)
            if va_returns is None:
                notes.append(f"variadic: its enter event is recorded from inside its body, its exit is not ({why})")
        rt = c.result_type
        rc = rt.get_canonical()
        return_void = rc.kind == ci.TypeKind.VOID
        # a result that is a pointer to a function or an array, declared around the name
        # ('int (*pick(int w))(int, int)'): the recording function declares it by __typeof__
        declarator_result = not return_void and ("(" in rt.spelling or "[" in rt.spelling)
        # (the function's own parameters: a returned function pointer's are children too)
        used, cut = 0, False
        for i, p in enumerate(c.get_arguments()):
            pname = p.spelling
            if not pname:
                raise _CannotTrace(f"parameter {i + 1} has no name")
            psize = p.type.get_canonical().get_size()
            if p.type.get_canonical().kind == ci.TypeKind.RECORD and psize > BIG_BY_VALUE:
                # the traced function and the renamed original would each hold another copy
                raise _CannotTrace(f"parameter {pname} is a {psize}-byte struct passed by value: tracing "
                                   "would copy it twice more on the stack; pass a pointer, or trace its callers")
            if pname in options.skip or is_secret(pname):
                caps: tuple[Capture, ...] = (Capture(pname, "lit", lit="[REDACTED]"),)
            else:
                # a `const char *` is copied as a string only when the body reads it as one on
                # every path from its entry, and never past what the body reads (bodies.py)
                bound = self.facts.param_string(c.get_usr(), i)
                caps, note = value_captures(p.type, pname, pname, pname in options.strings, bound is not None,
                                            self.facts.field_string)
                if bound and len(caps) == 1 and caps[0].kind == "s" and not caps[0].avail:
                    caps = (replace(caps[0], avail=bound.lstrip("@")),)
                if note:
                    notes.append(note)
            if used + len(caps) > MAX_CAPTURED:
                # a site holds so many values (the reader's limit, with the enter's metadata)
                if not cut:
                    cut = True
                    notes.append(f"more than {MAX_CAPTURED} values: {pname} and the parameters after it "
                                 "are not recorded")
                caps = ()
            if cut:
                caps = ()
            used += len(caps)
            params.append(Param(pname, p.type.spelling, caps))
        _bound_by_length(params, list(c.get_arguments()))
        for s in options.skip:
            if s not in {p.name for p in params}:
                raise GenError(shown, c.location.line, f"skip names '{s}', which is not a parameter", name)
        for s in options.strings:
            if s not in {p.name for p in params} | {"result"}:
                raise GenError(shown, c.location.line, f"str names '{s}', which is not a parameter or 'result'", name)

        ret_caps: tuple[Capture, ...] = ()
        if not return_void:
            ret_caps, note = value_captures(rt, "result", "narr__ret", "result" in options.strings,
                                            self.facts.result_string(c.get_usr()), self.facts.field_string)
            if note:
                notes.append(note)
        rkind = _return_kind(rc)
        _check_err_rule(options.err, rkind, shown, c.location.line, name)
        if options.err == "neg" and rc.kind in UNSIGNED_KINDS:
            raise GenError(shown, c.location.line, f"err=neg on an unsigned result ({rt.spelling}) is never true; "
                           "use err=nonzero, or a signed result type", name)
        prefix = text[lo["decl_start"]:lo["prefix_end"]]
        return Function(
            name=name, usr=c.get_usr(), line=c.location.line, storage=storage, is_inline=lo["is_inline"],
            is_noreturn=is_noreturn, is_variadic=is_variadic,
            return_spelling=f"__typeof__({rt.spelling})" if declarator_result else rt.spelling, return_void=return_void,
            return_captures=ret_caps, return_kind=rkind, params=tuple(params), options=options,
            decl_start=lo["decl_start"], name_start=lo["name_start"], name_end=lo["name_start"] + lo["name_len"],
            params_open=lo["params_open"], params_close=lo["params_close"], body_open=lo["body_open"],
            def_end=lo["def_end"], extern_at=extern_at, notes=tuple(notes), prefix_end=lo["prefix_end"],
            extern_macro=storage == "extern" and extern_at < 0, va_returns=va_returns,
            uses_retaddr=not lo["by_macro"] and "__builtin_return_address" in text[lo["body_open"]:lo["def_end"]],
            setjmps=_setjmp_calls(body) if self._setjmp_declared and not lo["by_macro"] else (),
            knr_params=lo["knr_params"],
            declared_before=(c.canonical != c and c.canonical.semantic_parent is not None
                             and c.canonical.semantic_parent.kind == ci.CursorKind.TRANSLATION_UNIT),
            visibility_macro=(not lo["by_macro"] and "visibility" not in prefix and
                              any(k.kind == ci.CursorKind.VISIBILITY_ATTR for k in c.get_children())),
            by_macro=lo["by_macro"], macro_prefix=lo["macro_prefix"], macro_params=lo["macro_params"],
            macro_proto=lo["macro_proto"])

    _setjmp_declared = False
    # Editorial checks on the narrate macros used in the file: literal texts and actors.
    _FMT_ARG = {"NARR_TRACE_TINY": 3, "NARR_TRACE_CORR": 4, "NARR_TRACE_ENTER": 2, "NARR_TRACE_EXIT": 2,
                "NARR_TRACE_LOOP": 4, "NARR_TRACE_STATE": 4, "NARR_DEBUG": 3, "NARR_INFO": 3, "NARR_WARN": 3,
                "NARR_ERROR": 3, "NARR_FATAL": 3, "TRACE_TINY": 3, "TRACE_CORR": 4, "TRACE_ENTER": 2,
                "TRACE_EXIT": 2, "TRACE_LOOP": 4, "TRACE_STATE": 4}
    HUMAN_MAX = 100
    TEXT_MAX = {"human": 100, "cute": 150, "story": 200}

    def _check_macros(self, tu: ci.TranslationUnit, text: str, shown: str) -> None:
        errors: list[GenError] = []
        for c in tu.cursor.get_children():
            if c.kind != ci.CursorKind.MACRO_INSTANTIATION:
                continue
            if c.spelling not in self._FMT_ARG and c.spelling not in ("NARR_NARRATE", "NARRATE"):
                continue
            if not c.location.file or c.location.file.name != tu.spelling:
                continue
            args = _macro_args(text, c.extent.start.offset + len(c.spelling))
            if args is None:
                continue
            if c.spelling in ("NARR_NARRATE", "NARRATE"):
                errors += self._check_narrate(args[1:], shown, c.location.line, c.spelling)
                continue
            idx = self._FMT_ARG[c.spelling]
            actor = _string_literal(args[0]) if args else None
            problem = actor_problem(actor) if actor is not None else None
            if problem:
                errors.append(GenError(shown, c.location.line, f"{c.spelling}: {problem}"))
            fmt = _string_literal(args[idx]) if len(args) > idx else None
            if fmt is not None and len(fmt) > self.HUMAN_MAX:
                errors.append(GenError(shown, c.location.line, f"{c.spelling}: human text is {len(fmt)} characters, "
                                                               f"more than {self.HUMAN_MAX}"))
        if errors:
            raise GenErrors(errors)

    def _check_narrate(self, fields: list[str], shown: str, line: int, macro: str) -> list[GenError]:
        """.actor must be identifier-like; literal .human/.cute/.story formats within their limits."""
        errors = []
        for f in fields:
            m = re.match(r"\.(\w+)\s*=\s*(.*)$", f, re.S)
            if m is None:
                continue
            name, value = m.group(1), m.group(2).strip()
            if name == "actor":
                actor = _string_literal(value)
                problem = actor_problem(actor) if actor is not None else None
                if problem:
                    errors.append(GenError(shown, line, f"{macro}: {problem}"))
            elif name in self.TEXT_MAX and value.startswith("NARR_FMT"):
                inner = _macro_args(value, len("NARR_FMT"))
                fmt = _string_literal(inner[0]) if inner else None
                if fmt is not None and len(fmt) > self.TEXT_MAX[name]:
                    errors.append(GenError(shown, line, f"{macro}: {name} text is {len(fmt)} characters, "
                                                        f"more than {self.TEXT_MAX[name]}"))
        return errors


_SYSTEM_HEADER = None


def _in_system_header(c: ci.Cursor) -> bool:
    """Whether c is declared in a system header (found through a system include path)."""
    global _SYSTEM_HEADER
    if _SYSTEM_HEADER is None:
        _SYSTEM_HEADER = ci.conf.lib.clang_Location_isInSystemHeader
        _SYSTEM_HEADER.argtypes = [ci.SourceLocation]
        _SYSTEM_HEADER.restype = ctypes.c_int
    return bool(_SYSTEM_HEADER(c.location))


def _declared_before(t: ci.Type, offset: int, main: str) -> bool:
    """Whether every type named in t is declared before offset of the main file (or in a header)."""
    seen = 0
    while seen < 16:
        seen += 1
        d = t.get_declaration()
        if d is not None and d.kind != ci.CursorKind.NO_DECL_FOUND and d.location.file is not None:
            if d.location.file.name == main and d.location.offset >= offset:
                return False
        k = t.kind
        if k == ci.TypeKind.POINTER:
            t = t.get_pointee()
        elif k in (ci.TypeKind.CONSTANTARRAY, ci.TypeKind.INCOMPLETEARRAY, ci.TypeKind.VARIABLEARRAY):
            t = t.get_array_element_type()
        elif k == ci.TypeKind.ELABORATED:
            t = t.get_named_type()
        elif k in (ci.TypeKind.FUNCTIONPROTO, ci.TypeKind.FUNCTIONNOPROTO):
            return all(_declared_before(a, offset, main) for a in t.argument_types()) and \
                _declared_before(t.get_result(), offset, main)
        else:
            return True
    return True


class _CannotTrace(Exception):
    """A reason a function is left as it is (an error when the user marked it)."""


def _return_kind(c: ci.Type) -> str:
    if c.kind == ci.TypeKind.VOID:
        return "void"
    if c.kind == ci.TypeKind.BOOL:
        return "bool"
    if c.kind in _SIGNED or c.kind in _UNSIGNED or c.kind == ci.TypeKind.ENUM:
        return "int"
    if c.kind in _FLOAT:
        return "float"
    if c.kind == ci.TypeKind.POINTER:
        return "pointer"
    if c.kind == ci.TypeKind.RECORD:
        return "record"
    return "other"


LENGTH_NAME = re.compile(r"(?i)^(n|len|length|size|sz|count|nbytes|bytes|cnt|l|.*_?len|.*_?size|.*_?length)$")


def _bound_by_length(params: list[Param], cursors: list) -> None:
    """A `const char *` parameter followed by an unsigned length parameter ('(const char *s, size_t
    len)') is read as a string up to that length, never past it (the declaration says that many
    bytes are there); one the body reads as a string is bounded by a signed one too. (A signed
    'int n' may say what the pointer is instead: SQLite's (const char *zP4, int n) holds an
    integer when n is negative.)"""
    for i in range(len(params) - 1):
        caps = params[i].captures
        t = cursors[i].type.get_canonical()
        nxt = cursors[i + 1].type.get_canonical()
        if (len(caps) == 1 and caps[0].kind in ("s", "p") and not caps[0].avail and t.kind == ci.TypeKind.POINTER
                and t.get_pointee().get_canonical().kind in (ci.TypeKind.CHAR_S, ci.TypeKind.CHAR_U)
                and (caps[0].kind == "s" or (t.get_pointee().is_const_qualified() and nxt.kind in _UNSIGNED))
                and nxt.kind in _SIGNED | _UNSIGNED and LENGTH_NAME.match(params[i + 1].name)):
            c = caps[0]
            params[i] = Param(params[i].name, params[i].type_spelling,
                              (Capture(c.key, "s", c.expr, str_max=STR_MAX, avail=params[i + 1].name),))


BIG_BY_VALUE = 4096  # bytes: a struct passed by value larger than this is not traced
MAX_CAPTURED = 28  # values one enter event records (runtime/consume/format.c reads 32 with metadata)
UNSIGNED_KINDS = {ci.TypeKind.UINT, ci.TypeKind.ULONG, ci.TypeKind.ULONGLONG, ci.TypeKind.USHORT, ci.TypeKind.UCHAR,
                  ci.TypeKind.CHAR_U, ci.TypeKind.UINT128, ci.TypeKind.BOOL}


def _check_err_rule(err: str, rkind: str, file: str, line: int, function: str) -> None:
    allowed = {"neg": {"int", "float"}, "null": {"pointer"}, "nonzero": {"int", "bool", "pointer", "float"}}
    if err and rkind not in allowed[err]:
        raise GenError(file, line, f"err={err} does not fit a result of this type ({rkind})", function)


def _macro_args(text: str, i: int) -> list[str] | None:
    """Top-level arguments of a macro call whose '(' follows offset i, as source text."""
    i = _skip_space(text, i)
    if i >= len(text) or text[i] != "(":
        return None
    args, depth, start, j = [], 0, i + 1, i
    while j < len(text):
        ch = text[j]
        if ch == '"' or ch == "'":
            k = j + 1
            while k < len(text) and text[k] != ch:
                k += 2 if text[k] == "\\" else 1
            j = k + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append(text[start:j].strip())
                return args
        elif ch == "," and depth == 1:
            args.append(text[start:j].strip())
            start = j + 1
        j += 1
    return None


def _string_literal(arg: str) -> str | None:
    """The value of an argument made only of string literals ("a" "b"), else None."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', arg)
    if not parts or re.sub(r'"((?:[^"\\]|\\.)*)"', "", arg).strip():
        return None
    joined = "".join(parts)
    return bytes(joined, "utf-8").decode("unicode_escape", errors="replace") if "\\" in joined else joined
