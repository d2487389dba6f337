/* e2e program: a few traced functions across two files. */
#ifndef SHAPES_H
#define SHAPES_H

typedef struct rect { int w; int h; } rect_t;
enum unit { UNIT_MM, UNIT_CM };

int area(rect_t r);
long total_area(const rect_t *rs, int n, enum unit u);
int parse_size(const char *text);

#endif
