#define _GNU_SOURCE
#include "shim_spawn.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static void fail(int pipe_fd, int stage) {
    int report[2] = { stage, errno };
    ssize_t r = write(pipe_fd, report, sizeof report);
    (void)r;
    _exit(127);
}

static void child(const struct cshim_spawn_spec *s, int pipe_fd) {
    // Blocked signals and ignored dispositions survive exec; the parent blocks
    // the signals it reads through a signalfd, so undo all of that.
    sigset_t all;
    sigemptyset(&all);
    if (sigprocmask(SIG_SETMASK, &all, NULL) == -1) fail(pipe_fd, CSHIM_STAGE_SIGNALS);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        signal(sig, SIG_DFL);
    }
    if (s->new_process_group && setpgid(0, 0) == -1) fail(pipe_fd, CSHIM_STAGE_PGROUP);

    // Move every wanted descriptor above the target range first, so a source
    // that is itself a target number is not overwritten before it is copied.
    int high[64];
    if (s->nfds < 0 || s->nfds > 64) { errno = EINVAL; fail(pipe_fd, CSHIM_STAGE_FDS); }
    int floor = s->nfds > pipe_fd + 1 ? s->nfds : pipe_fd + 1;
    for (int i = 0; i < s->nfds; i++) {
        int src = s->fds[i];
        if (src < 0) {
            src = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (src == -1) fail(pipe_fd, CSHIM_STAGE_FDS);
        }
        high[i] = fcntl(src, F_DUPFD_CLOEXEC, floor);
        if (high[i] == -1) fail(pipe_fd, CSHIM_STAGE_FDS);
    }
    // The error pipe must survive until exec: keep it above the target range.
    if (pipe_fd < s->nfds) {
        int moved = fcntl(pipe_fd, F_DUPFD_CLOEXEC, floor);
        if (moved == -1) fail(pipe_fd, CSHIM_STAGE_FDS);
        pipe_fd = moved;
    }
    for (int i = 0; i < s->nfds; i++) {
        if (dup2(high[i], i) == -1) fail(pipe_fd, CSHIM_STAGE_FDS);
    }
    // Close everything else; the error pipe (>= nfds here) stays until exec
    // closes it, so a failure after this point can still be reported.
    unsigned int first = (unsigned int)s->nfds, keep = (unsigned int)pipe_fd;
    if (keep > first && syscall(SYS_close_range, first, keep - 1, 0) == -1) fail(pipe_fd, CSHIM_STAGE_FDS);
    if (syscall(SYS_close_range, keep + 1, ~0U, 0) == -1) fail(pipe_fd, CSHIM_STAGE_FDS);

    if (s->limit_bounding) {
        for (int cap = 0; cap < 64; cap++) {
            if (s->caps & (1ULL << cap)) continue;
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
                if (errno == EINVAL) break;  // past the kernel's last capability
                fail(pipe_fd, CSHIM_STAGE_BOUNDING);
            }
        }
    }
    if (s->set_ids) {
        if (s->caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) fail(pipe_fd, CSHIM_STAGE_KEEPCAPS);
        if (setgroups((size_t)s->ngroups, s->groups) == -1) fail(pipe_fd, CSHIM_STAGE_GROUPS);
        if (setresgid(s->gid, s->gid, s->gid) == -1) fail(pipe_fd, CSHIM_STAGE_GID);
        if (setresuid(s->uid, s->uid, s->uid) == -1) fail(pipe_fd, CSHIM_STAGE_UID);
    }
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    for (int k = 0; k < 2; k++) {
        uint32_t bits = (uint32_t)(s->caps >> (32 * k));
        data[k].effective = bits;
        data[k].permitted = bits;
        data[k].inheritable = bits;
    }
    if (syscall(SYS_capset, &header, data) == -1) fail(pipe_fd, CSHIM_STAGE_CAPS);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1) fail(pipe_fd, CSHIM_STAGE_AMBIENT);
    for (int cap = 0; cap < 64; cap++) {
        if (!(s->caps & (1ULL << cap))) continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) == -1) fail(pipe_fd, CSHIM_STAGE_AMBIENT);
    }
    if (s->parent_death_signal && prctl(PR_SET_PDEATHSIG, s->parent_death_signal, 0, 0, 0) == -1)
        fail(pipe_fd, CSHIM_STAGE_DEATHSIG);
    if (chdir(s->cwd ? s->cwd : "/") == -1) fail(pipe_fd, CSHIM_STAGE_CWD);
    execve(s->path, s->argv, s->envp);
    fail(pipe_fd, CSHIM_STAGE_EXEC);
}

pid_t cshim_spawn(const struct cshim_spawn_spec *spec, int *stage, int *err) {
    int p[2];
    *stage = CSHIM_STAGE_NONE;
    *err = 0;
    if (pipe2(p, O_CLOEXEC) == -1) { *stage = CSHIM_STAGE_PIPE; *err = errno; return -1; }
    pid_t pid = fork();
    if (pid == -1) {
        *stage = CSHIM_STAGE_FORK;
        *err = errno;
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        child(spec, p[1]);
    }
    close(p[1]);
    int report[2];
    ssize_t n;
    do { n = read(p[0], report, sizeof report); } while (n == -1 && errno == EINTR);
    close(p[0]);
    if (n == (ssize_t)sizeof report) {
        int status;
        while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {}
        *stage = report[0];
        *err = report[1];
        return -1;
    }
    return pid;
}
