// Umbrella header: one small header per concern, for the few C macros and
// variadic functions Swift cannot call directly.
#ifndef CSHIM_H
#define CSHIM_H
#include "shim_process.h"
#include "shim_socket.h"
#include "shim_posix.h"
#include "shim_spawn.h"
#include "shim_linux.h"
#include "shim_net.h"
#include "shim_sched.h"
#include "shim_syslog.h"
#endif
