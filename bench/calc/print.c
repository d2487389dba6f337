/* bench/calc/print.c - the tree back to text (what a formatter or a debugger's printer does). */
#include <stdio.h>
#include <string.h>

#include "calc.h"

size_t print_num(char *out, size_t at, size_t cap, long v)
{
    int n = snprintf(out + at, at < cap ? cap - at : 0, "%ld", v);
    return n > 0 && at + (size_t)n < cap ? at + (size_t)n : at;
}

size_t print_name(char *out, size_t at, size_t cap, const char *name)
{
    int n = snprintf(out + at, at < cap ? cap - at : 0, "%s", name);
    return n > 0 && at + (size_t)n < cap ? at + (size_t)n : at;
}

size_t print_call(char *out, size_t at, size_t cap, const node *n)
{
    int i;
    at = print_name(out, at, cap, n->name);
    at = print_char(out, at, cap, '(');
    for (i = 0; i < n->nargs; i++) {
        if (i > 0) at = print_char(out, at, cap, ',');
        at = print_node(out, at, cap, n->args[i]);
    }
    return print_char(out, at, cap, ')');
}

size_t print_bin(char *out, size_t at, size_t cap, const node *n)
{
    at = print_char(out, at, cap, '(');
    at = print_node(out, at, cap, n->a);
    at = print_char(out, at, cap, n->op);
    at = print_node(out, at, cap, n->b);
    return print_char(out, at, cap, ')');
}

size_t print_node(char *out, size_t at, size_t cap, const node *n)
{
    mix_work(n->num);
    switch (n->kind) {
    case N_NUM: return print_num(out, at, cap, n->num);
    case N_VAR: return print_name(out, at, cap, n->name);
    case N_BIN: return print_bin(out, at, cap, n);
    case N_NEG:
        at = print_char(out, at, cap, '-');
        return print_node(out, at, cap, n->a);
    case N_CALL: return print_call(out, at, cap, n);
    case N_ASSIGN:
        at = print_name(out, at, cap, n->name);
        at = print_char(out, at, cap, '=');
        return print_node(out, at, cap, n->a);
    }
    return at;
}

uint64_t text_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}
