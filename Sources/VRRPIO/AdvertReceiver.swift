// Receiving adverts: one raw socket per interface, family and IP protocol
// (112 VRRP, 51 AH), bound to the interface, joined to the multicast groups
// of the instances there. Instances are found by VRID afterwards.
//
// IPv4 raw sockets deliver the IP header, so TTL, source and destination
// come from it. IPv6 delivers the payload only: the source comes from
// recvmsg's address, the destination and hop limit from IPV6_PKTINFO and
// IPV6_HOPLIMIT control messages. IPV6_CHECKSUM is deliberately not set on
// the receiving socket: the kernel would drop bad checksums silently, and
// vrrpd counts them.
import CShim
import ConfigModel
import Glibc
import Posix
import VRRP

public final class AdvertReceiver {
    public let family: AddressFamily
    public let ipProtocol: UInt8
    public let interface: String
    public let interfaceIndex: Int32
    private let descriptor: Descriptor
    private var buffer = [UInt8](repeating: 0, count: 65536)
    private var control = [UInt8](repeating: 0, count: 256)
    private var joined: Set<IPAddress> = []

    public var fileDescriptor: Int32 { descriptor.rawValue }

    public init(family: AddressFamily, ipProtocol: UInt8, interface: String, interfaceIndex: Int32,
                receiveBufferSize: Int? = nil) throws(SysError) {
        self.family = family
        self.ipProtocol = ipProtocol
        self.interface = interface
        self.interfaceIndex = interfaceIndex
        let domain = family == .inet ? AF_INET : AF_INET6
        descriptor = try makeSocket(domain, Int32(SOCK_RAW.rawValue), Int32(ipProtocol),
                                    "\(family == .inet ? "AF_INET" : "AF_INET6"), SOCK_RAW, \(ipProtocol)")
        let fd = descriptor.rawValue
        try bindToDevice(fd, interface)
        if family == .inet {
            // Only the groups this socket joins, not every group of the host.
            try setOption(fd, Int32(IPPROTO_IP), IP_MULTICAST_ALL, Int32(0), "IP_MULTICAST_ALL")
        } else {
            try setOption(fd, Int32(IPPROTO_IPV6), IPV6_RECVPKTINFO, Int32(1), "IPV6_RECVPKTINFO")
            try setOption(fd, Int32(IPPROTO_IPV6), IPV6_RECVHOPLIMIT, Int32(1), "IPV6_RECVHOPLIMIT")
        }
        if let size = receiveBufferSize {
            try setOption(fd, SOL_SOCKET, SO_RCVBUF, Int32(size), "SO_RCVBUF")
        }
    }

    /// Joins a multicast group on this interface (once per group).
    public func join(_ group: IPAddress) throws(SysError) {
        guard group.isMulticast, !joined.contains(group) else { return }
        let fd = descriptor.rawValue
        switch group {
        case .v4(let g):
            var m = ip_mreqn()
            m.imr_multiaddr = g.inAddr
            m.imr_ifindex = interfaceIndex
            try setOption(fd, Int32(IPPROTO_IP), IP_ADD_MEMBERSHIP, m, "IP_ADD_MEMBERSHIP \(group)")
        case .v6(let g):
            var m = ipv6_mreq()
            m.ipv6mr_multiaddr = g.in6Addr
            m.ipv6mr_interface = UInt32(interfaceIndex)
            try setOption(fd, Int32(IPPROTO_IPV6), IPV6_ADD_MEMBERSHIP, m, "IPV6_ADD_MEMBERSHIP \(group)")
        }
        joined.insert(group)
    }

    /// The next queued packet; nil when none is waiting.
    public func receive() throws(SysError) -> InboundPacket? {
        let fd = descriptor.rawValue
        var from = sockaddr_in6()
        var iov = iovec()
        var msg = msghdr()
        let n = try sysNonBlocking("recvmsg(\(interface))") { () -> Int in
            buffer.withUnsafeMutableBytes { buf in
                control.withUnsafeMutableBytes { ctl in
                    withUnsafeMutablePointer(to: &from) { fromPtr in
                        withUnsafeMutablePointer(to: &iov) { iovPtr in
                            iovPtr.pointee.iov_base = buf.baseAddress
                            iovPtr.pointee.iov_len = buf.count
                            msg.msg_name = UnsafeMutableRawPointer(fromPtr)
                            msg.msg_namelen = socklen_t(MemoryLayout<sockaddr_in6>.size)
                            msg.msg_iov = iovPtr
                            msg.msg_iovlen = 1
                            msg.msg_control = ctl.baseAddress
                            msg.msg_controllen = ctl.count
                            return recvmsg(fd, &msg, 0)
                        }
                    }
                }
            }
        }
        guard let n else { return nil }
        // A slice of our buffer, not a copy: the packet is handled before the
        // next receive, so the buffer is ours alone again by then (no allocation).
        let bytes = buffer[0..<n]
        switch family {
        case .inet:
            return InboundPacket(family: .inet, received: bytes)
        case .inet6:
            var destination: IPAddress?
            var hopLimit: UInt8?
            control.withUnsafeMutableBytes { ctl in
                msg.msg_control = ctl.baseAddress
                var c = cshim_cmsg_firsthdr(&msg)
                while let h = c {
                    if h.pointee.cmsg_level == IPPROTO_IPV6, let data = cshim_cmsg_data(h) {
                        if h.pointee.cmsg_type == IPV6_PKTINFO {
                            let info = UnsafeRawPointer(data).loadUnaligned(as: cshim_in6_pktinfo.self)
                            destination = withUnsafeBytes(of: info.addr) { IPv6Address(bytes: $0).map(IPAddress.v6) }
                        } else if h.pointee.cmsg_type == IPV6_HOPLIMIT {
                            let hl = UnsafeRawPointer(data).loadUnaligned(as: Int32.self)
                            hopLimit = UInt8(clamping: hl)
                        }
                    }
                    c = cshim_cmsg_nxthdr(&msg, h)
                }
            }
            let source = withUnsafeBytes(of: from.sin6_addr) { IPv6Address(bytes: $0).map(IPAddress.v6) }
            return InboundPacket(family: .inet6, received: bytes, source: source, destination: destination,
                                 hopLimit: hopLimit)
        }
    }
}
