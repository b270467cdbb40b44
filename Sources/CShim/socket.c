#include "shim_socket.h"

size_t cshim_cmsg_space(size_t len) { return CMSG_SPACE(len); }
size_t cshim_cmsg_len(size_t len) { return CMSG_LEN(len); }
struct cmsghdr *cshim_cmsg_firsthdr(struct msghdr *msg) { return CMSG_FIRSTHDR(msg); }
struct cmsghdr *cshim_cmsg_nxthdr(struct msghdr *msg, struct cmsghdr *cmsg) { return CMSG_NXTHDR(msg, cmsg); }
unsigned char *cshim_cmsg_data(struct cmsghdr *cmsg) { return CMSG_DATA(cmsg); }
