#ifndef CSHIM_SCHED_H
#define CSHIM_SCHED_H
// sched_setaffinity and the CPU_SET macros need _GNU_SOURCE, which Swift's
// Glibc import does not define: pin the calling process to these CPUs.
int cshim_set_cpu_affinity(const int *cpus, int count);
#endif
