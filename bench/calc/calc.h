/* bench/calc/calc.h - a small expression language, the call-heavy program of the benchmarks:
 * a lexer, a recursive-descent parser, a tree-walking evaluator with variables in a hash table
 * and a few built-in functions (fib, gcd, isqrt, ...). Dozens of small functions, each called
 * millions of times: what a real interpreter or parser looks like to a tracer. */
#ifndef CALC_H
#define CALC_H

#include <stddef.h>
#include <stdint.h>

typedef enum { T_NUM, T_IDENT, T_OP, T_LPAREN, T_RPAREN, T_COMMA, T_SEMI, T_ASSIGN, T_END } tok_kind;
typedef struct token { tok_kind kind; long num; char text[16]; char op; } token;
typedef struct lexer { const char *src; size_t pos, len; token cur; } lexer;

typedef enum { N_NUM, N_VAR, N_BIN, N_NEG, N_CALL, N_ASSIGN } node_kind;
typedef struct node {
    node_kind kind;
    long num;
    char name[16];
    char op;
    struct node *a, *b;
    struct node *args[3];
    int nargs;
} node;

typedef struct var { char name[16]; long value; int used; } var;
typedef struct env { var slots[256]; long calls; uint64_t printed; } env;

/* character classes: inline in every build (a real lexer's macros), never traced */
static inline int is_space(int c) { return c == ' ' || c == '\n' || c == '\t'; }
static inline int is_digit(int c) { return c >= '0' && c <= '9'; }
static inline int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static inline int is_alnum(int c) { return is_alpha(c) || is_digit(c); }
static inline int peek_char(const lexer *lx) { return lx->pos < lx->len ? (unsigned char)lx->src[lx->pos] : 0; }
static inline int take_char(lexer *lx) { int c = peek_char(lx); if (c != 0) lx->pos++; return c; }

/* WORK rounds of untraced arithmetic in each call of a few busy functions (advance, eval,
 * free_node, print_node, rand_below; main's 4th argument): the knob that makes calls sparser,
 * so the benchmark can also show a program calling every 50-100 ns */
extern int calc_work;
extern uint64_t calc_mixed;
static inline void mix_work(long v)
{
    uint64_t h = calc_mixed;
    int r;
    for (r = calc_work; r > 0; r--) h = (h ^ (uint64_t)v) * 0x100000001b3ull + (uint64_t)r;
    calc_mixed = h;
}

/* the smallest helpers: inline in every build, as such helpers usually are */
static inline int at_op(const lexer *lx, char op) { return lx->cur.kind == T_OP && lx->cur.op == op; }
static inline size_t print_char(char *out, size_t at, size_t cap, char c) { if (at + 1 < cap) out[at++] = c; return at; }
static inline long op_add(long a, long b) { return (long)((unsigned long)a + (unsigned long)b); }
static inline long op_sub(long a, long b) { return (long)((unsigned long)a - (unsigned long)b); }
static inline long op_mul(long a, long b) { return (long)((unsigned long)a * (unsigned long)b); }
static inline long op_div(long a, long b) { return b == 0 || (b == -1 && a < 0 && a == -a) ? 0 : b == -1 ? -a : a / b; }
static inline long op_mod(long a, long b) { return b == 0 || b == -1 ? 0 : a % b; }
static inline long op_lt(long a, long b) { return a < b; }
static inline long op_gt(long a, long b) { return a > b; }
static inline long fn_abs(long n) { return n < 0 ? (long)(0ul - (unsigned long)n) : n; }
static inline long fn_min(long a, long b) { return a < b ? a : b; }
static inline long fn_max(long a, long b) { return a > b ? a : b; }

/* lex.c */
void skip_space(lexer *lx);
long lex_number(lexer *lx);
void lex_ident(lexer *lx, char *out, size_t cap);
token next_token(lexer *lx);
void lexer_init(lexer *lx, const char *src, size_t len);
void advance(lexer *lx);

/* parse.c */
node *new_node(node_kind kind);
node *num_node(long v);
node *var_node(const char *name);
node *bin_node(char op, node *a, node *b);
node *parse_primary(lexer *lx);
node *parse_call(lexer *lx, const char *name);
node *parse_unary(lexer *lx);
node *parse_power(lexer *lx);
node *parse_term(lexer *lx);
node *parse_sum(lexer *lx);
node *parse_cmp(lexer *lx);
node *parse_expr(lexer *lx);
node *parse_stmt(lexer *lx);
void free_node(node *n);
int count_nodes(const node *n);

/* eval.c */
unsigned hash_name(const char *s);
var *var_slot(env *e, const char *name);
long var_get(env *e, const char *name);
void var_set(env *e, const char *name, long v);
long apply_op(char op, long a, long b);
long op_pow(long a, long b);
long fn_fib(long n);
long fn_gcd(long a, long b);
long fn_isqrt(long n);
long fn_collatz(long n);
long call_builtin(env *e, const char *name, const long *args, int n);
long eval(env *e, const node *n);
long eval_bin(env *e, const node *n);
long eval_call(env *e, const node *n);

/* print.c */
size_t print_num(char *out, size_t at, size_t cap, long v);
size_t print_name(char *out, size_t at, size_t cap, const char *name);
size_t print_call(char *out, size_t at, size_t cap, const node *n);
size_t print_bin(char *out, size_t at, size_t cap, const node *n);
size_t print_node(char *out, size_t at, size_t cap, const node *n);
uint64_t text_hash(const char *s, size_t n);

/* fold.c */
node *fold_bin(node *n);
node *fold_neg(node *n);
node *fold_node(node *n);

/* gen.c: the program the benchmark runs */
size_t gen_program(char *out, size_t cap, unsigned seed, int statements, int fib_n);
unsigned next_rand(unsigned *state);
int rand_below(unsigned *state, int n);
size_t put_str(char *out, size_t at, size_t cap, const char *s);
size_t put_num(char *out, size_t at, size_t cap, long v);
size_t gen_expr(char *out, size_t at, size_t cap, unsigned *st, int depth, int fib_n);
long run_program(env *e, const char *src, size_t len, int prints);
uint64_t checksum(const env *e);

#endif
