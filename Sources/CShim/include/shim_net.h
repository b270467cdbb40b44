#ifndef CSHIM_NET_H
#define CSHIM_NET_H
// Network headers Swift's Glibc module leaves out: rtnetlink (addresses,
// links), AF_PACKET (gratuitous ARP / NA frames) and the IPv6 packet-info
// structure, which glibc only declares under _GNU_SOURCE.
#include <stdint.h>
#include <netpacket/packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>

struct cshim_in6_pktinfo {
    uint8_t addr[16];
    uint32_t ifindex;
};

// setns(fd, CLONE_NEWNET) for the calling thread (glibc declares setns only
// under _GNU_SOURCE): tests make sockets inside the namespaces they create.
int cshim_setns_net(int fd);
#endif
