#ifndef CSHIM_POSIX_H
#define CSHIM_POSIX_H
#include <sys/types.h>

// Calls glibc declares only under _GNU_SOURCE, which Swift's Glibc module
// does not define.
int cshim_pipe2(int fds[2], int flags);
int cshim_close_range(unsigned int first, unsigned int last, int flags);
int cshim_setresuid(uid_t r, uid_t e, uid_t s);
int cshim_setresgid(gid_t r, gid_t e, gid_t s);
// malloc.h is not in Swift's Glibc module: gives freed heap pages back to the kernel.
int cshim_malloc_trim(size_t pad);
// Drops the mappings of loaded code and constants (see posix.c); returns the bytes released.
size_t cshim_release_program_text(void);
// Opens /proc/self/pagemap for it (before giving up root); -1 when it cannot.
int cshim_open_pagemap(void);
// Drops the main thread's stack pages below the caller (see posix.c); returns the bytes released.
size_t cshim_release_stack(void);
// For tests: uses `depth` frames of 4 KB of stack.
void cshim_touch_stack(unsigned depth);
#endif
