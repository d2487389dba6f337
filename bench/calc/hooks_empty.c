/* bench/calc/hooks_empty.c - -finstrument-functions hooks that do nothing: the floor of
 * compiler-inserted instrumentation (what a tracer built on these hooks pays before it records). */
__attribute__((no_instrument_function)) void __cyg_profile_func_enter(void *fn, void *site);
__attribute__((no_instrument_function)) void __cyg_profile_func_exit(void *fn, void *site);
void __cyg_profile_func_enter(void *fn, void *site) { (void)fn, (void)site; }
void __cyg_profile_func_exit(void *fn, void *site) { (void)fn, (void)site; }
