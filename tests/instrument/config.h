/* forced on every file with -include (COMPILE_OPTIONS) */
#define BUFFER_SIZE 64
