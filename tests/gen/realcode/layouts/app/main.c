#include <stdio.h>
#include "layouts.h"

int main(void)
{
    printf("%d %d %s %zu %d %d\n", outside_scale(2), table_lookup(3), version_text(), version_len(), part_twice(4),
           late_add(5, 6));
    return 0;
}
