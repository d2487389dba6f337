int part_twice(int x);
int part_twice(int x) { return 2 * x; }
