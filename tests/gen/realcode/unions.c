/* Unions by value: the member that holds the value may not be the char * or the bool, so a
 * union's strings are recorded as addresses and its bools as bytes; anonymous members too. */
// cflags: -fsanitize=undefined -fno-sanitize-recover=all
// expect-arg: cell_value fn_enter c.n 2
// expect-arg: outer_sum fn_enter o.x 2
#include <stdio.h>
#include <stdbool.h>
union cell { bool flag; int n; const char *name; };
struct outer { int kind; union { int i; const char *s; }; struct { int x, y; }; };
int cell_value(union cell c) { return c.n; }
int outer_sum(struct outer o) { return o.kind + o.x + o.y + o.i; }
int main(void) { union cell c = {.n = 2}; struct outer o = {.kind = 1, .i = 5, .x = 2, .y = 3}; printf("%d %d\n", cell_value(c), outer_sum(o)); return 0; }
