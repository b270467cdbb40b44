#define _GNU_SOURCE
#include "shim_net.h"
#include <sched.h>

int cshim_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }
