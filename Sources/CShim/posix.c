#define _GNU_SOURCE
#include "shim_posix.h"
#include <unistd.h>
#include <sys/syscall.h>

int cshim_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }
int cshim_close_range(unsigned int first, unsigned int last, int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}
