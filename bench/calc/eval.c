/* bench/calc/eval.c - the tree evaluated, variables in an open-addressed hash table. */
#include <stdio.h>
#include <string.h>

#include "calc.h"

unsigned hash_name(const char *s)
{
    unsigned h = 2166136261u;
    while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

var *var_slot(env *e, const char *name)
{
    unsigned i = hash_name(name) & 255u, k;
    for (k = 0; k < 256; k++, i = (i + 1) & 255u) {
        var *v = &e->slots[i];
        if (!v->used || strcmp(v->name, name) == 0) return v;
    }
    return &e->slots[0];
}

long var_get(env *e, const char *name)
{
    var *v = var_slot(e, name);
    return v->used ? v->value : 0;
}

void var_set(env *e, const char *name, long value)
{
    var *v = var_slot(e, name);
    if (!v->used) {
        snprintf(v->name, sizeof v->name, "%s", name);
        v->used = 1;
    }
    v->value = value;
}

long op_pow(long a, long b)
{
    long r = 1;
    if (b < 0 || b > 62) return 0;
    while (b-- > 0) r = op_mul(r, a);
    return r;
}

long apply_op(char op, long a, long b)
{
    switch (op) {
    case '+': return op_add(a, b);
    case '-': return op_sub(a, b);
    case '*': return op_mul(a, b);
    case '/': return op_div(a, b);
    case '%': return op_mod(a, b);
    case '^': return op_pow(a, b);
    case '<': return op_lt(a, b);
    case '>': return op_gt(a, b);
    default: return 0;
    }
}

long fn_fib(long n)
{
    return n < 2 ? (n < 0 ? 0 : n) : fn_fib(n - 1) + fn_fib(n - 2);
}

long fn_gcd(long a, long b)
{
    return b == 0 ? fn_abs(a) : fn_gcd(b, a % b);
}

long fn_isqrt(long n)
{
    long lo = 0, hi = n < 3037000499L ? n : 3037000499L;
    if (n < 2) return n < 0 ? 0 : n;
    while (lo < hi) {
        long mid = lo + (hi - lo + 1) / 2;
        if (mid <= n / mid) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

long fn_collatz(long n)
{
    long steps = 0;
    n = fn_abs(n) % 1000 + 1;
    while (n != 1 && steps < 200) {
        n = n % 2 == 0 ? n / 2 : 3 * n + 1;
        steps++;
    }
    return steps;
}

long call_builtin(env *e, const char *name, const long *a, int n)
{
    e->calls++;
    if (strcmp(name, "fib") == 0 && n >= 1) return fn_fib(fn_min(a[0], 24));
    if (strcmp(name, "gcd") == 0 && n >= 2) return fn_gcd(a[0], a[1]);
    if (strcmp(name, "isqrt") == 0 && n >= 1) return fn_isqrt(a[0]);
    if (strcmp(name, "abs") == 0 && n >= 1) return fn_abs(a[0]);
    if (strcmp(name, "min") == 0 && n >= 2) return fn_min(a[0], a[1]);
    if (strcmp(name, "max") == 0 && n >= 2) return fn_max(a[0], a[1]);
    if (strcmp(name, "collatz") == 0 && n >= 1) return fn_collatz(a[0]);
    return 0;
}

long eval_call(env *e, const node *n)
{
    long args[3];
    int i;
    for (i = 0; i < n->nargs; i++) args[i] = eval(e, n->args[i]);
    return call_builtin(e, n->name, args, n->nargs);
}

long eval_bin(env *e, const node *n)
{
    long a = eval(e, n->a), b = eval(e, n->b);
    return apply_op(n->op, a, b);
}

long eval(env *e, const node *n)
{
    mix_work(n->num);
    switch (n->kind) {
    case N_NUM: return n->num;
    case N_VAR: return var_get(e, n->name);
    case N_BIN: return eval_bin(e, n);
    case N_NEG: return op_sub(0, eval(e, n->a));
    case N_CALL: return eval_call(e, n);
    case N_ASSIGN: {
        long v = eval(e, n->a);
        var_set(e, n->name, v);
        return v;
    }
    }
    return 0;
}
