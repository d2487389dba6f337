"""Model to plan: everything the templates print, computed here (ids, layouts, C statements,
edits of the source text). Templates only loop over this."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .model import Capture, Function, SourceFile

TYPE_CODE = {"i": "NARR__T_I64", "u": "NARR__T_U64", "b": "NARR__T_BOOL", "f": "NARR__T_F64",
             "e": "NARR__T_ENUM", "s": "NARR__T_STR", "p": "NARR__T_PTR", "lit": "NARR__T_LIT"}
LEVEL = {"trace": ("NARR_LEVEL_TRACE", "NARR__LVL_TRACE"), "debug": ("NARR_LEVEL_DEBUG", "NARR__LVL_DEBUG"),
         "info": ("NARR_LEVEL_INFO", "NARR__LVL_INFO")}
ERR_COND = {"neg": "narr__ret < 0", "null": "narr__ret == 0", "nonzero": "narr__ret != 0"}


def c_string(s: str) -> str:
    """A C string literal for s."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):03o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@dataclass(frozen=True)
class EnumHelper:
    fn: str
    cases: tuple[tuple[int, str], ...]  # value, C string literal of the name


@dataclass(frozen=True)
class Site:
    var: str
    types: tuple[str, ...]  # value type codes, then the format slot
    lits: tuple[str, ...]  # C expressions: a string literal or 0
    keys: tuple[str, ...]  # C string literals
    fmt: str  # C string literal
    kind: str
    flags: str
    need: int
    puts: tuple[str, ...]
    types_ref: str = ""  # the file's shared arrays these come from (Pools)
    lits_ref: str = "0"
    keys_ref: str = ""
    next: str = "0"  # an enter's exit site, an exit's error exit: registered under the ids after it


@dataclass(frozen=True)
class Wrapper:
    name: str
    line: int
    def_line: str  # 'LINE "FILE"' of the function's first token, for #line
    resume_line: str  # 'LINE "FILE"' the original text resumes on
    gate: str  # NARR__GEN_ON_<name>
    prefix: str  # declaration text before the name, copied from the source
    params: str  # parameter list text, copied from the source
    suffix: str  # the declarator's rest after the parameters ('int (*f(int))(int)': ')(int)'), else ""
    arg_names: tuple[str, ...]
    call_stmt: str  # the call of the original, assigning narr__ret when there is a result
    skip_stmt: str  # the call of the original as the whole body (nothing recorded at run time)
    ret_type: str  # the result type as written ("void" when none), for the recording function
    traced_params: str  # that function's parameters: the original's, then the caller's address and the site's state
    traced_args: str  # and the arguments the public function passes it
    resolved_args: str  # the same, passed on between narr__traced_f and narr__slow_f
    level: str
    file: str  # C string literal
    enums: tuple[EnumHelper, ...]
    enter: Site
    exit: Site | None
    exit_err: Site | None
    err_cond: str
    ret_decl: str  # declaration of narr__ret, "" when void
    noreturn: bool
    variadic: bool
    va_exits: bool = False  # variadic with its returns rewritten: it has exit events
    uses_retaddr: bool = False  # the public function passes its caller to the body (narr__ret_addr)
    setjmps: tuple[str, ...] = ()  # setjmp-family calls in the body, wrapped while it is compiled
    by_macro: bool = False  # the original was renamed by a macro of its name: undefined first
    forwarder: bool = False  # below the level, a function of the name that calls the original (a header's)


class Pools:
    """A site's types, keys and literals arrays, shared by every site of the file that has the
    same (most exits are alike): fewer static descriptors, fewer load-time relocations."""

    def __init__(self) -> None:
        self.arrays: list[tuple[str, str, str]] = []  # (C type, name, initialiser)
        self._seen: dict[tuple[str, tuple[str, ...]], str] = {}

    def ref(self, ctype: str, prefix: str, values: tuple[str, ...]) -> str:
        key = (ctype, values)
        if key not in self._seen:
            name = f"narr__{prefix}{len(self.arrays)}"
            self._seen[key] = name
            self.arrays.append((ctype, name, ", ".join(values)))
        return self._seen[key]

    def site(self, site: Site) -> Site:
        lits = "0" if all(x == "0" for x in site.lits) else self.ref("const char *const", "pl", site.lits)
        return replace(site, types_ref=self.ref("const unsigned char", "pt", site.types),
                       keys_ref=self.ref("const char *const", "pk", site.keys), lits_ref=lits)


@dataclass(frozen=True)
class Gate:
    name: str
    level_macro: str
    variadic: bool
    storage: str = ""  # "static": NARR__GEN_STATIC_ is used; "extern": NARR__GEN_EXTERN_ is used


@dataclass(frozen=True)
class Segment:
    text: str = ""
    wrapper: Wrapper | None = None
    block: bool = False  # narrate's headers, the gates and the file's shared arrays go here


@dataclass(frozen=True)
class FilePlan:
    version: str
    display: str
    actor: str  # C string literal: the default actor
    line_path: str  # C string literal for #line
    gates: tuple[Gate, ...]
    segments: tuple[Segment, ...]
    skipped: tuple[str, ...]  # one-line reasons, as comments
    pools: tuple[tuple[str, str, str], ...] = ()  # shared site arrays: (C type, name, initialiser)
    body_line: str = "1"  # 'LINE "FILE"' the text after narrate's block resumes on


def _size(c: Capture) -> int:
    if c.kind == "lit":
        return 0
    if c.kind == "e":
        return 16
    if c.kind == "s":
        return 8 + ((c.str_max + 7) & ~7)
    return 8


# The statement that writes one captured value; {e} is its expression, {fn} an enum's name helper.
PUT = {
    "i": "narr__p = narr__put_i(narr__p, (int64_t)({e}));",
    "u": "narr__p = narr__put_u(narr__p, (uint64_t)({e}));",
    "b": "narr__p = narr__put_b(narr__p, ({e}) != 0);",
    "f": "narr__p = narr__put_f(narr__p, (double)({e}));",
    "e": "narr__p = narr__put_e(narr__p, (int64_t)({e}), {fn}((int64_t)({e})));",
    "s": "narr__p = narr__put_str_copy(narr__p, (const char *)({e}), {max});",
    "p": "narr__p = narr__put_u(narr__p, (uint64_t)(uintptr_t)({e}));",
    "lit": "",
}


def _put(c: Capture, enum_fn: str) -> str:
    if c.kind == "s" and c.avail:
        # never read past what the function may read: an array's size, or its length parameter
        return (f"narr__p = narr__put_strn_copy(narr__p, (const char *)({c.expr}), (size_t)({c.avail}), "
                f"{c.str_max});")
    return PUT[c.kind].format(e=c.expr, fn=enum_fn, max=c.str_max)


def _enum_helpers(captures: list[Capture], fn_name: str, enums: list[EnumHelper]) -> dict[int, str]:
    """A name helper per enum capture, appended to enums; returns capture index -> helper."""
    out: dict[int, str] = {}
    for i, c in enumerate(captures):
        if c.kind == "e":
            helper = EnumHelper(f"narr__en_{fn_name}_{len(enums)}", tuple((v, c_string(s)) for v, s in c.enum_values))
            enums.append(helper)
            out[i] = helper.fn
    return out


def _site(var: str, captures: list[Capture], meta: list[tuple[str, str, str]], fmt: str, kind: str,
          flags: str, enum_fns: dict[int, str], meta_first: bool = False) -> Site:
    """meta_first: the metadata values before the captured ones (an exit's @t0 first, where the
    consumer reads it without walking the values: runtime/consume/throttle.c)."""
    types, lits, keys, puts = [], [], [], []
    need = 16

    def add_meta() -> None:
        nonlocal need
        for key, code, stmt in meta:
            types.append(code)
            lits.append("0")
            keys.append(c_string(key))
            need += 8
            puts.append(stmt)
    if meta_first:
        add_meta()
    for i, c in enumerate(captures):
        types.append(TYPE_CODE[c.kind])
        lits.append(c_string(c.lit) if c.kind == "lit" else "0")
        keys.append(c_string(c.key))
        need += _size(c)
        stmt = _put(c, enum_fns.get(i, ""))
        if stmt:
            puts.append(stmt)
    if not meta_first:
        add_meta()
    types.append("NARR__T_LIT")  # the format's slot
    lits.append("0")
    return Site(var=var, types=tuple(types), lits=tuple(lits), keys=tuple(keys), fmt=c_string(fmt), kind=kind,
                flags=flags, need=need, puts=tuple(puts))


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


LINE_DIRECTIVE = re.compile(r'^[ \t]*#[ \t]*(?:line[ \t]+)?(\d+)(?:[ \t]+"((?:[^"\\\n]|\\.)*)")?', re.M)


class _Presumed:
    """Line and file as the compiler sees them at an offset, after the file's own #line
    directives (a parser generator's output says where its code came from): what narrate's
    #line directives must restore."""

    def __init__(self, text: str, path_literal: str):
        self.text = text
        self.path = path_literal
        self.marks = [(m.start(), _line_of(text, m.start()), int(m.group(1)), m.group(2))
                      for m in LINE_DIRECTIVE.finditer(text)]

    def at(self, offset: int) -> str:
        """'LINE "FILE"' for a #line directive placed right before offset's line."""
        line, path, base = _line_of(self.text, offset), self.path, None
        for start, dline, number, fname in self.marks:
            if start >= offset or dline >= line:
                break
            if fname is not None:
                path = '"' + fname + '"'
            base = (number, dline)
        if base is None:
            return f"{line} {path}"
        return f"{base[0] + (line - base[1] - 1)} {path}"


def plan_file(src: SourceFile, version: str, line_path: str, actor: str) -> FilePlan:  # noqa: C901
    text = src.text
    gates: list[Gate] = []
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement); insertions have start == end
    wrappers: dict[int, list[Wrapper]] = {}
    where = _Presumed(text, c_string(line_path))
    pools = Pools()
    for fn in src.functions:
        n = fn.name
        gate_storage = ("extern" if fn.extern_at >= 0 else
                        "static" if fn.storage == "" and not fn.extern_macro and not fn.visibility_macro else "")
        gates.append(Gate(n, LEVEL[fn.options.level][1], fn.is_variadic or fn.by_macro, gate_storage))
        params_text = fn.macro_params if fn.by_macro else fn.knr_params or text[fn.params_open + 1:fn.params_close]
        enter_caps = [c for p in fn.params for c in p.captures]
        # traced by whole-project tracing, not by a mark: NARRATE_MIN_DURATION may switch it off
        # (its exits then say which enter they close: id - 1, or - 2 for the error exit)
        whole = "NARR_SITE_WHOLE" if fn.whole and not fn.is_variadic else ""
        enums: list[EnumHelper] = []
        enter_enum_fns = _enum_helpers(enter_caps, n, enums)
        enter = _site(f"narr__se_{n}", enter_caps,
                      [("@caller", "NARR__T_PTR",
                        "narr__p = narr__put_u(narr__p, (uint64_t)(uintptr_t)narr__caller);"),
                       ("@depth", "NARR__T_U64", "narr__p = narr__put_u(narr__p, narr__d0);")],
                      f"{n} started", "NARR_KIND_FN_ENTER", whole or "0", enter_enum_fns)
        exit_site = exit_err = None
        ret_decl = ""
        va_exits = fn.is_variadic and fn.va_returns is not None and not fn.is_noreturn
        if not fn.is_noreturn and (not fn.is_variadic or va_exits):
            exit_enum_fns = _enum_helpers(list(fn.return_captures), n, enums)
            # the exit's depth is its enter's: only the enter carries it
            meta = [("@t0", "NARR__T_U64", "narr__p = narr__put_u(narr__p, narr__t0);")]
            # a wrapper's exit sites are the file's, linked from the enter (ids id+1, id+2); the
            # variadic exit helper keeps its own
            sx, sx_err = ("narr__sx", "narr__sx_err") if fn.is_variadic else (f"narr__sx_{n}", f"narr__sx_err_{n}")
            exit_site = _site(sx, list(fn.return_captures), meta, f"{n} completed", "NARR_KIND_FN_EXIT",
                              whole or "0", exit_enum_fns, meta_first=True)
            if fn.options.err:
                exit_err = _site(sx_err, list(fn.return_captures), meta, f"{n} failed", "NARR_KIND_FN_EXIT",
                                 "NARR_SITE_ERROR" + (f" | {whole}" if whole else ""), exit_enum_fns, meta_first=True)
                if not fn.is_variadic:
                    exit_site = replace(exit_site, next="&" + sx_err)
            if not fn.is_variadic:
                enter = replace(enter, next="&" + sx)
            if not fn.return_void:
                # declared where the call initialises it: a const result (or a struct with const
                # members) cannot be assigned
                ret_decl = f"{fn.return_spelling} narr__ret"
        enter = pools.site(enter)
        exit_site = pools.site(exit_site) if exit_site else None
        exit_err = pools.site(exit_err) if exit_err else None
        if fn.is_variadic:
            params_text = _drop_ellipsis(params_text)
        args = ", ".join(p.name for p in fn.params)
        prefix_end = fn.prefix_end if fn.prefix_end >= 0 else fn.name_start
        prefix = fn.macro_prefix if fn.by_macro else text[fn.decl_start:prefix_end]
        rest = "" if fn.by_macro else text[fn.params_close + 1:fn.body_open].strip()
        suffix = _one_line(rest) if rest.startswith((")", "[", "(")) else ""
        wrappers.setdefault(fn.def_end, []).append(Wrapper(
            name=n, line=fn.line, def_line=where.at(fn.decl_start), resume_line=where.at(fn.def_end),
            gate=f"NARR__GEN_ON_{n}", prefix=prefix, params=params_text, suffix=suffix,
            arg_names=tuple(p.name for p in fn.params),
            call_stmt=(f"{ret_decl} = narr__impl_{n}({args});" if ret_decl else f"narr__impl_{n}({args});"),
            skip_stmt=(f"return narr__impl_{n}({args});" if ret_decl
                       else f"narr__impl_{n}({args}); __builtin_unreachable();" if fn.is_noreturn else f"narr__impl_{n}({args}); return;"),
            ret_type=fn.return_spelling if not fn.return_void else "void",
            # the original's parameters first: the public function passes them on in the
            # registers they came in, and adds its own two after them
            traced_params=(("" if _one_line(params_text).strip() in ("", "void") else params_text + ", ") +
                           "const void *narr__caller, int32_t narr__st"),
            traced_args=", ".join([p.name for p in fn.params] + ["__builtin_return_address(0)", "narr__st"]),
            resolved_args=", ".join([p.name for p in fn.params] + ["narr__caller", "narr__st"]),
            level=LEVEL[fn.options.level][0],
            file=c_string(fn.header or src.display), enums=tuple(enums), enter=enter, exit=exit_site, exit_err=exit_err,
            err_cond=ERR_COND.get(fn.options.err, ""), ret_decl=ret_decl, noreturn=fn.is_noreturn,
            variadic=fn.is_variadic, va_exits=va_exits, uses_retaddr=fn.uses_retaddr and not fn.is_variadic,
            setjmps=() if fn.is_variadic else fn.setjmps, by_macro=fn.by_macro, forwarder=bool(fn.header)))
        if fn.header:
            # a header's static inline function: renamed while its header is read (whatever the
            # level: the twin then always provides the name, traced or forwarding)
            edits.append((fn.decl_start, fn.decl_start,
                          f"#define {n} narr__impl_{n}\n#line {where.at(fn.decl_start)}\n"))
        elif fn.by_macro:
            # the macro writes the definition: renamed by a macro of the same name, so that what
            # it writes is the renamed original; the traced function follows the expansion
            # (with '#undef name' first: _wrapper.c.j2). __func__ keeps the name when the
            # expansion defines this function alone.
            alone = sum(1 for g in src.functions if g.by_macro and g.decl_start == fn.decl_start) == 1
            names = "".join(f"#define {m} {c_string(n)}\n" for m in FUNC_NAMES) if alone else ""
            if names:
                names += "#if defined(__func__) && defined(__FUNCTION__) && defined(__PRETTY_FUNCTION__)\n#endif\n"
            # a non-static original gets internal linkage from a static prototype, when its types
            # are declared before the macro (else it keeps an external narr__impl_ name)
            proto = (f"static {fn.return_spelling} narr__impl_{n}({params_text});\n"
                     if fn.macro_proto and fn.storage != "static" else "")
            edits.append((fn.decl_start, fn.decl_start,
                          f"\n#if NARR__GEN_ON_{n}\n#define {n} narr__impl_{n}\n{proto}#endif\n{names}"
                          f"#line {where.at(fn.decl_start)}\n"))
        elif fn.is_variadic:
            # a wrapper cannot forward '...': the body records its enter first, and each of its
            # return statements passes its value through the exit recorder
            va_args = ", ".join(p.name for p in fn.params)
            decl = f"static NARR__INLINE uint64_t narr__va_{n}({_one_line(params_text)}); "
            if va_exits:
                ret = fn.return_spelling if not fn.return_void else "void"
                value = "" if fn.return_void else f", {ret} narr__ret"
                decl += f"static NARR__INLINE {ret} narr__vx_{n}(uint32_t narr__d0, uint64_t narr__t0{value}); "
            edits.append((fn.decl_start, fn.decl_start, decl))
            edits.append((fn.body_open + 1, fn.body_open + 1,
                          (" const uint32_t narr__va_d0 = narr__depth; const uint64_t narr__va_t0 = "
                           f"narr__va_{n}({va_args});" if va_exits else
                           # (a declaration: the body's own may follow, -Wdeclaration-after-statement)
                           f" const uint64_t narr__va_t0 __attribute__((unused)) = narr__va_{n}({va_args});")))
            for start, value_end, semi_end in (fn.va_returns or ()) if va_exits else ():
                if value_end >= 0:
                    edits.append((start, start + len("return"), f"return narr__vx_{n}(narr__va_d0, narr__va_t0, ("))
                    edits.append((value_end, value_end, "))"))
                else:
                    edits.append((start, semi_end, f"{{ narr__vx_{n}(narr__va_d0, narr__va_t0); return; }}"))
            if va_exits and fn.return_void:
                edits.append((fn.def_end - 1, fn.def_end - 1, f" narr__vx_{n}(narr__va_d0, narr__va_t0); "))
        else:
            # the traced function is declared first, so the original's body (recursion) calls it;
            # on the same line, so every line keeps its number
            # (as written, comments and #if lines included, then the numbering restored)
            # (not when the file declared it already: -Wredundant-decls)
            forward = "" if fn.declared_before else f"{prefix}{n}({params_text}){suffix};\n#line {where.at(fn.decl_start)}\n"
            # the renamed original keeps the user's name for __func__ (events recorded inside it,
            # assert): undefined again where its wrapper starts
            names = "".join(f"#define {m} {c_string(n)}\n" for m in FUNC_NAMES)
            # (tested once, so -Wunused-macros never counts them unused)
            names += "#if defined(__func__) && defined(__FUNCTION__) && defined(__PRETTY_FUNCTION__)\n#endif\n"
            # external linkage from a macro (MYLIB_API): the renamed original gets a prototype of
            # its own (-Wmissing-prototypes), only when traced (else it is the function itself)
            proto = (f"#if NARR__GEN_ON_{n}\n{_one_line(prefix)}narr__impl_{n}({_one_line(params_text)}){suffix};\n#endif\n"
                     if fn.extern_macro or fn.visibility_macro else "")
            if fn.uses_retaddr:
                # its body asks for its caller: the public function passes it (narr__ret_addr)
                names += (f"#if NARR__GEN_ON_{n}\n#define __builtin_return_address(n) "
                          "((n) == 0 ? (void *)(uintptr_t)narr__ra : __builtin_return_address(n))\n"
                          "#define NARR__GEN_RA const void *const narr__ra __attribute__((unused)) = narr__ret_addr;\n"
                          "#else\n#define NARR__GEN_RA\n#endif\n")
            if fn.setjmps:
                # a longjmp past traced callees lands in this body: each setjmp's return gives the
                # thread this call's depth back, so the calls made next record their true depth
                names += "".join(f'#pragma push_macro("{s}")\n' for s in fn.setjmps)
                names += f"#if NARR__GEN_ON_{n}\n"
                # (fixed arguments, not '...': a C89 build has no variadic macros)
                names += "".join(f"#undef {s}\n#define {s}({SETJMP_ARGS[s]}) narr__after_setjmp(narr__jd, {s}({SETJMP_ARGS[s]}))\n"
                                 for s in fn.setjmps)
                names += ("#define NARR__GEN_JD const uint32_t narr__jd = narr__depth;\n"
                          "#else\n#define NARR__GEN_JD\n#endif\n")
            body_head = (" NARR__GEN_RA" if fn.uses_retaddr else "") + (" NARR__GEN_JD" if fn.setjmps else "")
            if body_head:
                edits.append((fn.body_open + 1, fn.body_open + 1, body_head))
            head = f"\n{names}{proto}#line {where.at(fn.decl_start)}\n"
            impl_prefix = _impl_prefix(prefix, fn, n)
            if fn.storage == "" and not fn.extern_macro and not fn.visibility_macro:
                forward += f"NARR__GEN_STATIC_{n} "
            edits.append((fn.decl_start, prefix_end, head + forward + impl_prefix))
            edits.append((fn.name_start, fn.name_end, f"NARR__GEN_NAME_{n}"))
            if n == "main" and fn.return_kind == "int":
                # reaching the end of main returns 0; the renamed one is an ordinary function
                edits.append((fn.def_end - 1, fn.def_end - 1, " return 0; "))
    edits.sort(key=lambda e: e[0])  # (stable: insertions at one place keep their order)
    # narrate's block (its headers, the gates, the shared arrays) goes right before the first
    # place that needs it, never earlier: everything the file does first (feature-test macros
    # such as _GNU_SOURCE defined after some code, its own first includes) has taken effect when
    # narrate's headers pull in system headers. A file with nothing traced gets it at its end.
    block_at = min([fn.decl_start for fn in src.functions] + [len(text)])
    segments: list[Segment] = []
    pos = 0
    cuts = sorted(set([e[0] for e in edits] + list(wrappers) + [block_at]))
    pending: dict[int, list[tuple[int, int, str]]] = {}
    for e in edits:  # (in order: several insertions at one place, as a macro that defines several)
        pending.setdefault(e[0], []).append(e)
    for at in cuts:
        segments.append(Segment(text=text[pos:at]))
        pos = at
        if at == block_at:
            segments.append(Segment(block=True))
        # what ends here first (the traced functions of definitions that end here), then what
        # starts here (the next definition's edits: 'int a(void){...}int b(void){...}')
        for w in wrappers.get(at, ()):
            segments.append(Segment(wrapper=w))
        for start, end, repl in pending.get(at, ()):
            segments.append(Segment(text=repl))
            pos = max(pos, end)
    segments.append(Segment(text=text[pos:]))
    skipped = tuple(f"{s.name} ({s.where + ' ' if s.where else ''}line {s.line}) not traced: {s.reason}"
                    for s in src.skipped)
    return FilePlan(version=version, display=src.display, actor=c_string(actor), line_path=c_string(line_path),
                    gates=tuple(gates),
                    segments=tuple(s for s in segments if s.text or s.wrapper or s.block), skipped=skipped,
                    pools=tuple(pools.arrays), body_line=where.at(block_at))


FUNC_NAMES = ("__func__", "__FUNCTION__", "__PRETTY_FUNCTION__")
# The setjmp family's parameters, for the macros that give a traced body its depth back.
SETJMP_ARGS = {"setjmp": "e", "_setjmp": "e", "__builtin_setjmp": "e", "sigsetjmp": "e, m", "__sigsetjmp": "e, m"}

# Attributes the renamed original (a static function called by the traced one) must not keep:
# it would run twice (constructor), fail to build (weak, alias), or warn (visibility, deprecated).
IMPL_DROP = {"constructor", "destructor", "weak", "alias", "weakref", "visibility", "deprecated",
             "unavailable", "externally_visible", "used", "ifunc", "dllexport"}


def _attr_name(item: str) -> str:
    name = re.split(r"[\s(]", item.strip(), maxsplit=1)[0]
    return name.split("::")[-1].strip("_")


def _split_top(text: str) -> list[str]:
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _strip_attrs(prefix: str) -> str:
    """prefix with IMPL_DROP attributes taken out of __attribute__((...)) and [[...]] lists."""
    out, i = [], 0
    pat = re.compile(r"__attribute(?:__)?\s*\(\(|\[\[")
    while True:
        m = pat.search(prefix, i)
        if m is None:
            out.append(prefix[i:])
            return "".join(out)
        out.append(prefix[i:m.start()])
        gnu = m.group(0) != "[["
        depth, j = 0, m.end()
        close = "))" if gnu else "]]"
        # find the matching close of the attribute list
        k = j
        while k < len(prefix):
            ch = prefix[k]
            if ch in "([":
                depth += 1
            elif ch in ")]":
                if depth == 0 and prefix.startswith(close, k):
                    break
                depth -= 1
            k += 1
        if k >= len(prefix):
            out.append(prefix[m.start():])
            return "".join(out)
        kept = [a for a in _split_top(prefix[j:k]) if a.strip() and _attr_name(a) not in IMPL_DROP]
        if kept:
            out.append(m.group(0) + ",".join(kept) + close)
        i = k + len(close)


def _impl_prefix(prefix: str, fn: Function, n: str) -> str:
    """The renamed original's declaration text: 'extern' made static, attributes it must not keep
    left out (the traced function keeps them all)."""
    if fn.extern_at >= 0:
        at = fn.extern_at - fn.decl_start
        prefix = prefix[:at] + f"NARR__GEN_EXTERN_{n}" + prefix[at + len("extern"):]
    return _strip_attrs(prefix)


def _one_line(text: str) -> str:
    """Source text folded onto one line: // comments dropped, line breaks turned into spaces."""
    lines = [ln.split("//", 1)[0] for ln in text.split("\n")]
    return " ".join(ln.strip() for ln in lines if ln.strip()) + (" " if text.endswith((" ", "\n")) else "")


def _drop_ellipsis(params: str) -> str:
    head, sep, _ = params.rpartition(",")
    return head if sep else params
