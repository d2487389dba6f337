int late_add(int a, int b);
int late_add(int a, int b) { return a + b; }
