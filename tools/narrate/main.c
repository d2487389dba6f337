/* tools/narrate/main.c - the narrate command: reads trace files (NARRATE_OUTPUT=trace:PATH).
 * Options go anywhere after the command (GNU getopt order); -h/--help on stdout; an unknown
 * option or a bad value is an error (exit 2); failures give the system's reason. */
#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_format.h"
#include "calls.h"
#include "narrate/redact.h"
#include "reader.h"

#ifndef NARR_VERSION_STRING
#define NARR_VERSION_STRING "unknown"
#endif

static const char usage_text[] =
    "usage: narrate COMMAND [OPTION...] FILE...\n"
    "  (cat, check, stats and tree take several files, or a directory of .trace files: cat merges\n"
    "   them by wall clock with each line's pid, the others show each process in turn)\n"
    "\n"
    "commands:\n"
    "  cat FILE       every event, with its time from the start and thread id (--plain: as the console\n"
    "                 printed it; --json: as JSON lines)\n"
    "  check FILE     integrity: counts, losses, damaged blocks, calls without an exit and why; exit 1 on damage\n"
    "  stats FILE     per function: calls, total, self, P50/P95/P99, errors [--sort KEY] [--top N]\n"
    "  tree FILE      call trees per thread and per correlation id [--depth N]\n"
    "  diff A B       per function: calls, total and p99 of run A and of run B, and the change\n"
    "  replay FILE    every call in time order, nested per thread, with its arguments, result and\n"
    "                 duration (as uftrace replay) [--depth N]\n"
    "  export FILE --format chrome|ctf|jsonl|otlp-json -o OUT\n"
    "  flame FILE -o OUT.svg   a flame graph that zooms (click) and searches [--depth N]\n"
    "                 [--by all|thread|corr]: threads merged, or a band per thread or correlation\n"
    "  recover DIR [-o OUT.trace]   what a killed program left in NARRATE_RECOVER_DIR\n"
    "\n"
    "filters (cat, check, stats, tree, replay, export, flame):\n"
    "  --tid TID         one thread\n"
    "  --fn NAME         calls of NAME and everything recorded inside them\n"
    "  --corr ID         events with this correlation id\n"
    "  --since TIME, --until TIME   a window from the trace's start (TIME: 250ms, 1.5s, 300us, 40ns; a\n"
    "                    plain number is seconds)\n"
    "\n"
    "  -h, --help        this text        --version   the version\n";

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "narrate: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n(narrate --help lists the commands and options)\n");
    return 2;
}

static void progress_bar(size_t done, size_t total)
{
    char of[32];
    snprintf(of, sizeof of, "%.1f MB", (double)total / 1e6);
    narr_progress_draw("reading", done, total, of);
}

static void say_damage(const char *path, const narr_trace_t *t)
{
    if (t->damaged && t->skipped_regions > 0)
        fprintf(stderr, "narrate: %s: damaged: %s; read %zu good blocks (%zu of %zu bytes, %zu events)%s\n", path,
                t->damage, t->blocks, t->bytes_ok, t->size, t->seen,
                t->bytes_ok + t->skipped_bytes < t->size ? ", then the damage ran to the end" : "");
    else if (t->damaged)
        fprintf(stderr, "narrate: %s: damaged: %s; read the %zu blocks (%zu of %zu bytes, %zu events) before it\n",
                path, t->damage, t->blocks, t->bytes_ok, t->size, t->seen);
}

/* Loads path, or streams it to visit (when not NULL); damage is reported here. */
narr_trace_t *narrate_load(const char *path, narr_trace_visit_fn visit, void *ctx)
{
    char err[512];
    narr_trace_t *t = narr_trace_load_visit(path, visit, ctx, err, sizeof err);
    if (t == NULL) {
        fprintf(stderr, "narrate: %s\n", err);
        return NULL;
    }
    say_damage(path, t);
    narr__set_program_name(t->program);
    return t;
}

/* Opens path for narr_trace_next (cat, replay, exports: time order, a block per thread in
 * memory); its damage is reported by closed() once the events have been read. */
static narr_trace_t *opened(const char *path)
{
    char err[512];
    narr_trace_t *t = narr_trace_open(path, err, sizeof err);
    if (t == NULL) {
        fprintf(stderr, "narrate: %s\n", err);
        return NULL;
    }
    narr__set_program_name(t->program);
    return t;
}

/* After the command: damage found on the way, the filters' count; 1 when damaged. */
static int closed(const char *path, narr_trace_t *t)
{
    int damaged = t->damaged;
    say_damage(path, t);
    if (narr_trace_filter.on)
        fprintf(stderr, "narrate: filters kept %zu of %zu events\n", t->returned, t->seen);
    narr_trace_free(t);
    return damaged;
}

/* cat's modes: uftrace-like lines (time from the trace's start, thread id), the console's
 * lines as they were printed, or JSON lines. */
enum { CAT_TIMED = 0, CAT_PLAIN = 1, CAT_JSON = 2 };

typedef struct check_run {
    narr_calls_t calls;
    size_t events;
} check_run_t;

static int check_visit(narr_trace_t *t, const narr_tevent_t *e, void *ctx)
{
    check_run_t *r = ctx;
    r->events += e->site != 0;
    return narr_calls_feed(&r->calls, t, e, t->seen - 1);
}

/* Counts, losses, and enter/exit pairs as tree and stats match them, streamed. */
static int cmd_check(const char *path)
{
    check_run_t run;
    narr_trace_t *t;
    int rc;
    memset(&run, 0, sizeof run);
    narr_calls_begin(&run.calls, 0, NULL, NULL);
    t = narrate_load(path, check_visit, &run);
    narr_calls_end(&run.calls);
    if (t == NULL) return 1;
    printf("events: %zu\ndropped: %llu\nunwound calls: %zu\nopen at the end: %zu\ncut short by losses: %zu\n"
           "unmatched exit: %zu\nblocks: %zu (%zu of %zu bytes)\n",
           run.events, (unsigned long long)t->dropped, run.calls.unwound, run.calls.unmatched_enter, run.calls.resynced,
           run.calls.unmatched_exit, t->blocks, t->bytes_ok, t->size);
    if (t->skipped_regions > 0)
        printf("skipped: %zu bytes in %zu damaged regions (%llu events legible in their headers)\n", t->skipped_bytes,
               t->skipped_regions, (unsigned long long)t->skipped_events);
    if (run.calls.nthrottled > 0)
        printf("throttled: %zu functions (whole-project tracing: recorded until their calls averaged under "
               "NARRATE_MIN_DURATION)\n", run.calls.nthrottled);
    if (!t->ended && !t->damaged) {
        printf("end: missing (its writer did not finish the file: the program was killed or is still running, "
               "or the file was cut)\n");
        fprintf(stderr, "narrate: %s: no end block: the file is not finished (its program was killed or still "
                        "writes it, or the file was cut)\n", path);
    }
    else if (t->ended == 2)
        printf("end: written by the crash handler (the program died of a fatal signal)\n");
    printf("status: %s\n", t->damaged ? "damaged"
                            : !t->ended || t->dropped || t->skipped_regions || run.calls.unmatched_exit ? "incomplete"
                                                                                                  : "ok");
    narr_calls_free(&run.calls);
    rc = t->damaged || !t->ended ? 1 : 0;
    narr_trace_free(t);
    return rc;
}

int narrate_stats(const char *path, const char *sort, size_t top);
int narrate_diff(const char *path_a, const char *path_b, const char *sort, size_t top);
int narrate_recover(const char *dir, const char *out);
int narrate_tree(const char *path, int max_depth);
int narrate_tree_linked(char **files, size_t count, int max_depth);
int narrate_replay(narr_trace_t *t, int max_depth);
int narrate_export(narr_trace_t *t, const char *format, const char *out_path);
int narrate_flame(const char *path, const char *out_path, int max_depth, const char *by);

/* The trace is read through a mapping: a file truncated while it is read (still being written,
 * rotated, copied over) would end the command with SIGBUS. It ends with this instead. */
static void on_sigbus(int sig)
{
    static const char msg[] = "\nnarrate: the trace file got shorter while it was read (truncated, rotated or "
                              "still being written?): the output above is incomplete\n";
    (void)sig;
    if (write(2, msg, sizeof msg - 1) < 0) _exit(1);
    _exit(1);
}

/* "250ms", "1.5s", "300us", "40ns", "2" (seconds) -> ns; -1 when it is not a time */
static int parse_time(const char *s, uint64_t *ns)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || errno != 0 || !(v >= 0) || s[0] == '-' || s[0] == '+') return -1;
    if (strcmp(end, "") == 0 || strcmp(end, "s") == 0) v *= 1e9;
    else if (strcmp(end, "ms") == 0) v *= 1e6;
    else if (strcmp(end, "us") == 0) v *= 1e3;
    else if (strcmp(end, "ns") != 0) return -1;
    if (v > 1.8e19) return -1;
    *ns = (uint64_t)v;
    return 0;
}

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;
    if (s[0] < '0' || s[0] > '9') return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (*end != '\0' || errno != 0 || v > max) return -1;
    *out = v;
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files named, a directory standing for the *.trace files in it (sorted). */
static size_t gather(int n, char **args, char ***out)
{
    size_t count = 0, cap = 0;
    char **v = NULL;
    int i;
    for (i = 0; i < n; i++) {
        DIR *d;
        struct dirent *e;
        size_t first = count;
        if (!is_dir(args[i]) || (d = opendir(args[i])) == NULL) {
            if (count == cap && (v = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v)) == NULL) return 0;
            v[count++] = strdup(args[i]);
            continue;
        }
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            char path[4096];
            const char *dot = strstr(e->d_name, ".trace");
            /* NAME.trace, or NAME.trace.PID (a process that found NAME.trace taken) */
            if (dot == NULL || dot == e->d_name || (dot[6] != '\0' && (dot[6] != '.' || strspn(dot + 7, "0123456789") != strlen(dot + 7) || dot[7] == '\0')))
                continue;
            (void)len;
            snprintf(path, sizeof path, "%s/%s", args[i], e->d_name);
            if (count == cap && (v = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v)) == NULL) return 0;
            v[count++] = strdup(path);
        }
        closedir(d);
        if (count > first + 1) qsort(v + first, count - first, sizeof *v, by_name);
    }
    *out = v;
    return count;
}

/* cat: the events of one trace in time order, or of several merged by wall clock, each line then
 * with its process's pid too. Streamed: each trace holds a block per thread. */
static int cmd_cat(narr_trace_t **ts, size_t n, int mode)
{
    narr_tevent_t *head = calloc(n, sizeof *head); /* each trace's next event (site UINT32_MAX: none left) */
    size_t k, last = SIZE_MAX;
    uint64_t start = UINT64_MAX;
    narr__buf_t line = {0};
    if (head == NULL) return 1;
    for (k = 0; k < n; k++) {
        const narr_tevent_t *e = narr_trace_next(ts[k]);
        if (e != NULL) head[k] = *e;
        else head[k].site = UINT32_MAX;
        if (narr_trace_real_ns(ts[k], ts[k]->start_mono) < start) start = narr_trace_real_ns(ts[k], ts[k]->start_mono);
    }
    for (;;) {
        size_t best = SIZE_MAX;
        uint64_t when = 0;
        const narr_tevent_t *e, *next;
        const narr_event_t *ev;
        narr_event_t drop;
        char msg[NARR__DROP_MSG];
        for (k = 0; k < n; k++)
            if (head[k].site != UINT32_MAX) {
                uint64_t r = narr_trace_real_ns(ts[k], head[k].mono);
                if (best == SIZE_MAX || r < when) best = k, when = r;
            }
        if (best == SIZE_MAX) break;
        e = &head[best];
        if (e->site == 0) {
            narr__drop_event(&drop, msg, e->tid, e->dropped, e->mono, when);
            ev = &drop;
        } else {
            ev = narr_trace_decode(ts[best], e);
        }
        if (ev != NULL) {
            line.len = 0;
            if (mode == CAT_TIMED) {
                uint64_t rel = when > start ? when - start : 0;
                narr__buf_printf(&line, "%5llu.%09llu ", (unsigned long long)(rel / 1000000000u),
                                 (unsigned long long)(rel % 1000000000u));
                if (n > 1) narr__buf_printf(&line, "%7u ", ts[best]->pid);
                narr__buf_printf(&line, "%7u  ", e->tid);
            }
            if (best != last) narr__set_program_name(ts[best]->program); /* emitted_by of this process */
            last = best;
            if (mode == CAT_JSON) narr__json_line(&line, ev, NARR_REDACT_DEFAULT);
            else narr__console_line(&line, ev, 0, NARR_MODE_HUMAN, NARR_REDACT_DEFAULT);
            fwrite(line.p, 1, line.len, stdout);
        }
        /* (the copy in head stays readable until its thread's next block is read: after this) */
        next = narr_trace_next(ts[best]);
        if (next != NULL) head[best] = *next;
        else head[best].site = UINT32_MAX;
    }
    narr__buf_free(&line);
    free(head);
    return 0;
}
/* Several files (or a directory of them): cat merges them by wall clock; check, stats and tree
 * show each process in turn under a heading. */
static int many_files(const char *cmd, int n, char **args, int cat_mode, const char *sort, size_t top, int depth)
{
    char **files = NULL;
    size_t count = gather(n, args, &files), k;
    int rc = 0;
    if (count == 0) {
        fprintf(stderr, "narrate %s: no trace files in %s\n", cmd, args[0]);
        return 1;
    }
    if (strcmp(cmd, "cat") == 0) {
        narr_trace_t **ts = calloc(count, sizeof *ts);
        size_t got = 0;
        const char **names = calloc(count, sizeof *names);
        for (k = 0; ts != NULL && names != NULL && k < count; k++) {
            narr_trace_t *t = opened(files[k]);
            if (t == NULL) rc = 1;
            else names[got] = files[k], ts[got++] = t;
        }
        if (ts != NULL && got > 0 && cmd_cat(ts, got, cat_mode) != 0) rc = 1;
        for (k = 0; ts != NULL && k < got; k++)
            if (closed(names[k], ts[k]) != 0) rc = 1;
        free(ts);
        free(names);
    } else {
        for (k = 0; k < count; k++) {
            int r;
            printf("%s== %s\n", k ? "\n" : "", files[k]);
            fflush(stdout);
            if (strcmp(cmd, "check") == 0) r = cmd_check(files[k]);
            else if (strcmp(cmd, "stats") == 0) r = narrate_stats(files[k], sort, top);
            else r = narrate_tree(files[k], depth);
            if (r > rc) rc = r;
        }
        if (strcmp(cmd, "tree") == 0 && count > 1 && narrate_tree_linked(files, count, depth) != 0) rc = 1;
    }
    for (k = 0; k < count; k++) free(files[k]);
    free(files);
    return rc;
}

/* Which options each command takes (the filters are shared by the readers of a trace). */
enum { O_JSON = 1, O_PLAIN, O_SORT, O_TOP, O_FORMAT, O_OUT, O_DEPTH, O_TID, O_FN, O_CORR, O_SINCE, O_UNTIL, O_HELP,
       O_VERSION, O_BY };
#define FILTERS "tid,fn,corr,since,until"
/* Each command: its name, the options it takes, and its own --help. */
static const struct { const char *cmd, *takes, *help; } commands[] = {
    {"cat", "json,plain," FILTERS,
     "usage: narrate cat [--plain|--json] [FILTERS] FILE...\n"
     "  every event, with its time from the start and thread id; --plain: as the console printed it;\n"
     "  --json: as JSON lines. Several files (or a directory) are merged by wall clock, with each line's pid.\n"},
    {"check", FILTERS,
     "usage: narrate check [FILTERS] FILE...\n"
     "  integrity: events, drops, calls without an exit and why (unwound by a longjmp, open at the end,\n"
     "  cut short by a loss), exits without an enter, damaged blocks, functions throttled by\n"
     "  NARRATE_MIN_DURATION; the last line says ok, incomplete or damaged. Exit status 1 on damage.\n"},
    {"stats", "sort,top," FILTERS,
     "usage: narrate stats [--sort calls|total|self|p50|p95|p99|errors] [--top N] [FILTERS] FILE...\n"
     "  per function: calls, total (outermost calls of a recursion), self, P50/P95/P99 of the call\n"
     "  durations, errors; '*' marks a function switched off by NARRATE_MIN_DURATION.\n"},
    {"diff", "sort,top," FILTERS,
     "usage: narrate diff [--sort KEY] [--top N] [FILTERS] A B\n"
     "  per function: calls, total and p99 of run A and of run B, and the change.\n"},
    {"tree", "depth," FILTERS,
     "usage: narrate tree [--depth N] [FILTERS] FILE...\n"
     "  per thread and per correlation id, the call tree with calls, total and self time; several\n"
     "  processes are linked where a traceparent continues a call.\n"},
    {"replay", "depth," FILTERS,
     "usage: narrate replay [--depth N] [FILTERS] FILE\n"
     "  every call in time order, nested per thread, with its arguments, result and duration.\n"},
    {"export", "format,o," FILTERS,
     "usage: narrate export --format chrome|ctf|jsonl|otlp-json [FILTERS] FILE -o OUT\n"
     "  formats other tools read: chrome (Perfetto, speedscope), ctf (babeltrace2), jsonl, otlp-json.\n"},
    {"flame", "o,depth,by," FILTERS,
     "usage: narrate flame [--depth N] [--by all|thread|corr] [FILTERS] FILE -o OUT.svg\n"
     "  a flame graph that zooms (click) and searches; threads merged, or a band per thread or\n"
     "  correlation id.\n"},
    {"recover", "o",
     "usage: narrate recover DIR [-o OUT.trace]\n"
     "  what a killed program left in NARRATE_RECOVER_DIR, as a trace file.\n"},
};
static const char filters_text[] =
    "\nFILTERS: --tid TID, --fn NAME (its calls and everything inside them), --corr ID,\n"
    "  --since TIME, --until TIME (from the trace's start: 250ms, 1.5s, 300us; a plain number is seconds)\n";

static int takes(const char *list, const char *opt)
{
    size_t n = strlen(opt);
    const char *p = list;
    while ((p = strstr(p, opt)) != NULL) {
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return 1;
        p += n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, O_JSON},     {"plain", no_argument, NULL, O_PLAIN},
        {"sort", required_argument, NULL, O_SORT}, {"top", required_argument, NULL, O_TOP},
        {"format", required_argument, NULL, O_FORMAT}, {"output", required_argument, NULL, O_OUT},
        {"depth", required_argument, NULL, O_DEPTH}, {"tid", required_argument, NULL, O_TID},
        {"fn", required_argument, NULL, O_FN},   {"corr", required_argument, NULL, O_CORR},
        {"since", required_argument, NULL, O_SINCE}, {"until", required_argument, NULL, O_UNTIL},
        {"help", no_argument, NULL, O_HELP},     {"version", no_argument, NULL, O_VERSION},
        {"by", required_argument, NULL, O_BY},   {NULL, 0, NULL, 0}};
    static const char *const names[] = {"", "json", "plain", "sort", "top", "format", "o", "depth",
                                        "tid", "fn", "corr", "since", "until", "help", "version", "by"};
    const char *cmd, *takes_list = NULL, *file = NULL, *sort = "total", *format = NULL, *out = NULL, *by = "all";
    unsigned long top = (unsigned long)-1, depth = 0, tid;
    int cat_mode = CAT_TIMED, c, rc;
    size_t k;
    narr_trace_t *t;
    struct sigaction sa;

    if (argc < 2) return usage_error("%s", "a command is missing");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("narrate %s (trace format versions 1 to %u)\n", NARR_VERSION_STRING, NARR_TRACE_VERSION);
        return 0;
    }
    cmd = argv[1];
    for (k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(commands[k].cmd, cmd) == 0) takes_list = commands[k].takes;
    if (takes_list == NULL) return usage_error("'%s' is not a command", cmd);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, ":ho:", longopts, NULL)) != -1) {
        const char *opt = c == 'o' ? "o" : c == 'h' ? "help" : c > 0 && c <= O_BY ? names[c] : NULL;
        if (c == '?') {
            if (optopt > 0 && optopt < 128) {
                char o[3] = {'-', (char)optopt, 0};
                return usage_error("unknown option '%s'", o);
            }
            return usage_error("unknown option '%s'", argv[optind]); /* argv + 1's optind - 1 */
        }
        if (c == ':') return usage_error("option '%s' needs a value", argv[optind]);
        if (c == 'h' || c == O_HELP) { /* the command's own help */
            for (k = 0; k < sizeof commands / sizeof commands[0]; k++)
                if (strcmp(commands[k].cmd, cmd) == 0) {
                    fputs(commands[k].help, stdout);
                    if (takes(commands[k].takes, "tid")) fputs(filters_text, stdout);
                }
            return 0;
        }
        if (c == O_VERSION) {
            printf("narrate %s (trace format versions 1 to %u)\n", NARR_VERSION_STRING, NARR_TRACE_VERSION);
            return 0;
        }
        if (opt == NULL || !takes(takes_list, opt)) {
            fprintf(stderr, "narrate %s: --%s is not an option of this command\n", cmd, opt ? opt : "?");
            return 2;
        }
        switch (c) {
        case O_JSON: cat_mode = CAT_JSON; break;
        case O_PLAIN: cat_mode = CAT_PLAIN; break;
        case O_SORT:
            sort = optarg;
            if (!takes("calls,total,self,p50,p95,p99,errors", sort)) {
                fprintf(stderr, "narrate stats: --sort takes calls, total, self, p50, p95, p99 or errors, not '%s'\n", sort);
                return 2;
            }
            break;
        case O_TOP:
            if (parse_count(optarg, (unsigned long)-1, &top) != 0 || top == 0) {
                fprintf(stderr, "narrate stats: --top takes a number of functions from 1, not '%s'\n", optarg);
                return 2;
            }
            break;
        case O_FORMAT: format = optarg; break;
        case O_BY:
            by = optarg;
            if (!takes("all,thread,corr", by)) {
                fprintf(stderr, "narrate flame: --by takes all, thread or corr, not '%s'\n", by);
                return 2;
            }
            break;
        case 'o': case O_OUT: out = optarg; break;
        case O_DEPTH:
            if (parse_count(optarg, 100000, &depth) != 0 || depth == 0) {
                fprintf(stderr, "narrate %s: --depth takes a depth from 1, not '%s'\n", cmd, optarg);
                return 2;
            }
            break;
        case O_TID:
            if (parse_count(optarg, UINT32_MAX, &tid) != 0) {
                fprintf(stderr, "narrate %s: --tid takes a thread id, not '%s'\n", cmd, optarg);
                return 2;
            }
            narr_trace_filter.has_tid = 1, narr_trace_filter.tid = (uint32_t)tid;
            break;
        case O_FN: narr_trace_filter.fn = optarg; break;
        case O_CORR: narr_trace_filter.corr = optarg; break;
        case O_SINCE: case O_UNTIL: {
            uint64_t ns;
            if (parse_time(optarg, &ns) != 0) {
                fprintf(stderr, "narrate %s: --%s takes a time such as 250ms, 1.5s, 300us or 40ns, not '%s'\n", cmd,
                        opt, optarg);
                return 2;
            }
            if (c == O_SINCE) narr_trace_filter.since_ns = ns;
            else narr_trace_filter.until_ns = ns ? ns : 1;
            break;
        }
        default: break;
        }
        narr_trace_filter.on |= c >= O_TID && c <= O_UNTIL;
    }
    optind++; /* argv[0] was the command */
    if (optind >= argc) return usage_error(strcmp(cmd, "recover") == 0 ? "%s: a directory is missing" : "%s: a file is missing", cmd);
    file = argv[optind];
    if (strcmp(cmd, "diff") == 0) {
        if (optind + 2 != argc) return usage_error("%s", "diff compares two trace files: narrate diff A.trace B.trace");
    } else if (optind + 1 < argc || is_dir(file)) {
        if (strcmp(cmd, "cat") != 0 && strcmp(cmd, "check") != 0 && strcmp(cmd, "stats") != 0 && strcmp(cmd, "tree") != 0) {
            if (strcmp(cmd, "recover") != 0 || optind + 1 < argc)
                return usage_error("%s reads one file at a time (cat, check, stats and tree take several)", cmd);
        } else {
            return many_files(cmd, argc - optind, argv + optind, cat_mode, sort, top, (int)depth);
        }
    }
    if (strcmp(cmd, "export") == 0 && format == NULL) return usage_error("%s", "export needs --format chrome|ctf|jsonl|otlp-json");
    if (strcmp(cmd, "export") == 0 && !takes("chrome,ctf,jsonl,otlp-json", format))
        return usage_error("--format takes chrome, ctf, jsonl or otlp-json, not '%s'", format);
    if (narr_trace_filter.until_ns != 0 && narr_trace_filter.until_ns <= narr_trace_filter.since_ns)
        return usage_error("%s", "--until must come after --since");

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigbus;
    sigaction(SIGBUS, &sa, NULL);
    {
        /* NARRATE_PROGRESS: always (from the start), never, or by default on a terminal after 1 s */
        const char *p = getenv("NARRATE_PROGRESS");
        if (p != NULL && strcmp(p, "always") == 0) narr_trace_progress = progress_bar, narr_trace_progress_after_ns = 0;
        else if ((p == NULL || strcmp(p, "never") != 0) && isatty(2)) narr_trace_progress = progress_bar;
    }
    if (strcmp(cmd, "recover") == 0) return narrate_recover(file, out);
    if (strcmp(cmd, "check") == 0) return cmd_check(file);
    if (strcmp(cmd, "stats") == 0) return narrate_stats(file, sort, top);
    if (strcmp(cmd, "tree") == 0) return narrate_tree(file, (int)depth);
    if (strcmp(cmd, "flame") == 0) return narrate_flame(file, out ? out : "-", (int)depth, by);
    if (strcmp(cmd, "diff") == 0) return narrate_diff(argv[optind], argv[optind + 1], sort, top);
    t = opened(file);
    if (t == NULL) return 1;
    if (strcmp(cmd, "export") == 0) rc = narrate_export(t, format, out ? out : "-");
    else if (strcmp(cmd, "cat") == 0) rc = cmd_cat(&t, 1, cat_mode);
    else rc = narrate_replay(t, (int)depth);
    if (closed(file, t) != 0 && rc == 0) rc = 1;
    return rc;
}
