/* dlclose of an instrumented shared object: its events recorded before the unload are all
 * delivered; afterwards the runtime never touches its (unmapped) call sites, even when the
 * filter changes and every site is resolved again; loading it again works.
 * usage: dso_host PLUGIN.so */
#include <dlfcn.h>
#include <stdio.h>

#include <narrate/capture.h>
#include <narrate/narrate.h>

#include "../unit/check.h"

static int run_plugin(const char *path, int n)
{
    int (*work)(int);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return -1;
    }
    *(void **)&work = dlsym(h, "plugin_work");
    if (work == NULL) return -1;
    work(n);
    return dlclose(h);
}

int main(int argc, char **argv)
{
    narr_config_t cfg = {0};
    narr_capture_t *c;
    cfg.outputs = "none";
    CHECK_EQ_INT(narr_init(&cfg), 0);
    c = narr_capture_begin(NARR_CAPTURE_ALL);
    CHECK_EQ_INT(run_plugin(argv[1], 500), 0); /* recorded, then unloaded at once */
    CHECK_EQ_INT(narr_capture_count_matching(c, "plugin", "work", NULL), 500);
    CHECK_EQ_INT(narr_capture_count_matching(c, "plugin", "done", NULL), 1);
    CHECK_EQ_INT(narr_filter_set("info"), 0); /* re-resolves every site: the plugin's are gone */
    CHECK_EQ_INT(narr_filter_set("trace"), 0);
    NARR_INFO("host", "after", "h", "host still records");
    CHECK_EQ_INT(run_plugin(argv[1], 300), 0); /* loaded again: its sites register anew */
    CHECK_EQ_INT(narr_capture_count_matching(c, "plugin", "work", NULL), 800);
    CHECK_EQ_INT(narr_capture_count_matching(c, "host", "after", NULL), 1);
    narr_capture_end(c);
    CHECK_EQ_INT(narr_shutdown(), 0);
    return CHECK_DONE();
}
