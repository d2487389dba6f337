/* bench/calc/lex.c - characters to tokens. */
#include <string.h>

#include "calc.h"

void skip_space(lexer *lx)
{
    while (is_space(peek_char(lx))) take_char(lx);
}

long lex_number(lexer *lx)
{
    long v = 0;
    while (is_digit(peek_char(lx))) v = v * 10 + (take_char(lx) - '0');
    return v;
}

void lex_ident(lexer *lx, char *out, size_t cap)
{
    size_t n = 0;
    while (is_alnum(peek_char(lx))) {
        int c = take_char(lx);
        if (n + 1 < cap) out[n++] = (char)c;
    }
    out[n] = '\0';
}

token next_token(lexer *lx)
{
    token t;
    int c;
    memset(&t, 0, sizeof t);
    skip_space(lx);
    c = peek_char(lx);
    if (c == 0) {
        t.kind = T_END;
    } else if (is_digit(c)) {
        t.kind = T_NUM;
        t.num = lex_number(lx);
    } else if (is_alpha(c)) {
        t.kind = T_IDENT;
        lex_ident(lx, t.text, sizeof t.text);
    } else {
        take_char(lx);
        t.op = (char)c;
        t.kind = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN : c == ',' ? T_COMMA : c == ';' ? T_SEMI
               : c == '=' ? T_ASSIGN : T_OP;
    }
    return t;
}

void lexer_init(lexer *lx, const char *src, size_t len)
{
    lx->src = src;
    lx->pos = 0;
    lx->len = len;
    mix_work((long)lx->pos);
    lx->cur = next_token(lx);
}

void advance(lexer *lx)
{
    lx->cur = next_token(lx);
}

