/* A file that says where its code came from (#line, as parser generators write): __LINE__ and
 * __FILE__ after traced functions still follow it. Non-ASCII text before a function (© ü →)
 * does not move the generator's offsets. */
// expect: rule_a fn_exit 1
// expect: where fn_exit 1
#include <stdio.h>
#line 1000 "grammar.y"
int rule_a(int x) { return x + 1; }
/* © 2024 Ünïcode — “quoted” → */
int where(void) { return __LINE__; }
const char *file(void) { return __FILE__; }
int main(void) { printf("%d %d %s → done\n", rule_a(1), where(), file()); return 0; }
