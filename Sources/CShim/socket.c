#define _GNU_SOURCE
#include "shim_socket.h"

size_t cshim_cmsg_space(size_t len) { return CMSG_SPACE(len); }
size_t cshim_cmsg_len(size_t len) { return CMSG_LEN(len); }
struct cmsghdr *cshim_cmsg_firsthdr(struct msghdr *msg) { return CMSG_FIRSTHDR(msg); }
struct cmsghdr *cshim_cmsg_nxthdr(struct msghdr *msg, struct cmsghdr *cmsg) { return CMSG_NXTHDR(msg, cmsg); }
unsigned char *cshim_cmsg_data(struct cmsghdr *cmsg) { return CMSG_DATA(cmsg); }

int cshim_accept4(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }
int cshim_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred c;
    socklen_t len = sizeof c;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len) == -1) return -1;
    *pid = c.pid;
    *uid = c.uid;
    *gid = c.gid;
    return 0;
}
