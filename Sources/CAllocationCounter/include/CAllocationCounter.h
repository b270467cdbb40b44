#ifndef CALLOCATION_COUNTER_H
#define CALLOCATION_COUNTER_H
// BENCHMARK-ONLY (linked into vrrp-alloc-probe, never into a shipped program):
// counts the calling thread's heap allocations (malloc, calloc, realloc,
// posix_memalign, aligned_alloc, memalign) while counting is on. The
// functions are interposed over glibc's and forward to its __libc_ ones.
#include <stdint.h>
void alloc_counter_start(void);
uint64_t alloc_counter_stop(void);
#endif
