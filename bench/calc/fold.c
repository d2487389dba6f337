/* bench/calc/fold.c - constant folding, the optimiser pass of the little language. */
#include <stdlib.h>

#include "calc.h"

static inline int is_const(const node *n) { return n != NULL && n->kind == N_NUM; }
static inline int foldable_op(char op) { return op == '+' || op == '-' || op == '*' || op == '<' || op == '>'; }

node *fold_bin(node *n)
{
    n->a = fold_node(n->a);
    n->b = fold_node(n->b);
    if (is_const(n->a) && is_const(n->b) && foldable_op(n->op)) {
        long v = apply_op(n->op, n->a->num, n->b->num);
        free_node(n->a);
        free_node(n->b);
        n->a = n->b = NULL;
        n->kind = N_NUM;
        n->num = v;
    }
    return n;
}

node *fold_neg(node *n)
{
    n->a = fold_node(n->a);
    if (is_const(n->a)) {
        long v = op_sub(0, n->a->num);
        free_node(n->a);
        n->a = NULL;
        n->kind = N_NUM;
        n->num = v;
    }
    return n;
}

node *fold_node(node *n)
{
    int i;
    if (n == NULL) return NULL;
    switch (n->kind) {
    case N_BIN: return fold_bin(n);
    case N_NEG: return fold_neg(n);
    case N_CALL:
        for (i = 0; i < n->nargs; i++) n->args[i] = fold_node(n->args[i]);
        return n;
    case N_ASSIGN: n->a = fold_node(n->a); return n;
    default: return n;
    }
}
