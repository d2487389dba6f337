/* Functions whose names (or whole definitions) come from macros, as real projects write them:
 * a compressor's block functions generated per strategy (zstd's ZSTD_GEN_DFAST_FN), an X-macro
 * that writes two functions per error kind (QuickJS's JS_ERROR_MAP), a name a macro renames
 * (SQLite's '#define re_match sqlite3re_match'), and a macro that declares its own type before
 * its function. Each is traced under the name it has after expansion. */
// expect: compress_fast_4 fn_exit 1
// expect: compress_fast_5 fn_exit 1
// expect: compress_slow_6 fn_exit 1
// expect: throw_InternalError fn_exit 1
// expect: throw_RangeError fn_exit 1
// expect: sqlite3re_match fn_exit 1
// expect: num_get fn_exit 1
// expect-arg: compress_fast_4 fn_enter len 2
// expect-arg: num_get fn_exit result 7
#include <stdio.h>

typedef struct state { int x; } state_t;

#define GEN_BLOCK_FN(mode, n) \
    int compress_##mode##_##n(state_t *st, const char *src, int len); \
    int compress_##mode##_##n(state_t *st, const char *src, int len) \
    { return st->x + len * n + (src != 0); }

GEN_BLOCK_FN(fast, 4)
GEN_BLOCK_FN(fast, 5) GEN_BLOCK_FN(slow, 6)

#define ERROR_MAP(X) X(Internal, 1) X(Range, 2)
#define X(name, code) \
    int new_##name##Error(int v); \
    int throw_##name##Error(int v); \
    int new_##name##Error(int v) { return v + code; } \
    int throw_##name##Error(int v) { return new_##name##Error(v) * 2; }
ERROR_MAP(X)
#undef X

#define re_match sqlite3re_match
int re_match(const char *in, int n);
int re_match(const char *in, int n) { return n > 0 ? (int)in[0] : 0; }

#define DEF_BOX(T) typedef struct T##_box { int v; } T##_box; \
    static int T##_get(T##_box *b) { return b->v; }
DEF_BOX(num)

int main(void)
{
    state_t st = {1};
    num_box b = {7};
    printf("%d %d %d\n", compress_fast_4(&st, "a", 2), compress_fast_5(&st, 0, 3), compress_slow_6(&st, "x", 1));
    printf("%d %d %d %d\n", throw_InternalError(3), throw_RangeError(4), sqlite3re_match("abc", 1), num_get(&b));
    return 0;
}
