#ifndef CSHIM_PROCESS_H
#define CSHIM_PROCESS_H
#include <sys/types.h>
#include <signal.h>

// prctl(2) is variadic; these are the calls the programs make.
int cshim_set_no_new_privs(void);
int cshim_get_no_new_privs(void);
int cshim_set_pdeathsig(int sig);
int cshim_set_keepcaps(int on);
int cshim_capbset_drop(int cap);
int cshim_cap_ambient_clear_all(void);
int cshim_set_name(const char *name);

// syscall(2) wrappers for calls glibc 2.36 may not wrap.
int cshim_pidfd_open(pid_t pid, unsigned int flags);
int cshim_pidfd_send_signal(int pidfd, int sig);

// daemon(3) without its Darwin deprecation: fork, setsid, chdir /, stdio to /dev/null.
int cshim_daemonize(void);
#endif
