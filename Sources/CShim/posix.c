#define _GNU_SOURCE
#include "shim_posix.h"
#include <unistd.h>
#include <sys/syscall.h>

int cshim_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }
int cshim_close_range(unsigned int first, unsigned int last, int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}
int cshim_setresuid(uid_t r, uid_t e, uid_t s) { return setresuid(r, e, s); }
int cshim_setresgid(gid_t r, gid_t e, gid_t s) { return setresgid(r, e, s); }

#include <malloc.h>
int cshim_malloc_trim(size_t pad) { return malloc_trim(pad); }
