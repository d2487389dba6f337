/* tools/narrate/main.c - the narrate command: reads trace files (NARRATE_OUTPUT=trace:PATH).
 *   narrate cat FILE [--json]   every event as the console (or the JSON sink) showed it
 *   narrate check FILE          integrity: counts, drops, unmatched enter/exit; exit 1 on damage
 *   narrate recover DIR         what a killed program left in NARRATE_RECOVER_DIR, as a trace file */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"
#include "narrate/redact.h"
#include "reader.h"

static int usage(void)
{
    fprintf(stderr, "usage: narrate cat FILE [--json]\n"
                    "       narrate check FILE\n"
                    "       narrate stats FILE [--sort calls|total|self|p50|p95|p99|errors] [--top N]\n"
                    "       narrate tree FILE\n"
                    "       narrate export --format chrome|ctf|jsonl|otlp-json FILE -o OUT\n"
                    "       narrate flame FILE -o OUT.svg\n"
                    "       narrate recover DIR [-o OUT.trace]\n");
    return 2;
}

static void progress_bar(size_t done, size_t total)
{
    int pct = total ? (int)(done * 100 / total) : 100, i;
    fprintf(stderr, "\rnarrate: reading [");
    for (i = 0; i < 40; i++) fputc(i < pct * 40 / 100 ? '#' : ' ', stderr);
    fprintf(stderr, "] %3d%% of %.1f MB%s", pct, (double)total / 1e6, done == total ? "\n" : "");
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
    if (t->damaged && t->skipped_regions > 0)
        fprintf(stderr, "narrate: %s: damaged: %s; read %zu good blocks (%zu of %zu bytes, %zu events)%s\n", path,
                t->damage, t->blocks, t->bytes_ok, t->size, t->seen,
                t->bytes_ok + t->skipped_bytes < t->size ? ", then the damage ran to the end" : "");
    else if (t->damaged)
        fprintf(stderr, "narrate: %s: damaged: %s; read the %zu blocks (%zu of %zu bytes, %zu events) before it\n",
                path, t->damage, t->blocks, t->bytes_ok, t->size, t->seen);
    narr__set_program_name(t->program);
    return t;
}

static narr_trace_t *load(const char *path)
{
    return narrate_load(path, NULL, NULL);
}

static int cmd_cat(narr_trace_t *t, int json)
{
    narr__buf_t line = {0};
    size_t i;
    narr_trace_sort(t);
    for (i = 0; i < t->nevents; i++) {
        const narr_tevent_t *e = &t->events[i];
        narr_event_t drop;
        const narr_event_t *ev;
        char msg[NARR__DROP_MSG];
        if (e->site == 0) {
            narr__drop_event(&drop, msg, e->tid, e->dropped, e->mono, narr_trace_real_ns(t, e->mono));
            ev = &drop;
        } else {
            ev = narr_trace_decode(t, e);
        }
        if (ev == NULL) continue;
        line.len = 0;
        if (json) narr__json_line(&line, ev, NARR_REDACT_DEFAULT);
        else narr__console_line(&line, ev, 0, NARR_MODE_HUMAN, NARR_REDACT_DEFAULT);
        fwrite(line.p, 1, line.len, stdout);
    }
    narr__buf_free(&line);
    return 0;
}

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
    printf("events: %zu\ndropped: %llu\nunmatched enter: %zu\nunmatched exit: %zu\nblocks: %zu (%zu of %zu bytes)\n",
           run.events, (unsigned long long)t->dropped, run.calls.unmatched_enter, run.calls.unmatched_exit, t->blocks,
           t->bytes_ok, t->size);
    if (t->skipped_regions > 0)
        printf("skipped: %zu bytes in %zu damaged regions (%llu events legible in their headers)\n", t->skipped_bytes,
               t->skipped_regions, (unsigned long long)t->skipped_events);
    printf("status: %s\n", t->damaged ? "damaged"
                            : t->dropped || run.calls.unmatched_enter || run.calls.unmatched_exit ? "incomplete"
                                                                                                  : "ok");
    narr_calls_free(&run.calls);
    rc = t->damaged ? 1 : 0;
    narr_trace_free(t);
    return rc;
}

int narrate_stats(const char *path, int argc, char **argv);
int narrate_recover(int argc, char **argv);
int narrate_tree(narr_trace_t *t);
int narrate_export(narr_trace_t *t, const char *format, const char *out_path);
int narrate_flame(narr_trace_t *t, const char *out_path);

/* export and flame take options around the file: pick them out. */
static int options(int argc, char **argv, const char **file, const char **format, const char **out)
{
    int i;
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) *format = argv[++i];
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) *out = argv[++i];
        else if (*file == NULL) *file = argv[i];
        else return -1;
    }
    return *file ? 0 : -1;
}

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

int main(int argc, char **argv)
{
    narr_trace_t *t;
    int rc;
    struct sigaction sa;
    if (argc < 3) return usage();
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigbus;
    sigaction(SIGBUS, &sa, NULL);
    {
        /* NARRATE_PROGRESS: always (from the start), never, or by default on a terminal after 1 s */
        const char *p = getenv("NARRATE_PROGRESS");
        if (p != NULL && strcmp(p, "always") == 0) narr_trace_progress = progress_bar, narr_trace_progress_after_ns = 0;
        else if ((p == NULL || strcmp(p, "never") != 0) && isatty(2)) narr_trace_progress = progress_bar;
    }
    if (strcmp(argv[1], "export") == 0 || strcmp(argv[1], "flame") == 0) {
        const char *file = NULL, *format = NULL, *out = "-";
        if (options(argc, argv, &file, &format, &out) != 0 || (argv[1][0] == 'e' && format == NULL)) return usage();
        t = load(file);
        if (t == NULL) return 1;
        rc = argv[1][0] == 'e' ? narrate_export(t, format, out) : narrate_flame(t, out);
        if (rc == 0 && t->damaged) rc = 1;
        narr_trace_free(t);
        return rc;
    }
    if (strcmp(argv[1], "check") == 0) return cmd_check(argv[2]);
    if (strcmp(argv[1], "recover") == 0) return narrate_recover(argc - 2, argv + 2);
    if (strcmp(argv[1], "stats") == 0) return narrate_stats(argv[2], argc - 3, argv + 3);
    if (strcmp(argv[1], "cat") != 0 && strcmp(argv[1], "tree") != 0) return usage();
    t = load(argv[2]);
    if (t == NULL) return 1;
    if (strcmp(argv[1], "cat") == 0) rc = cmd_cat(t, argc > 3 && strcmp(argv[3], "--json") == 0);
    else rc = narrate_tree(t);
    if (rc == 0 && t->damaged) rc = 1;
    narr_trace_free(t);
    return rc;
}
