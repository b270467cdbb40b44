#ifndef CSHIM_SPAWN_H
#define CSHIM_SPAWN_H
#include <stdint.h>
#include <sys/types.h>

// fork + set-up + execve in C, so nothing between fork and exec runs Swift
// code or allocates. Every step's failure is reported back through a
// close-on-exec pipe as (stage, errno).
struct cshim_spawn_spec {
    const char *path;
    char *const *argv;
    char *const *envp;
    // The child's descriptor i is a copy of fds[i] (-1: /dev/null), for
    // i < nfds; every descriptor >= nfds is closed.
    const int *fds;
    int nfds;
    // Change to uid/gid/groups (all of real, effective, saved).
    int set_ids;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    int ngroups;
    // After the id change: permitted = effective = inheritable = ambient = caps
    // (a bit mask of CAP_* numbers), so the program keeps exactly these across exec.
    uint64_t caps;
    // Reduce the bounding set to `caps` (needs CAP_SETPCAP).
    int limit_bounding;
    // setpgid(0, 0): the child leads its own process group.
    int new_process_group;
    // Signal sent to the child when the spawning process dies (0: none).
    int parent_death_signal;
    // chdir() here before exec (NULL: "/").
    const char *cwd;
};

enum cshim_spawn_stage {
    CSHIM_STAGE_NONE = 0, CSHIM_STAGE_PIPE, CSHIM_STAGE_FORK, CSHIM_STAGE_SIGNALS, CSHIM_STAGE_PGROUP,
    CSHIM_STAGE_FDS, CSHIM_STAGE_BOUNDING, CSHIM_STAGE_KEEPCAPS, CSHIM_STAGE_GROUPS, CSHIM_STAGE_GID,
    CSHIM_STAGE_UID, CSHIM_STAGE_CAPS, CSHIM_STAGE_AMBIENT, CSHIM_STAGE_DEATHSIG, CSHIM_STAGE_CWD,
    CSHIM_STAGE_EXEC,
};

// Returns the child's pid, or -1 with *stage and *err describing what failed
// (in the parent or in the child before exec; a failed child is reaped).
pid_t cshim_spawn(const struct cshim_spawn_spec *spec, int *stage, int *err);
#endif
