/* Must not compile: 19 format arguments is more than one event holds. The error must name the
 * limit (tests/CMakeLists.txt: compile.too_many), not "macro passed 23 arguments". */
#include <narrate/narrate.h>
int main(void)
{
    int a = 1;
    NARR_INFO("t", "x", "tg", "%d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", a, a, a, a, a, a, a, a, a, a,
              a, a, a, a, a, a, a, a, a);
    return 0;
}
