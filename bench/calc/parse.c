/* bench/calc/parse.c - tokens to a tree, by recursive descent. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "calc.h"

node *new_node(node_kind kind)
{
    node *n = calloc(1, sizeof *n);
    if (n == NULL) abort();
    n->kind = kind;
    return n;
}

node *num_node(long v)
{
    node *n = new_node(N_NUM);
    n->num = v;
    return n;
}

node *var_node(const char *name)
{
    node *n = new_node(N_VAR);
    snprintf(n->name, sizeof n->name, "%s", name);
    return n;
}

node *bin_node(char op, node *a, node *b)
{
    node *n = new_node(N_BIN);
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

node *parse_call(lexer *lx, const char *name)
{
    node *n = new_node(N_CALL);
    snprintf(n->name, sizeof n->name, "%s", name);
    advance(lx); /* ( */
    while (lx->cur.kind != T_RPAREN && lx->cur.kind != T_END) {
        node *a = parse_expr(lx);
        if (n->nargs < 3) n->args[n->nargs++] = a;
        else free_node(a);
        if (lx->cur.kind == T_COMMA) advance(lx);
    }
    advance(lx); /* ) */
    return n;
}

node *parse_primary(lexer *lx)
{
    token t = lx->cur;
    if (t.kind == T_NUM) {
        advance(lx);
        return num_node(t.num);
    }
    if (t.kind == T_IDENT) {
        advance(lx);
        if (lx->cur.kind == T_LPAREN) return parse_call(lx, t.text);
        return var_node(t.text);
    }
    if (t.kind == T_LPAREN) {
        node *n;
        advance(lx);
        n = parse_expr(lx);
        advance(lx); /* ) */
        return n;
    }
    advance(lx);
    return num_node(0);
}

node *parse_unary(lexer *lx)
{
    if (at_op(lx, '-')) {
        node *n = new_node(N_NEG);
        advance(lx);
        n->a = parse_unary(lx);
        return n;
    }
    return parse_primary(lx);
}

node *parse_power(lexer *lx)
{
    node *a = parse_unary(lx);
    if (at_op(lx, '^')) {
        advance(lx);
        return bin_node('^', a, parse_power(lx));
    }
    return a;
}

node *parse_term(lexer *lx)
{
    node *a = parse_power(lx);
    while (at_op(lx, '*') || at_op(lx, '/') || at_op(lx, '%')) {
        char op = lx->cur.op;
        advance(lx);
        a = bin_node(op, a, parse_power(lx));
    }
    return a;
}

node *parse_sum(lexer *lx)
{
    node *a = parse_term(lx);
    while (at_op(lx, '+') || at_op(lx, '-')) {
        char op = lx->cur.op;
        advance(lx);
        a = bin_node(op, a, parse_term(lx));
    }
    return a;
}

node *parse_cmp(lexer *lx)
{
    node *a = parse_sum(lx);
    while (at_op(lx, '<') || at_op(lx, '>')) {
        char op = lx->cur.op;
        advance(lx);
        a = bin_node(op, a, parse_sum(lx));
    }
    return a;
}

node *parse_expr(lexer *lx)
{
    return parse_cmp(lx);
}

node *parse_stmt(lexer *lx)
{
    node *n;
    if (lx->cur.kind == T_IDENT) {
        lexer save = *lx;
        token name = lx->cur;
        advance(lx);
        if (lx->cur.kind == T_ASSIGN) {
            advance(lx);
            n = new_node(N_ASSIGN);
            snprintf(n->name, sizeof n->name, "%s", name.text);
            n->a = parse_expr(lx);
            if (lx->cur.kind == T_SEMI) advance(lx);
            return n;
        }
        *lx = save;
    }
    n = parse_expr(lx);
    if (lx->cur.kind == T_SEMI) advance(lx);
    return n;
}

void free_node(node *n)
{
    int i;
    if (n == NULL) return;
    mix_work(n->num);
    free_node(n->a);
    free_node(n->b);
    for (i = 0; i < n->nargs; i++) free_node(n->args[i]);
    free(n);
}

int count_nodes(const node *n)
{
    int i, c;
    if (n == NULL) return 0;
    c = 1 + count_nodes(n->a) + count_nodes(n->b);
    for (i = 0; i < n->nargs; i++) c += count_nodes(n->args[i]);
    return c;
}
