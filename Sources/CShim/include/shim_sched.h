#ifndef CSHIM_SCHED_H
#define CSHIM_SCHED_H
#include <stdint.h>
// sched_setaffinity and the CPU_SET macros need _GNU_SOURCE, which Swift's
// Glibc import does not define: pin the calling process to these CPUs.
int cshim_set_cpu_affinity(const int *cpus, int count);

// sched_setattr/sched_getattr have no glibc wrapper (and syscall() is
// variadic): the calling thread's fair-class slice request in nanoseconds
// (EEVDF, Linux 6.12+), keeping its policy SCHED_OTHER and its nice value;
// children get the default slice (reset on fork).
// Returns 0, or -1 with errno. Kernels before 6.12 accept the call and
// ignore the slice: compare with the getter.
int cshim_set_fair_slice(uint64_t nanoseconds);
// The slice the kernel reports for the calling thread (its custom slice, or
// the default one; 0 from kernels that report none, or for a real-time
// thread), or -1 with errno.
int64_t cshim_get_fair_slice(void);
#endif
