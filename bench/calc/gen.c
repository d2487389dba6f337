/* bench/calc/gen.c - the program text the benchmark parses and runs, from a seed. */
#include <stdio.h>
#include <string.h>

#include "calc.h"

unsigned next_rand(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

int rand_below(unsigned *state, int n)
{
    mix_work(n);
    return (int)(next_rand(state) % (unsigned)n);
}

size_t put_str(char *out, size_t at, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (at + n < cap) memcpy(out + at, s, n);
    return at + n < cap ? at + n : at;
}

size_t put_num(char *out, size_t at, size_t cap, long v)
{
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%ld", v);
    return put_str(out, at, cap, tmp);
}

size_t gen_expr(char *out, size_t at, size_t cap, unsigned *st, int depth, int fib_n)
{
    static const char *const fns[] = {"gcd", "isqrt", "abs", "min", "max", "collatz"};
    static const char ops[] = "+-*%<>";
    int r = depth <= 0 ? rand_below(st, 2) : rand_below(st, 7);
    char v[8];
    switch (r) {
    case 0: return put_num(out, at, cap, rand_below(st, 1000));
    case 1:
        snprintf(v, sizeof v, "x%d", rand_below(st, 16));
        return put_str(out, at, cap, v);
    case 2:
        at = put_str(out, at, cap, "fib(");
        at = put_num(out, at, cap, fib_n > 0 ? rand_below(st, fib_n + 1) : 1);
        return put_str(out, at, cap, ")");
    case 3: {
        const char *f = fns[rand_below(st, 6)];
        at = put_str(out, at, cap, f);
        at = put_str(out, at, cap, "(");
        at = gen_expr(out, at, cap, st, depth - 1, fib_n);
        if (strcmp(f, "isqrt") != 0 && strcmp(f, "abs") != 0 && strcmp(f, "collatz") != 0) {
            at = put_str(out, at, cap, ", ");
            at = gen_expr(out, at, cap, st, depth - 1, fib_n);
        }
        return put_str(out, at, cap, ")");
    }
    case 4:
        at = put_str(out, at, cap, "-(");
        at = gen_expr(out, at, cap, st, depth - 1, fib_n);
        return put_str(out, at, cap, ")");
    default: {
        char op[4] = {' ', ops[rand_below(st, 6)], ' ', 0};
        at = put_str(out, at, cap, "(");
        at = gen_expr(out, at, cap, st, depth - 1, fib_n);
        at = put_str(out, at, cap, op);
        at = gen_expr(out, at, cap, st, depth - 1, fib_n);
        return put_str(out, at, cap, ")");
    }
    }
}

size_t gen_program(char *out, size_t cap, unsigned seed, int statements, int fib_n)
{
    size_t at = 0;
    int i;
    char v[8];
    for (i = 0; i < statements; i++) {
        snprintf(v, sizeof v, "x%d", rand_below(&seed, 16));
        at = put_str(out, at, cap, v);
        at = put_str(out, at, cap, " = ");
        at = gen_expr(out, at, cap, &seed, 4, fib_n);
        at = put_str(out, at, cap, ";\n");
    }
    if (at < cap) out[at] = '\0';
    return at;
}

long run_program(env *e, const char *src, size_t len, int prints)
{
    lexer lx;
    long last = 0;
    lexer_init(&lx, src, len);
    while (lx.cur.kind != T_END) {
        char text[512];
        node *n = parse_stmt(&lx);
        size_t len = 0;
        int k;
        for (k = 0; k < prints; k++) { /* as written: a formatter's, a logger's, a debugger's view */
            len = print_node(text, 0, sizeof text, n);
            e->printed ^= text_hash(text, len) + (uint64_t)k;
        }
        n = fold_node(n);
        len = print_node(text, 0, sizeof text, n); /* as optimised */
        e->printed += text_hash(text, len);
        last = eval(e, n);
        free_node(n);
    }
    return last;
}

uint64_t checksum(const env *e)
{
    uint64_t h = 1469598103934665603u;
    int i;
    for (i = 0; i < 256; i++)
        if (e->slots[i].used) h = (h ^ (uint64_t)e->slots[i].value) * 1099511628211u;
    return h;
}
