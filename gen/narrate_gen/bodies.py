"""What function bodies do, read from libclang's AST after macro expansion, for the whole file:

- which `const char *` parameters a body reads as strings on every path from its entry (passed to
  a string function, to a `%s`, or on to a parameter of this file that is one), and up to what
  bound: a traced function may then copy them at its entry, never past what the program reads;
- which `const char *` results are strings (literals, NULL, such parameters, string functions'
  results, tables of literals, struct members the file uses as strings);
- which struct members the file uses as strings anywhere;
- which functions are small leaf helpers (no loop, no call but to builtins and other small leaf
  helpers, a few statements): whole-project tracing leaves them to the compiler's inlining.

Evidence is collected conservatively: a use counts only where the program itself reads the
bytes, and a parameter stops counting at the first statement that may leave the function on a
condition that names a parameter (other than a NULL test), as in `if (n < 0) return (int)(intptr_t)p;`."""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field

import clang.cindex as ci

K = ci.CursorKind

# Library functions that read an argument as a NUL-terminated string: name -> ((argument, bound
# argument or -1), ...). A bound makes the read at most that many bytes.
STRING_READERS: dict[str, tuple[tuple[int, int], ...]] = {}
for _names, _uses in (
    ("strlen strdup strchr strrchr strchrnul puts atoi atol atoll atof strtol strtoul strtoll strtoull strtod "
     "strtof strtold strtoimax strtoumax open creat access stat lstat unlink remove mkdir rmdir chdir opendir "
     "realpath truncate chmod chown getenv system perror dlopen gethostbyname inet_addr execv execvp execl "
     "execlp fputs mkstemp mkdtemp fnmatch", ((0, -1),)),
    ("strcmp strcasecmp strcoll strstr strcasestr strspn strcspn strpbrk strcat rename link symlink setenv "
     "fopen freopen popen getaddrinfo", ((0, -1), (1, -1))),
    ("strnlen strndup", ((0, 1),)),
    ("strncmp strncasecmp", ((0, 2), (1, 2))),
    ("strcpy stpcpy", ((1, -1),)),
    ("strncpy stpncpy", ((1, 2),)),
    ("strncat", ((0, -1), (1, 2))),
    ("openat fstatat unlinkat mkdirat dlsym inet_pton", ((1, -1),)),
    ("sscanf", ((0, -1), (1, -1))),
):
    for _n in _names.split():
        STRING_READERS[_n] = _uses

# printf-like functions: name -> (format argument, first value argument or -1 for the v-forms).
FORMAT_FUNCS: dict[str, tuple[int, int]] = {
    "printf": (0, 1), "vprintf": (0, -1), "fprintf": (1, 2), "vfprintf": (1, -1), "dprintf": (1, 2),
    "vdprintf": (1, -1), "sprintf": (1, 2), "vsprintf": (1, -1), "snprintf": (2, 3), "vsnprintf": (2, -1),
    "asprintf": (1, 2), "vasprintf": (1, -1), "syslog": (1, 2), "vsyslog": (1, -1), "err": (1, 2),
    "errx": (1, 2), "warn": (0, 1), "warnx": (0, 1), "verr": (1, -1), "verrx": (1, -1), "vwarn": (0, -1),
    "vwarnx": (0, -1),
    # narrate's own macros type-check their values against the format with this one
    "narr__check_fmt": (0, 1),
}

# Library functions whose result is a string (or NULL).
STRING_RESULTS = frozenset(
    "strerror strsignal getenv secure_getenv strchr strrchr strstr strcasestr strpbrk strchrnul strdup strndup "
    "setlocale nl_langinfo gai_strerror dlerror inet_ntoa ctime asctime basename dirname realpath getcwd "
    "hstrerror tzname".split())

# Functions that end the process or jump out of it: an exit through them is not a path on which
# the program goes on without reading the string.
NORETURN = frozenset("abort exit _exit _Exit quick_exit __assert_fail __assert_perror_fail __builtin_unreachable "
                     "__builtin_trap longjmp siglongjmp _longjmp __longjmp_chk".split())

# Calls a small leaf helper may make (besides builtins): fixed-size copies and compares.
LEAF_LIB = frozenset("memcpy memmove memset memcmp".split())

LEAF_MAX_NODES = 48  # AST nodes (after macro expansion) in a small leaf helper's body

_LOOPS = {K.FOR_STMT, K.WHILE_STMT, K.DO_STMT}
_STMT_SEQ = {K.COMPOUND_STMT}
_CASTS = {K.UNEXPOSED_EXPR, K.PAREN_EXPR, K.CSTYLE_CAST_EXPR}
_CHAR = {ci.TypeKind.CHAR_S, ci.TypeKind.CHAR_U}


def _strip(c: ci.Cursor) -> ci.Cursor:
    """An expression without its casts and parentheses."""
    while c.kind in _CASTS:
        kids = list(c.get_children())
        if len(kids) != 1:
            # (a cast whose first child is a type reference)
            kids = [k for k in kids if k.kind not in (K.TYPE_REF,)]
            if len(kids) != 1:
                return c
        c = kids[0]
    return c


def _eval_functions():
    lib = ci.conf.lib
    ev, kind, as_ll, dispose = (lib.clang_Cursor_Evaluate, lib.clang_EvalResult_getKind,
                                lib.clang_EvalResult_getAsLongLong, lib.clang_EvalResult_dispose)
    ev.argtypes, ev.restype = [ci.Cursor], ctypes.c_void_p
    kind.argtypes, kind.restype = [ctypes.c_void_p], ctypes.c_int
    as_ll.argtypes, as_ll.restype = [ctypes.c_void_p], ctypes.c_longlong
    dispose.argtypes, dispose.restype = [ctypes.c_void_p], None
    return ev, kind, as_ll, dispose


_EVAL = None


def int_value(c: ci.Cursor) -> int | None:
    """The value of an integer constant expression (macros expanded), else None."""
    global _EVAL
    if _EVAL is None:
        _EVAL = _eval_functions()
    ev, kind, as_ll, dispose = _EVAL
    r = ev(c)
    if not r:
        return None
    try:
        return as_ll(r) if kind(r) == 1 else None  # CXEval_Int
    finally:
        dispose(r)


def _is_null(c: ci.Cursor) -> bool:
    """0, NULL, (void *)0."""
    c = _strip(c)
    if c.kind == K.GNU_NULL_EXPR:
        return True
    return c.kind == K.INTEGER_LITERAL and int_value(c) == 0


def _char_pointer(t: ci.Type) -> bool:
    t = t.get_canonical()
    return t.kind == ci.TypeKind.POINTER and t.get_pointee().get_canonical().kind in _CHAR


def _char_array(t: ci.Type) -> int:
    """The size of a char array type, 0 when t is not one."""
    t = t.get_canonical()
    if t.kind == ci.TypeKind.CONSTANTARRAY and t.get_array_element_type().get_canonical().kind in _CHAR:
        return t.get_array_size()
    return 0


def format_string_args(fmt: str, first: int) -> list[tuple[int, str]]:
    """The arguments a printf format reads as strings: (argument index, bound), the bound a
    constant, the index of the argument that holds it ('#3'), or '' (to the NUL)."""
    out: list[tuple[int, str]] = []
    i, arg = 0, first
    conv = re.compile(r"%(?:(\d+)\$)?([-+ #0']*)(\*(?:\d+\$)?|\d+)?(?:\.(\*(?:\d+\$)?|\d*))?"
                      r"(hh|h|ll|l|L|q|j|z|Z|t)?([a-zA-Z%])")
    while True:
        m = conv.search(fmt, i)
        if m is None:
            return out
        i = m.end()
        pos, _flags, width, prec, length, c = m.groups()
        if c == "%":
            continue
        if pos is not None:
            # positional: each conversion names its argument; a '*' names its own too
            index = first + int(pos) - 1
            bound = ""
            if prec is not None:
                if prec.startswith("*"):
                    bound = f"#{first + int(prec[1:-1]) - 1}" if prec[1:] else ""
                else:
                    bound = prec or "0"
            if c == "s" and not length:
                out.append((index, bound))
            continue
        if width == "*":
            arg += 1
        bound = ""
        if prec is not None:
            if prec == "*":
                bound = f"#{arg}"
                arg += 1
            else:
                bound = prec or "0"
        if c == "s" and not length:
            out.append((arg, bound))
        arg += 1


def _literal_text(c: ci.Cursor) -> str | None:
    c = _strip(c)
    if c.kind != K.STRING_LITERAL:
        return None
    s = c.spelling
    if not s.startswith('"') or not s.endswith('"'):
        return None  # a wide or u8 literal
    return s[1:-1]


@dataclass
class FnFacts:
    """What one body does, before the file-wide fixed points."""

    name: str
    params: list[ci.Cursor]
    nodes: int = 0
    loops: bool = False  # a loop, a goto, an indirect call or a call of an unknown function
    callees: set[str] = field(default_factory=set)  # usr of every function of the file it calls
    # parameter index -> bound: '' (to the NUL), a constant, or '#j' (parameter j holds it)
    strings: dict[int, str] = field(default_factory=dict)
    passes: list[tuple[int, str, int]] = field(default_factory=list)  # (parameter, callee usr, its parameter)
    returns: list[tuple] = field(default_factory=list)  # classified return values
    param_fields: dict[int, set[str]] = field(default_factory=dict)  # not used yet


class FileFacts:
    """The file-wide answers: built once per translation unit."""

    def __init__(self, tu: ci.TranslationUnit, texts: dict[str, str], never_leaf: set[str] = frozenset()) -> None:
        self._texts = texts
        self._never_leaf = never_leaf
        self.facts: dict[str, FnFacts] = {}
        self.string_fields: set[str] = set()  # usr of struct members used as strings
        self._union_fields: set[str] = set()
        self._literal_tables: dict[int, bool] = {}
        for c in tu.cursor.get_children():
            if c.kind == K.FUNCTION_DECL and c.is_definition():
                usr = c.get_usr()
                if usr not in self.facts:
                    self.facts[usr] = _Body(self, c).facts
        self._solve()

    # ---- file-wide fixed points ----
    def _solve(self) -> None:
        facts = self.facts
        # parameters read as strings, through calls to this file's functions too
        changed = True
        while changed:
            changed = False
            for f in facts.values():
                for i, callee, j in f.passes:
                    g = facts.get(callee)
                    if g is not None and j in g.strings and i not in f.strings:
                        bound = g.strings[j]
                        f.strings[i] = "" if bound.startswith("#") else bound
                        changed = True
        # results that are strings (a call of this file's function counts once that one does)
        self.string_results: set[str] = set()  # (what _return_ok reads while it grows)
        _grow(facts, self.string_results,
              lambda usr, f: bool(f.returns) and all(self._return_ok(f, r) for r in f.returns))
        # small leaf helpers (calls only to builtins and to others like them)
        self.leaves: set[str] = set()
        _grow(facts, self.leaves, lambda usr, f: (usr not in self._never_leaf and not f.loops
                                                  and f.nodes <= LEAF_MAX_NODES and f.name != "main"
                                                  and all(c in self.leaves for c in f.callees)))

    def _return_ok(self, f: FnFacts, r: tuple) -> bool:
        kind = r[0]
        if kind in ("str", "null"):
            return True
        if kind == "param":
            return r[1] in f.strings
        if kind == "field":
            return r[1] in self.string_fields and r[1] not in self._union_fields
        if kind == "call":
            return r[1] in self.string_results
        if kind == "cond":
            return all(self._return_ok(f, x) for x in r[1])
        return False

    # ---- answers ----
    def param_string(self, usr: str, index: int) -> str | None:
        """None when the parameter is not read as a string, else its bound ('' for none)."""
        f = self.facts.get(usr)
        if f is None or index not in f.strings:
            return None
        return f.strings[index]

    def result_string(self, usr: str) -> bool:
        return usr in self.string_results

    def field_string(self, field_cursor: ci.Cursor) -> bool:
        usr = field_cursor.get_usr()
        return usr in self.string_fields and usr not in self._union_fields

    def is_leaf(self, usr: str) -> bool:
        return usr in self.leaves

    # ---- helpers for _Body ----
    def text_of(self, path: str) -> str:
        if path not in self._texts:
            try:
                with open(path, encoding="ascii", errors="surrogateescape", newline="") as fh:
                    self._texts[path] = fh.read()
            except OSError:
                self._texts[path] = ""
        return self._texts[path]

    def literal_table(self, var: ci.Cursor) -> bool:
        """A variable that is an array of pointers to char initialised with literals only."""
        key = var.hash
        if key not in self._literal_tables:
            ok = False
            t = var.type.get_canonical()
            if t.kind in (ci.TypeKind.CONSTANTARRAY, ci.TypeKind.INCOMPLETEARRAY) and \
                    _char_pointer(t.get_array_element_type()):
                inits = [k for k in var.get_children() if k.kind == K.INIT_LIST_EXPR]
                if len(inits) == 1:
                    items = list(inits[0].get_children())
                    ok = bool(items) and all(_literal_text(x) is not None or _is_null(x) for x in items)
            self._literal_tables[key] = ok
        return self._literal_tables[key]

    def note_field(self, member: ci.Cursor) -> None:
        ref = member.referenced
        if ref is not None and ref.kind == K.FIELD_DECL and _char_pointer(ref.type):
            self.string_fields.add(ref.get_usr())
            parent = ref.semantic_parent
            if parent is not None and parent.kind == K.UNION_DECL:
                self._union_fields.add(ref.get_usr())


class _Body:
    """One walk of one function body."""

    def __init__(self, file: FileFacts, fn: ci.Cursor) -> None:
        self.file = file
        self.params = list(fn.get_arguments())
        self.param_index = {p.hash: i for i, p in enumerate(self.params)}
        self.facts = FnFacts(fn.spelling, self.params)
        self.open = True  # statements still run on every path from the entry
        body = next((k for k in fn.get_children() if k.kind == K.COMPOUND_STMT), None)
        if body is not None:
            self.stmt(body, True)

    # ---- parameters and operators ----
    def param_of(self, c: ci.Cursor) -> int:
        c = _strip(c)
        if c.kind == K.DECL_REF_EXPR:
            ref = c.referenced
            if ref is not None and ref.kind == K.PARM_DECL:
                return self.param_index.get(ref.hash, -1)
        return -1

    def binop(self, c: ci.Cursor) -> str:
        """A binary operator's spelling, read from the source between its operands; '' when
        the expression comes from a macro and the text cannot say."""
        kids = list(c.get_children())
        if len(kids) != 2:
            return ""
        lhs, rhs = kids
        le, rs = lhs.extent.end, rhs.extent.start
        if le.file is None or rs.file is None or le.file.name != rs.file.name or le.offset >= rs.offset:
            return ""
        text = self.file.text_of(le.file.name)
        between = text[le.offset:rs.offset].strip()
        between = re.sub(r"/\*.*?\*/", "", between, flags=re.S).strip()
        if re.fullmatch(r"(?:&&|\|\||==|!=|<=|>=|<<=|>>=|[-+*/%&|^]=|=|<|>|<<|>>|[-+*/%&|^]|,)", between):
            return between
        return ""

    def unop(self, c: ci.Cursor) -> str:
        s = c.extent.start
        kids = list(c.get_children())
        if s.file is None or len(kids) != 1:
            return ""
        k = kids[0].extent.start
        if k.file is None or k.file.name != s.file.name or k.offset <= s.offset:
            return ""  # postfix, or from a macro
        op = self.file.text_of(s.file.name)[s.offset:k.offset].strip()
        return op if op in ("!", "-", "+", "~", "*", "&", "++", "--") else ""

    def mentions_param(self, c: ci.Cursor) -> bool:
        return any(k.kind == K.DECL_REF_EXPR and k.referenced is not None and k.referenced.kind == K.PARM_DECL
                   and k.referenced.hash in self.param_index for k in c.walk_preorder())

    def null_guard(self, c: ci.Cursor) -> bool:
        """A condition made only of NULL (or empty-string) tests of pointer parameters."""
        c = _strip(c)
        if c.kind == K.DECL_REF_EXPR:
            return self.param_of(c) >= 0 and self.params[self.param_of(c)].type.get_canonical().kind == \
                ci.TypeKind.POINTER
        if c.kind == K.UNARY_OPERATOR:
            op = self.unop(c)
            kid = next(iter(c.get_children()))
            if op == "!":
                return self.null_guard(kid)
            if op == "*":
                return self.param_of(kid) >= 0
            return False
        if c.kind == K.ARRAY_SUBSCRIPT_EXPR:
            kids = list(c.get_children())
            return len(kids) == 2 and self.param_of(kids[0]) >= 0 and _is_null(kids[1])
        if c.kind == K.BINARY_OPERATOR:
            op = self.binop(c)
            a, b = list(c.get_children())
            if op in ("&&", "||"):
                return self.null_guard(a) and self.null_guard(b)
            if op in ("==", "!="):
                return (self.null_guard(a) and _is_null(b)) or (self.null_guard(b) and _is_null(a))
        return False

    # ---- exits ----
    def exit_kind(self, s: ci.Cursor, in_loop: bool = False) -> str:
        """How s may leave the function (or its loop) before the statements after it: '' never;
        'always'; 'benign' only on conditions that name no parameter but in NULL tests; 'stop'
        on a condition that names a parameter. Calls that end the process are not exits."""
        k = s.kind
        if k in (K.RETURN_STMT, K.GOTO_STMT, K.INDIRECT_GOTO_STMT):
            return "always"
        if k in (K.BREAK_STMT, K.CONTINUE_STMT):
            return "" if in_loop else "always"
        if k == K.IF_STMT:
            kids = list(s.get_children())
            cond, branches = kids[0], kids[1:]
            inner = [self.exit_kind(b, in_loop) for b in branches]
            if "stop" in inner:
                return "stop"
            if len(inner) == 2 and inner == ["always", "always"]:
                return "always"
            if not any(inner):
                return ""
            return "stop" if self.mentions_param(cond) and not self.null_guard(cond) else "benign"
        if k in _LOOPS or k == K.SWITCH_STMT:
            kids = list(s.get_children())
            inner = [self.exit_kind(b, True) for b in kids if b.kind.is_statement()]
            if not any(inner):
                return ""
            if "stop" in inner or any(self.mentions_param(x) for x in kids if x.kind.is_expression()):
                return "stop"
            return "benign"
        if k in _STMT_SEQ or k in (K.LABEL_STMT, K.CASE_STMT, K.DEFAULT_STMT):
            worst = ""
            for b in s.get_children():
                if not b.kind.is_statement():
                    continue
                e = self.exit_kind(b, in_loop)
                if e in ("stop", "always"):
                    return e
                worst = worst or e
            return worst
        return ""

    # ---- the walk ----
    def stmt(self, s: ci.Cursor, dom: bool) -> None:
        """Visits a statement; dom: it runs whenever the function does (so far)."""
        k = s.kind
        f = self.facts
        f.nodes += 1
        if k in _STMT_SEQ:
            for b in s.get_children():
                self.stmt(b, dom and self.open)
                if dom and self.open and self.exit_kind(b) in ("stop", "always"):
                    self.open = False
            return
        if k in _LOOPS or k in (K.GOTO_STMT, K.INDIRECT_GOTO_STMT):
            f.loops = True
        if k == K.RETURN_STMT:
            kids = list(s.get_children())
            if kids:
                self.expr(kids[0], dom)
                f.returns.append(self.classify_return(kids[0]))
            return
        if k == K.IF_STMT:
            kids = list(s.get_children())
            cond = _strip(kids[0])
            never = cond.kind == K.INTEGER_LITERAL and _is_null(cond)
            self.expr(kids[0], dom)
            for b in kids[1:]:
                # 'if (0) narr__check_fmt(...)': narrate's macros check their values there
                self.stmt(b, dom and never and self._is_check_block(b))
            return
        if k in (K.WHILE_STMT, K.SWITCH_STMT):
            kids = list(s.get_children())
            self.expr(kids[0], dom)
            for b in kids[1:]:
                self.stmt(b, False)
            return
        if k == K.FOR_STMT:
            for b in s.get_children():
                self.expr(b, False) if b.kind.is_expression() else self.stmt(b, False)
            return
        if k == K.DO_STMT:
            kids = list(s.get_children())
            if kids:
                self.stmt(kids[0], dom and not self.exit_kind(kids[0], True))
            for b in kids[1:]:
                self.expr(b, False)
            return
        if k == K.DECL_STMT:
            for d in s.get_children():
                for init in d.get_children():
                    if init.kind.is_expression():
                        self.expr(init, dom)
                    elif init.kind == K.INIT_LIST_EXPR:
                        self.expr(init, dom)
            return
        if k.is_expression():
            self.expr(s, dom)
            return
        for b in s.get_children():
            if b.kind.is_expression():
                self.expr(b, False)
            else:
                self.stmt(b, False)

    def _is_check_block(self, b: ci.Cursor) -> bool:
        return any(x.kind == K.CALL_EXPR and x.spelling == "narr__check_fmt" for x in b.walk_preorder())

    def expr(self, e: ci.Cursor, dom: bool) -> None:
        f = self.facts
        f.nodes += 1
        k = e.kind
        if k == K.CALL_EXPR:
            self.call(e, dom)
            return
        if k == K.CXX_UNARY_EXPR:
            return  # sizeof, _Alignof: not evaluated
        if k == K.BINARY_OPERATOR:
            a, b = (list(e.get_children()) + [None, None])[:2]
            op = self.binop(e)
            if a is not None:
                self.expr(a, dom)
            if b is not None:
                self.expr(b, dom and op not in ("&&", "||", ""))
            if op == "=" and a is not None and b is not None and _strip(a).kind == K.MEMBER_REF_EXPR and \
                    _literal_text(b) is not None:
                self.file.note_field(_strip(a))
            return
        if k == K.CONDITIONAL_OPERATOR:
            kids = list(e.get_children())
            for i, b in enumerate(kids):
                self.expr(b, dom and i == 0)
            return
        if k.name == "StmtExpr":  # GNU ({ ... }): statements, counted as maybe not run
            for b in e.get_children():
                self.stmt(b, False)
            return
        for b in e.get_children():
            if b.kind.is_expression():
                self.expr(b, dom)
            elif b.kind.is_statement():
                self.stmt(b, False)

    def call(self, e: ci.Cursor, dom: bool) -> None:
        f = self.facts
        args = list(e.get_arguments())
        ref = e.referenced
        name = e.spelling
        if ref is None or ref.kind != K.FUNCTION_DECL:
            if not name.startswith("__builtin_"):
                f.loops = True  # through a pointer: anything may run
        elif name.startswith("__builtin_") or name.startswith("__atomic_") or name.startswith("__sync_"):
            pass
        elif name in LEAF_LIB and len(args) == 3 and self._constant(args[2]):
            pass
        else:
            defined = ref.get_definition()
            if defined is not None:
                f.callees.add(ref.get_usr())
            elif name not in NORETURN:
                f.loops = True  # an outside function: not a leaf
        # evidence of strings
        uses: list[tuple[int, str]] = []  # (argument, bound)
        for pos, bound_pos in STRING_READERS.get(name, ()):
            uses.append((pos, f"#{bound_pos}" if bound_pos >= 0 else ""))
        if name in FORMAT_FUNCS:
            fmt_at, first = FORMAT_FUNCS[name]
            uses.append((fmt_at, ""))
            fmt = _literal_text(args[fmt_at]) if fmt_at < len(args) else None
            if fmt is not None and first >= 0:
                uses += format_string_args(fmt, first)
        for pos, bound in uses:
            if pos >= len(args):
                continue
            arg = _strip(args[pos])
            if arg.kind == K.MEMBER_REF_EXPR:
                self.file.note_field(arg)
                continue
            i = self.param_of(arg)
            if i < 0 or not dom or not _char_pointer(self.params[i].type):
                continue
            if bound.startswith("#"):
                j = int(bound[1:])
                b = self._bound(args[j]) if j < len(args) else None
                if b is None:
                    continue  # a bound we cannot name: the program may read less than we would
                bound = b
            old = f.strings.get(i)
            f.strings[i] = bound if old is None else _wider(old, bound)
        # a parameter passed on to a parameter of this file's function
        if dom and ref is not None and ref.kind == K.FUNCTION_DECL and ref.get_definition() is not None:
            for j, a in enumerate(args):
                i = self.param_of(a)
                if i >= 0 and _char_pointer(self.params[i].type):
                    f.passes.append((i, ref.get_usr(), j))
        for a in args:
            self.expr(a, dom)

    def _constant(self, c: ci.Cursor) -> bool:
        return not any(k.kind in (K.DECL_REF_EXPR, K.CALL_EXPR) and not
                       (k.referenced is not None and k.referenced.kind == K.ENUM_CONSTANT_DECL)
                       for k in c.walk_preorder())

    def _bound(self, c: ci.Cursor) -> str | None:
        """A bound as the generator can write it: a constant, or a parameter's name."""
        i = self.param_of(c)
        if i >= 0:
            t = self.params[i].type.get_canonical().kind
            if t in (ci.TypeKind.INT, ci.TypeKind.UINT, ci.TypeKind.LONG, ci.TypeKind.ULONG, ci.TypeKind.LONGLONG,
                     ci.TypeKind.ULONGLONG, ci.TypeKind.SHORT, ci.TypeKind.USHORT):
                return f"@{self.params[i].spelling}"
            return None
        if self._constant(c):
            v = int_value(c)
            if v is not None and 0 <= v < 1 << 31:
                return str(v)
        return None

    def classify_return(self, c: ci.Cursor) -> tuple:
        c = _strip(c)
        k = c.kind
        if _literal_text(c) is not None or (k == K.STRING_LITERAL):
            return ("str",)
        if _is_null(c):
            return ("null",)
        if k == K.DECL_REF_EXPR:
            ref = c.referenced
            i = self.param_of(c)
            if i >= 0:
                return ("param", i)
            if ref is not None and ref.kind == K.VAR_DECL and _char_array(ref.type) and \
                    ref.storage_class == ci.StorageClass.STATIC:
                return ("str",)
            return ("?",)
        if k == K.MEMBER_REF_EXPR:
            ref = c.referenced
            if ref is not None and ref.kind == K.FIELD_DECL:
                if _char_array(ref.type):
                    return ("str",)
                return ("field", ref.get_usr())
            return ("?",)
        if k == K.CALL_EXPR:
            ref = c.referenced
            if c.spelling in STRING_RESULTS:
                return ("str",)
            if ref is not None and ref.kind == K.FUNCTION_DECL and ref.get_definition() is not None:
                return ("call", ref.get_usr())
            return ("?",)
        if k == K.ARRAY_SUBSCRIPT_EXPR:
            base = _strip(next(iter(c.get_children())))
            if base.kind == K.DECL_REF_EXPR and base.referenced is not None and base.referenced.kind == K.VAR_DECL \
                    and self.file.literal_table(base.referenced):
                return ("str",)
            return ("?",)
        if k == K.CONDITIONAL_OPERATOR:
            kids = list(c.get_children())
            if len(kids) == 3:
                return ("cond", (self.classify_return(kids[1]), self.classify_return(kids[2])))
        return ("?",)


def _grow(facts: dict[str, FnFacts], found: set[str], holds) -> None:
    """Adds to found the functions for which holds(usr, facts) is true, until no more are: holds
    may ask about found as it grows (a fixed point over calls within the file)."""
    changed = True
    while changed:
        changed = False
        for usr, f in facts.items():
            if usr not in found and holds(usr, f):
                found.add(usr)
                changed = True


def _wider(a: str, b: str) -> str:
    """Of two bounds for one parameter, the one that lets more be read ('' reads to the NUL)."""
    if a == "" or b == "":
        return ""
    if a.isdigit() and b.isdigit():
        return str(max(int(a), int(b)))
    return a if not a.isdigit() else b
