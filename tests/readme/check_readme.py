"""The README's snippets, as a user would copy them: each C block is compiled (fragments inside
the smallest program that gives them their variables) and run, and the output the README shows
after a block is compared with what the program prints (times, ids and addresses aside); the
reading commands are run on a trace of the same program. The CMake blocks are what
tests/install builds.

usage: check_readme.py README NARRATE_GEN INCLUDE_DIR LIBNARRATE NARRATE_CLI ORCHESTRATOR"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

readme, gen, include, lib, cli, orchestrator = map(os.path.abspath, sys.argv[1:7])
failures = []


def fail(what, detail=""):
    failures.append(what)
    print(f"FAIL {what}" + (f"\n{detail}" if detail else ""))


def blocks():
    """(language, text, line) of every fenced block, in order."""
    out, lang, buf, start = [], None, [], 0
    for n, line in enumerate(open(readme).read().splitlines(), 1):
        if line.startswith("```"):
            if lang is None:
                lang, buf, start = line[3:].strip() or "text", [], n
            else:
                out.append((lang, "\n".join(buf) + "\n", start))
                lang = None
        elif lang is not None:
            buf.append(line)
    return out


ALL = blocks()


def block(lang, marker):
    """The block of this language that contains marker, and the plain block right after it."""
    for i, (lg, text, line) in enumerate(ALL):
        if lg == lang and marker in text:
            after = ALL[i + 1][1] if i + 1 < len(ALL) and ALL[i + 1][0] == "text" else None
            return text, line, after
    fail(f"README has no {lang} block with {marker!r}")
    return None, 0, None


def run(cmd, env=None, **kw):
    e = dict(os.environ)
    for k in ("NARRATE_LOG", "NARRATE_OUTPUT", "NARRATE_MODE"):
        e.pop(k, None)
    e.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=e, **kw)


def build(work, name, sources, extra=()):
    exe = os.path.join(work, name)
    r = run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{include}", "-I", work, "-o", exe]
            + list(sources) + [lib, "-ldl", "-lm", "-pthread"] + list(extra))
    if r.returncode != 0:
        fail(f"{name}: the README's code does not build", r.stderr[:1500])
        return None
    return exe


def shape(line):
    """A console line with what differs between runs (times, ids, addresses) blanked."""
    line = re.sub(r'elapsed_ms="[0-9.]+"', 'elapsed_ms="*"', line)
    line = re.sub(r"0x[0-9a-f]+", "0x*", line)
    return line


def write(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def quick_start(work):
    code, line, _ = block("c", "NARR_TRACE_ENTER(")
    if code is None:
        return
    src = write(work, "quick.c", code + '\nint main(void) { return dispatch("job-120", 2); }\n')
    exe = build(work, "quick_start", [src])
    if exe is None:
        return
    r = run([exe], env={"NARRATE_LOG": "trace"})
    want = ['TRACE orchestratord dispatch phase="enter" "job_id=job-120 pool=2"',
            'TRACE orchestratord select_worker iter="2/3" "load=4/8"',
            'TRACE orchestratord state_change key="queue_depth" from="5" to="6"',
            'INFO orchestratord dispatch target="job-120" "Dispatched to worker-2"']
    for w in want:
        if w not in r.stderr:
            fail(f"quick start (README line {line}): no line with {w!r}", r.stderr)
    r = run([exe])
    if "TRACE" in r.stderr or "INFO orchestratord dispatch" not in r.stderr:
        fail("quick start without NARRATE_LOG: the console should show INFO and above only", r.stderr)
    print("ok   quick start")


TRACED_FN_BODY = r'''
#include <stddef.h>
#include <string.h>
#include <narrate/narrate.h>
struct pool { int id; };
enum mode { MODE_IDLE, MODE_BUSY };
%s
#include <time.h>
const char *dispatch_job(const char *job_id, int tokens, struct pool p, enum mode m)
{
    struct timespec ts = {0, 2000000};
    size_t n = strlen(job_id); /* read as a string: recorded as one */
    (void)tokens; (void)p; (void)m;
    nanosleep(&ts, NULL);
    if (n == 0) return NULL;
    return "worker-gpu0-r1";
}
int store(const char *key, const void *blob, size_t len)
{
    (void)blob;
    return strlen(key) == len ? 0 : -1;
}
int main(void)
{
    struct pool p = {3};
    char blob[4] = "abc";
    dispatch_job("job-120", 64, p, MODE_BUSY);
    store("k", blob, 3); /* -1: an error, err=neg */
    return 0;
}
'''


def traced_functions(work):
    """The TRACE_FN block, traced by the generator, prints the lines the README shows; its trace
    is then read by every command of the reading section."""
    code, line, _ = block("c", "NARR_TRACE_FN_WITH(")
    shown, _, _ = block("text", 'TRACE app dispatch_job job_id="job-120"')
    if code is None or shown is None:
        return None
    src = write(work, "jobs.c", TRACED_FN_BODY % code)
    out = os.path.join(work, "gen")
    r = run([sys.executable, gen, "-o", out, "--source-root", work, "--actor", "app", f"--flag=-I{include}",
             "--flag=-std=c11", src])
    if r.returncode != 0:
        fail(f"TRACE_FN block (README line {line}): the generator refused it", r.stderr)
        return None
    exe = build(work, "traced_fn", [os.path.join(out, "jobs.traced.c")], ["-iquote", work])
    if exe is None:
        return None
    r = run([exe], env={"NARRATE_LOG": "trace"})
    got = [shape(x) for x in r.stderr.splitlines()]
    for want in shown.splitlines():
        if shape(want) not in got:
            fail(f"TRACE_FN output (README): {want!r} is not what the program prints", r.stderr)
    # skip=blob: never read; level=debug; err=neg: store("k", blob, 3) returns -1
    if "blob=" in r.stderr and "[REDACTED]" not in r.stderr.split("blob=")[1][:16]:
        fail("TRACE_FN_WITH skip=blob: the blob was read", r.stderr)
    if "DEBUG app store" not in r.stderr or 'error="true"' not in r.stderr:
        fail("TRACE_FN_WITH level=debug; err=neg: store's events are not DEBUG with error=\"true\"", r.stderr)
    print("ok   TRACE_FN block and its output")
    return exe


def reading(work, exe):
    cmds, line, _ = block("sh", "narrate cat run.trace")
    if cmds is None or exe is None:
        return
    trace = os.path.join(work, "run.trace")
    r = run([exe], env={"NARRATE_OUTPUT": f"console,trace:{trace}"})
    if r.returncode != 0 or not os.path.exists(trace):
        fail("reading: the program did not write run.trace", r.stderr)
        return
    for name in ("before.trace", "after.trace"):  # narrate diff's two runs
        shutil.copy(trace, os.path.join(work, name))
    done = 0
    for cmd in cmds.splitlines():
        cmd = cmd.split("#")[0].strip()
        if not cmd.startswith("narrate ") or " recover " in cmd:
            continue  # recover needs a killed program: tests/recover
        argv = [cli] + cmd.split()[1:]
        r = run(argv, cwd=work)
        if r.returncode != 0:
            fail(f"README line {line}ff: `{cmd}` exits {r.returncode}", r.stderr[:800])
            continue
        if "-o" in argv:
            dest = os.path.join(work, argv[argv.index("-o") + 1])
            if not os.path.exists(dest) or (os.path.isfile(dest) and os.path.getsize(dest) == 0):
                fail(f"`{cmd}` wrote nothing to {dest}")
                continue
        done += 1
    r = run([cli, "cat", trace])
    if "dispatch_job started" not in r.stdout:
        fail("narrate cat: the call is missing", r.stdout)
    print(f"ok   reading commands ({done} run)")


def tree_shape(work):
    """The tree the README shows has the shape narrate prints for the example."""
    shown, _, _ = block("text", "dispatch_job (4 calls")
    if shown is None:
        return
    trace = os.path.join(work, "orch.trace")
    r = run([orchestrator], env={"NARRATE_OUTPUT": f"trace:{trace}"})
    r = run([cli, "tree", trace])
    def pat(line):  # numbers, and durations in whatever unit reads best, blanked
        return re.sub(r"[0-9]+(\.[0-9]+)?", "N", re.sub(r"[0-9]+(\.[0-9]+)? (ns|us|ms|s)\b", "T", line))
    got = {pat(x) for x in r.stdout.splitlines()}
    for want in shown.splitlines():
        if pat(want) not in got:
            fail(f"narrate tree: the README's line {want!r} has no line of that shape", r.stdout[:1500])
    print("ok   tree shape")


NARRATION = r'''
#include <narrate/narrate.h>
#include <narrate/context.h>
static void admit(const char *job_id, int pos, const char *zone)
{
%s
}
int main(void)
{
    narr_context_t ctx;
    narr_context_new(&ctx, "req-a11c-00");
    narr_context_enter(&ctx);
    admit("job-120", 1, "eu-1");
    narr_context_leave();
    return 0;
}
'''


def narration(work):
    code, line, shown = block("c", "NARR_NARRATE(NARR_LEVEL_INFO")
    if code is None:
        return
    exe = build(work, "narration", [write(work, "narr.c", NARRATION % code)])
    if exe is None:
        return
    r = run([exe])
    if shown is None or shown.strip() not in r.stderr.splitlines():
        fail(f"narration block (README line {line}): prints something else than the README shows",
             f"README: {shown}\nprogram: {r.stderr}")
    r = run([exe], env={"NARRATE_MODE": "cute"})
    if "job-120 snuggled into the queue at spot 1!" not in r.stderr:
        fail("narration block: the cute text is not used in cute mode", r.stderr)
    print("ok   narration block and its output")


CONTEXT = r'''
#include <narrate/narrate.h>
#include <narrate/context.h>
static void handle(const char *request) { NARR_INFO("srv", "handle", request, "handled"); }
int main(void)
{
    narr_context_t here, call, ctx;
    char traceparent[NARR_TRACEPARENT_LEN + 1], tracestate[256];
    const char *traceparent_header, *tracestate_header = "", *request = "r1";
    narr_context_new(&here, "req-1");
    narr_context_enter(&here);
    {
%s
    }
    narr_context_leave();
    narr_context_leave();
    traceparent_header = traceparent;
    {
%s
    }
    return 0;
}
'''


def contexts(work):
    code, line, _ = block("c", "narr_context_inject(")
    if code is None:
        return
    client, server = code.split("/* server")
    exe = build(work, "contexts", [write(work, "ctx.c", CONTEXT % (client, "/* server" + server))])
    if exe is None:
        return
    r = run([exe])
    if r.returncode != 0 or "INFO srv handle" not in r.stderr:
        fail(f"context block (README line {line}) does not run", r.stderr)
        return
    print("ok   context block")


CAPTURE = r'''
#include <assert.h>
#include <narrate/narrate.h>
static void run_the_code_under_test(void)
{
    int i;
    for (i = 0; i < 2; i++)
        NARR_NARRATE(NARR_LEVEL_INFO, .actor = "orchestratord", .action = "admit", .target = "job-120",
                     .human = NARR_FMT("Accepted request"), .cute = NARR_FMT("job-120 is in!"),
                     .job_id = "job-120");
    NARR_INFO("orchestratord", "dispatch", "job-120", "Dispatched to worker-%%d", 2);
}
int main(void)
{
%s
    return 0;
}
'''


def capture(work):
    code, line, _ = block("c", "narr_capture_begin(")
    if code is None:
        return
    lines = code.splitlines()
    include_line = [x for x in lines if x.startswith("#include")]
    body = "\n".join(x for x in lines if not x.startswith("#include"))
    exe = build(work, "capture", [write(work, "cap.c", "\n".join(include_line) + CAPTURE % body)])
    if exe is None:
        return
    r = run([exe])
    if r.returncode != 0:
        fail(f"capture block (README line {line}): its asserts fail", r.stderr)
        return
    print("ok   capture block")


with tempfile.TemporaryDirectory() as work:
    quick_start(work)
    exe = traced_functions(work)
    reading(work, exe)
    tree_shape(work)
    narration(work)
    contexts(work)
    capture(work)
print(f"{len(failures)} failure(s)" if failures else "README snippets: all ok")
sys.exit(1 if failures else 0)
