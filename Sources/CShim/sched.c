#define _GNU_SOURCE
#include "shim_sched.h"
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int cshim_set_cpu_affinity(const int *cpus, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE) CPU_SET(cpus[i], &set);
    }
    return sched_setaffinity(0, sizeof(set), &set);
}

// The kernel's struct sched_attr (SCHED_ATTR_SIZE_VER1, 56 bytes).
struct cshim_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};

int cshim_set_fair_slice(uint64_t nanoseconds) {
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    if (nice == -1 && errno != 0) return -1;
    struct cshim_sched_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.sched_policy = SCHED_OTHER;
    // SCHED_FLAG_RESET_ON_FORK: children (kaconf, scripts) start with the default slice.
    a.sched_flags = 0x01;
    a.sched_nice = nice;
    a.sched_runtime = nanoseconds;
    return (int)syscall(SYS_sched_setattr, 0, &a, 0);
}

int64_t cshim_get_fair_slice(void) {
    struct cshim_sched_attr a;
    memset(&a, 0, sizeof a);
    if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) != 0) return -1;
    if (a.sched_policy != SCHED_OTHER) return 0;
    return (int64_t)a.sched_runtime;
}
