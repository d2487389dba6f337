"""Golden tests of narrate-gen: the corpus in cases/ must generate exactly golden/, compile
warning-free under gcc and clang at TRACE and OFF, and every error case must fail with a
located message and no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "gen"))

from narrate_gen.cli import main  # noqa: E402

CASES = sorted(f for f in os.listdir(os.path.join(HERE, "cases")) if f.endswith(".c"))
FLAGS = ["--flag=-I" + os.path.join(ROOT, "include"), "--flag=-std=c11"]
COMPILERS = [c for c in ("gcc", "clang") if shutil.which(c)]


def generate(tmp_path, *sources, extra=()):
    out = tmp_path / "out"
    rc = main([*sources, "-o", str(out), "--source-root", HERE, "--actor", "golden", *FLAGS, *extra])
    return rc, out


@pytest.mark.parametrize("case", CASES)
def test_golden(case, tmp_path, request, monkeypatch):
    monkeypatch.chdir(HERE)  # relative paths in #line, so the golden files do not name this machine
    rc, out = generate(tmp_path, os.path.join("cases", case))
    assert rc == 0
    got = (out / "cases" / case.replace(".c", ".traced.c")).read_text()
    golden = os.path.join(HERE, "golden", case)
    if request.config.getoption("--update-golden"):
        with open(golden, "w") as fh:
            fh.write(got)
    with open(golden) as fh:
        assert got == fh.read(), f"{case}: generated text differs from golden (run pytest --update-golden)"


@pytest.mark.parametrize("case", CASES)
def test_deterministic(case, tmp_path, monkeypatch):
    monkeypatch.chdir(HERE)
    _, a = generate(tmp_path / "a", os.path.join("cases", case))
    _, b = generate(tmp_path / "b", os.path.join("cases", case))
    twin = case.replace(".c", ".traced.c")
    assert (a / "cases" / twin).read_bytes() == (b / "cases" / twin).read_bytes()


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("level", ["TRACE", "OFF"])
@pytest.mark.parametrize("case", CASES)
def test_compiles_strict(case, level, compiler, tmp_path, monkeypatch):
    monkeypatch.chdir(HERE)
    rc, out = generate(tmp_path, os.path.join("cases", case))
    assert rc == 0
    cmd = [compiler, "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", f"-DNARRATE_LEVEL={level}",
           "-I" + os.path.join(ROOT, "include"), "-iquote", os.path.join(HERE, "cases"), "-c",
           str(out / "cases" / case.replace(".c", ".traced.c")), "-o", str(tmp_path / "x.o")]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


ERRORS = {
    "missing_header.c": ["errors/missing_header.c:1: 'does_not_exist.h' file not found"],
    "knr.c": ["errors/knr.c:2: function old_style: K&R-style definition with parameter a of type 'char', which calls without a prototype promote"],
    "editorial.c": ['errors/editorial.c:4: NARR_INFO: actor "bad actor!" is not identifier-like',
                    "errors/editorial.c:5: NARR_WARN: human text is 138 characters, more than 100"],
    "bad_option.c": ["errors/bad_option.c:2: function f: level 'loud' is not one of trace, debug, info"],
    "unknown_type.c": ["errors/unknown_type.c:2: unknown type name 'widget_t'"],
    "narrate_texts.c": [f"errors/narrate_texts.c:4: NARR_NARRATE: cute text is 159 characters, more than 150",
                        'errors/narrate_texts.c:8: NARR_NARRATE: actor "9lives" is not identifier-like'],
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_are_located(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(HERE)
    rc, out = generate(tmp_path, os.path.join("errors", case))
    err = capsys.readouterr().err
    assert rc == 1
    assert "Traceback" not in err
    for want in ERRORS[case]:
        assert want in err, err
    assert not out.exists(), "nothing may be generated from a broken parse"


def test_all_functions_mode(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(HERE)
    rc, out = generate(tmp_path, os.path.join("cases", "markers.c"),
                       extra=["--all-functions", "--every-call", "--exclude", "helper"])
    assert rc == 0
    text = (out / "cases" / "markers.traced.c").read_text()
    assert "NARR__GEN_NAME_untouched" in text  # traced without a marker
    assert "NARR__GEN_NAME_helper" not in text  # excluded by glob


def test_all_functions_leaves_what_the_compiler_inlines(tmp_path, capsys, monkeypatch):
    """Static functions the optimized build inlines at every call are left to the compiler and
    counted; marked ones, external ones and the ones it keeps as calls stay traced."""
    monkeypatch.chdir(HERE)
    rc, out = generate(tmp_path, os.path.join("cases", "markers.c"), extra=["--all-functions", "--flag=-O2"])
    err = capsys.readouterr().err
    assert rc == 0
    text = (out / "cases" / "markers.traced.c").read_text()
    assert "NARR__GEN_NAME_helper" not in text  # static, inlined into its one caller
    assert "NARR__GEN_NAME_untouched" in text  # external: other files call it
    assert "NARR__GEN_NAME_behind_macro" in text  # marked: always traced
    assert "1 static functions the optimizer inlines at every call" in err
    assert "helper (line" in text and "left to the compiler" in text  # said in the file, too
    # at -O0 nothing is inlined: every function is a call
    rc, out = generate(tmp_path, os.path.join("cases", "markers.c"), extra=["--all-functions", "--flag=-O0"])
    assert "NARR__GEN_NAME_helper" in (out / "cases" / "markers.traced.c").read_text()


def test_all_functions_without_a_compiler_leaves_leaf_helpers(tmp_path, capsys, monkeypatch):
    """When the compiler cannot be asked, static small leaf helpers are left out instead, and the
    log says why, once."""
    monkeypatch.chdir(HERE)
    rc, out = generate(tmp_path, os.path.join("cases", "markers.c"),
                       extra=["--all-functions", "--cc=/nonexistent/cc"])
    err = capsys.readouterr().err
    assert rc == 0
    assert err.count("could not ask the compiler what it inlines") == 1
    assert "small leaf helpers" in err
    text = (out / "cases" / "markers.traced.c").read_text()
    assert "NARR__GEN_NAME_helper" not in text and "NARR__GEN_NAME_use_lookup" in text


def test_all_functions_skips_with_reason(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(HERE)
    src = tmp_path / "inl.c"
    src.write_text("inline int shared(int a) { return a; }\nint plain(int a) { return shared(a); }\n")
    rc, out = generate(tmp_path, str(src), extra=["--all-functions", "--every-call"])
    err = capsys.readouterr().err
    assert rc == 0
    assert "function shared not traced: an inline function with external linkage" in err


def test_command_without_modules_says_what_to_install(tmp_path):
    """The generator under an interpreter without clang.cindex says what to install."""
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "gen"))
    r = subprocess.run([sys.executable, "-S", "-c",
                        "import sys; sys.modules['clang'] = None; sys.modules['clang.cindex'] = None;"
                        "from narrate_gen.cli import main; sys.exit(main(['x.c', '-o', 'o']))"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1
    assert "python3-clang-14" in r.stderr and "Traceback" not in r.stderr


def test_line_directives_point_at_the_users_file(tmp_path, monkeypatch):
    """A warning in a traced function's body is reported at the user's file and line."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "user.c").write_text(
        "#include <narrate/narrate.h>\n"
        "\n"
        "NARR_TRACE_FN int f(int a)\n"
        "{\n"
        "    int unused_here;\n"
        "    return a;\n"
        "}\n"
        "int g(void) { int also_unused; return f(1); }\n")
    rc = main(["user.c", "-o", "out", "--actor", "t", *FLAGS])
    assert rc == 0
    for compiler in COMPILERS:
        r = subprocess.run([compiler, "-std=c11", "-Wall", "-I" + os.path.join(ROOT, "include"), "-c",
                            "out/user.traced.c", "-o", "x.o"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert "user.c:5:" in r.stderr and "unused_here" in r.stderr, r.stderr
        assert "user.c:8:" in r.stderr and "also_unused" in r.stderr, r.stderr
        assert "traced.c" not in r.stderr, r.stderr


def test_secret_names_are_whole_words(tmp_path, monkeypatch):
    monkeypatch.chdir(HERE)
    rc, out = generate(tmp_path, os.path.join("cases", "types.c"))
    assert rc == 0
    text = (out / "cases" / "types.traced.c").read_text()
    login = text[text.index('"login started"') - 2000:text.index('"login started"') + 2000]
    # the site's names and literals are in the file's shared arrays (narr__pk*, narr__pl*)
    site = login[login.index("narr__se_login = {"):]
    site = site[:site.index("};")]
    keys_ref = [w for w in site.replace(",", " ").split() if w.startswith("narr__pk")][0]
    lits_ref = [w for w in site.replace(",", " ").split() if w.startswith("narr__pl")][0]
    keys = text[text.index(f"{keys_ref}[]"):].split("\n", 1)[0]
    lits = text[text.index(f"{lits_ref}[]"):].split("\n", 1)[0]
    for name in ("password", "api_key", "sessionKey"):
        assert f'"{name}"' in keys and f"(long long)({name})" not in login and f"({name}), " not in login
    assert '"[REDACTED]"' in lits
    assert "narr__put_str_copy(narr__p, (const char *)(monkey)" in text  # 'key' inside monkey is not a word


def test_secret_names_in_every_spelling():
    """Parameter names the generator never reads (issue 15's list), and names it must read."""
    sys.path.insert(0, os.path.join(HERE, "..", "..", "gen"))
    from narrate_gen.scan import is_secret
    for name in ("password", "token", "authz", "passWord", "secrets", "access_key", "privkey", "jwt", "bearer",
                 "credentials", "pwd", "client_secret", "x_api_key", "auth_header", "AuthToken", "DBPassword",
                 "otp"):
        assert is_secret(name), name
    for name in ("keyboard", "monkey", "tokens", "tokens_in", "compass", "passes", "author", "session_id"):
        assert not is_secret(name), name
