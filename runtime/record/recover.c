/* runtime/record/recover.c - surviving kill -9 (opt-in: NARRATE_RECOVER_DIR=DIR). Each thread's ring
 * lives in a shared file mapping, DIR/narrate-<pid>-<tid>.ring, whose first bytes are the
 * ring's own header (head, tail, drops): records are committed by the release store of head
 * after their bytes, as always, so the file holds every committed record. The consumer moves
 * the tail only after the sinks have written what it delivered, so [tail, head) is exactly
 * what the sinks had not yet written. DIR/narrate-<pid>.sites is a trace file (format of
 * trace_format.h) with the site dictionary, appended at each registration, and points of the
 * raw clock. A clean shutdown removes the files; after a kill they stay for `narrate recover`.
 * LTTng needs its session daemon and lttng-crash for this; here it is a mapping and a file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "trace_format.h"

int narr__recover_on;
static char dir[512];
static char sites_path[640];
static int sites_fd = -1;
static uint64_t last_clock;
static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER; /* appends to the sites file */

static void append(unsigned type, const narr__buf_t *payload)
{
    narr__buf_t block = {0};
    narr__trace_block(&block, type, payload);
    pthread_mutex_lock(&file_lock);
    if (!block.oom && sites_fd >= 0) (void)narr__write_all(sites_fd, block.p, block.len);
    pthread_mutex_unlock(&file_lock);
    narr__buf_free(&block);
}

void narr__recover_clock(int force)
{
    narr__buf_t p = {0};
    uint64_t mono = narr__mono_ns(), raw;
    if (!narr__recover_on || (!force && mono - last_clock < 1000000000u)) return;
    last_clock = mono;
    raw = narr__clock_raw();
    mono = narr__mono_ns();
    narr__put_v(&p, (uint64_t)narr__clock_is_tsc);
    narr__put_v(&p, raw);
    narr__put_v(&p, mono);
    narr__put_v(&p, (uint64_t)(narr__clock_ns_per_tick() * 4294967296.0)); /* ns per tick, 32.32 */
    append(NARR_TB_CLOCK, &p);
    p.len = 0;
    narr__put_v(&p, mono);
    narr__put_v(&p, narr__clock_mono_to_real(mono));
    append(NARR_TB_CALIB, &p);
    narr__buf_free(&p);
}

int narr__recover_start(const char *d)
{
    narr__buf_t p = {0};
    uint32_t hdr[2] = {NARR_TRACE_VERSION, 0};
    const char *name = narr__program_name();
    if (d == NULL || d[0] == '\0') return 0;
    if (mkdir(d, 0755) != 0 && errno != EEXIST) return NARR_EIO;
    snprintf(dir, sizeof dir, "%s", d);
    snprintf(sites_path, sizeof sites_path, "%s/narrate-%ld.sites", dir, (long)getpid());
    sites_fd = open(sites_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (sites_fd < 0) return NARR_EIO;
    (void)narr__write_all(sites_fd, NARR_TRACE_MAGIC, 8);
    (void)narr__write_all(sites_fd, hdr, sizeof hdr);
    narr__put_v(&p, strlen(name));
    narr__buf_put(&p, name, strlen(name));
    append(NARR_TB_META, &p);
    narr__buf_free(&p);
    narr__recover_on = 1;
    narr__sites_describe_all(narr__recover_site); /* sites known before (a forked child's, say) */
    narr__recover_clock(1);
    return 0;
}

void narr__recover_site(const narr_site_t *s, uint32_t id)
{
    narr__buf_t p = {0};
    if (!narr__recover_on) return;
    narr__trace_site(&p, s, id, 1);
    append(NARR_TB_SITES, &p);
    narr__buf_free(&p);
}

size_t narr__recover_header_bytes(void)
{
    return (sizeof(narr__ring_full_t) + 4095u) & ~(size_t)4095u;
}

narr__ring_full_t *narr__recover_ring_new(size_t cap, uint32_t tid)
{
    size_t hdr = narr__recover_header_bytes(), len = hdr + cap + NARR_CFG_RING_SLACK;
    char path[sizeof dir + 64];
    narr__ring_full_t *rf;
    void *m;
    int fd;
    snprintf(path, sizeof path, "%s/narrate-%ld-%u.ring", dir, (long)getpid(), tid);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return NULL;
    if (ftruncate(fd, (off_t)len) != 0) {
        close(fd);
        unlink(path);
        return NULL;
    }
    m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        unlink(path);
        return NULL;
    }
    rf = m; /* fresh file pages are zero */
    memcpy(rf->file.magic, NARR__RING_FILE_MAGIC, 8);
    rf->file.pid = (uint32_t)getpid();
    rf->file.tid = tid;
    rf->file.header_bytes = (uint32_t)hdr;
    rf->file.mapped_bytes = len;
    rf->file.is_tsc = (uint32_t)narr__clock_is_tsc;
    snprintf(rf->file.path, sizeof rf->file.path, "%s", path);
    rf->r.buf = (unsigned char *)m + hdr;
    return rf;
}

void narr__recover_ring_free(narr__ring_full_t *rf)
{
    unlink(rf->file.path); /* delivered and written: nothing to recover */
    munmap(rf, rf->file.mapped_bytes);
}

/* A clean stop: every event was delivered and written, the files go. Rings of threads still
 * alive stay mapped (they may yet write a muted-out record) but lose their names. */
void narr__recover_stop(void)
{
    narr__ring_full_t *rf;
    if (!narr__recover_on) return;
    pthread_mutex_lock(&narr__rings_lock);
    for (rf = narr__rings; rf != NULL; rf = rf->next)
        if (rf->file.mapped_bytes) unlink(rf->file.path);
    pthread_mutex_unlock(&narr__rings_lock);
    pthread_mutex_lock(&file_lock);
    if (sites_fd >= 0) close(sites_fd);
    sites_fd = -1;
    unlink(sites_path);
    pthread_mutex_unlock(&file_lock);
    narr__recover_on = 0;
}
