/* tools/narrate/recover.c - narrate recover DIR [-o OUT]: what a killed program left in
 * NARRATE_RECOVER_DIR (runtime/record/recover.c) back into a trace file. For each process: its
 * .sites file (a trace file: sites, clock points) and its threads' .ring files, each read from
 * its tail to its head (the committed records the sinks had not yet written), decoded with the
 * runtime's decoder and written by the runtime's trace sink, so every other command reads the
 * result. Damaged ring files are reported and skipped, never trusted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader.h"

/* One ring file's bytes: its committed, unwritten records into the sinks. Returns the events,
 * or -1 when the file cannot be a ring; why says what stopped the read. */
long narr_recover_ring_image(narr_trace_t *t, const unsigned char *m, size_t size, uint64_t *dropped, char *why,
                             size_t whylen)
{
    narr__ring_full_t hdr;
    narr__decoded_t dec;
    const unsigned char *buf;
    uint64_t pos, head, tail, mask;
    long n = 0;
    if (size < sizeof hdr) {
        snprintf(why, whylen, "too short for a ring file");
        return -1;
    }
    memcpy(&hdr, m, sizeof hdr);
    head = hdr.r.head;
    tail = hdr.r.tail;
    mask = hdr.r.cap - 1;
    if (memcmp(hdr.file.magic, NARR__RING_FILE_MAGIC, 8) != 0 || hdr.r.cap < NARR_CFG_RING_MIN ||
        (hdr.r.cap & mask) != 0 || hdr.file.header_bytes < sizeof hdr ||
        (uint64_t)size < (uint64_t)hdr.file.header_bytes + hdr.r.cap + NARR_CFG_RING_SLACK || tail > head ||
        head - tail > hdr.r.cap) {
        snprintf(why, whylen, "not a narrate ring file, or its header is damaged");
        return -1;
    }
    buf = m + hdr.file.header_bytes;
    memset(&dec, 0, sizeof dec);
    for (pos = tail; pos < head;) {
        const unsigned char *rec = buf + (pos & mask);
        uint32_t id, size;
        uint64_t raw;
        const narr_site_t *site;
        memcpy(&id, rec, 4);
        memcpy(&size, rec + 4, 4);
        memcpy(&raw, rec + 8, 8);
        if (size < NARR__REC_HDR || size > NARR_CFG_RING_SLACK || pos + size > head) {
            snprintf(why, whylen, "a damaged record at %llu; %ld read before it", (unsigned long long)(pos - tail), n);
            break;
        }
        site = id < t->nsites ? t->sites[id] : NULL;
        if (site != NULL && site->kind < NARR_KIND_CONTEXT &&
            narr__decode(site, rec + NARR__REC_HDR, size - NARR__REC_HDR, &dec) == 0) {
            dec.ev.mono_ns = narr_trace_raw_to_mono(t, raw);
            if (dec.t0_raw != 0) narr__decoded_elapsed(&dec, narr_trace_raw_to_mono(t, dec.t0_raw));
            dec.ev.ts_ns = narr_trace_real_ns(t, dec.ev.mono_ns);
            dec.ev.tid = hdr.file.tid;
            dec.ev.raw = rec + NARR__REC_HDR;
            dec.ev.raw_len = size - NARR__REC_HDR;
            narr__sinks_dispatch(&dec.ev);
            n++;
        }
        pos += (size + 7u) & ~7u;
    }
    *dropped = hdr.r.dropped;
    if (hdr.r.dropped > 0) { /* the program's own losses stay visible */
        narr_event_t drop;
        char msg[NARR__DROP_MSG];
        uint64_t mono = t->nclock ? t->clock[t->nclock - 1].mono : 0; /* the last clock point */
        narr__drop_event(&drop, msg, hdr.file.tid, hdr.r.dropped, mono, narr_trace_real_ns(t, mono));
        narr__sinks_dispatch(&drop);
    }
    narr__buf_free(&dec.msg);
    narr__buf_free(&dec.vals);
    narr__buf_free(&dec.cute);
    narr__buf_free(&dec.story);
    free(dec.kv);
    return n;
}

static long recover_ring(narr_trace_t *t, const char *path, uint64_t *dropped, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    void *m;
    long n;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        snprintf(why, whylen, "cannot read it");
        return -1;
    }
    m = st.st_size > 0 ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (m == MAP_FAILED) {
        snprintf(why, whylen, "cannot map it (empty?)");
        return -1;
    }
    n = narr_recover_ring_image(t, m, (size_t)st.st_size, dropped, why, whylen);
    munmap(m, (size_t)st.st_size);
    return n;
}

/* One process: its sites file and every ring file with its pid. */
static int recover_pid(const char *dir, long pid, const char *out_path)
{
    char path[1024], err[512], out[1024], why[256];
    narr_trace_t *t;
    DIR *d;
    struct dirent *e;
    long total = 0, threads = 0;
    uint64_t dropped_all = 0;
    int sink, rc = 0;
    snprintf(path, sizeof path, "%s/narrate-%ld.sites", dir, pid);
    t = narr_trace_load(path, err, sizeof err);
    if (t == NULL) {
        fprintf(stderr, "narrate recover: %s\n", err);
        return 1;
    }
    if (t->damaged) fprintf(stderr, "narrate recover: %s: damaged (%s); sites before it used\n", path, t->damage);
    if (out_path != NULL) snprintf(out, sizeof out, "%s", out_path);
    else snprintf(out, sizeof out, "%s/recovered-%ld.trace", dir, pid);
    narr__set_program_name(t->program);
    sink = narr_sink_trace_add(out, NARR_LEVEL_TRACE);
    if (sink < 0) {
        fprintf(stderr, "narrate recover: cannot write %s: %s\n", out, strerror(errno));
        narr_trace_free(t);
        return 1;
    }
    d = opendir(dir);
    while (d != NULL && (e = readdir(d)) != NULL) {
        long p;
        unsigned tid;
        char tail[8];
        uint64_t dropped = 0;
        long n;
        if (sscanf(e->d_name, "narrate-%ld-%u.rin%1s", &p, &tid, tail) != 3 || p != pid || strcmp(tail, "g") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        why[0] = '\0';
        n = recover_ring(t, path, &dropped, why, sizeof why);
        if (n < 0 || why[0] != '\0') {
            fprintf(stderr, "narrate recover: %s: %s\n", path, why);
            rc = 1;
        }
        if (n >= 0) total += n, threads++, dropped_all += dropped;
    }
    if (d != NULL) closedir(d);
    narr__sinks_close_all();
    printf("pid %ld (%s): %ld events from %ld threads recovered into %s", pid, t->program, total, threads, out);
    if (dropped_all) printf(" (%llu dropped by the program before the end)", (unsigned long long)dropped_all);
    printf("\n");
    narr_trace_free(t);
    return rc;
}

int narrate_recover(const char *dir, const char *out)
{
    long pids[256];
    size_t npids = 0, i;
    int rc = 0;
    DIR *d;
    struct dirent *e;
    if ((d = opendir(dir)) == NULL) {
        fprintf(stderr, "narrate recover: cannot open the directory '%s': %s\n", dir, strerror(errno));
        return 1;
    }
    while ((e = readdir(d)) != NULL && npids < sizeof pids / sizeof pids[0]) {
        long p;
        char rest[8];
        if (sscanf(e->d_name, "narrate-%ld.site%1s", &p, rest) == 2 && strcmp(rest, "s") == 0) pids[npids++] = p;
    }
    closedir(d);
    if (npids == 0) {
        fprintf(stderr, "narrate recover: %s: nothing to recover (no narrate-<pid>.sites)\n", dir);
        return 1;
    }
    for (i = 0; i < npids; i++) {
        char one[1024];
        const char *o = out;
        if (out != NULL && npids > 1) { /* several processes: one file each */
            snprintf(one, sizeof one, "%s.%ld", out, pids[i]);
            o = one;
        }
        rc |= recover_pid(dir, pids[i], o);
    }
    return rc;
}
