#ifndef CSHIM_SOCKET_H
#define CSHIM_SOCKET_H
#include <sys/socket.h>
#include <stddef.h>
#include <sys/types.h>

// CMSG_* are macros; Swift cannot import them.
size_t cshim_cmsg_space(size_t len);
size_t cshim_cmsg_len(size_t len);
struct cmsghdr *cshim_cmsg_firsthdr(struct msghdr *msg);
struct cmsghdr *cshim_cmsg_nxthdr(struct msghdr *msg, struct cmsghdr *cmsg);
unsigned char *cshim_cmsg_data(struct cmsghdr *cmsg);

// Under _GNU_SOURCE only: accept4(2) and SO_PEERCRED's struct ucred.
int cshim_accept4(int fd, int flags);
int cshim_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);
#endif
