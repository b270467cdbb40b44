// Sending adverts on one interface. IPv4: IP_HDRINCL, since keepalived
// writes the header itself (TOS 0xC0, its own ID counter, TTL 255); the
// kernel fills in the header checksum. IPv6: the kernel writes the header
// (traffic class 0xC0, hop limit 255, source bound to the interface's
// link-local or configured address); the VRRP checksum is ours.
import CShim
import ConfigModel
import Glibc
import Posix

public final class AdvertSender {
    public let family: AddressFamily
    public let interface: String
    public let interfaceIndex: Int32
    private let descriptor: Descriptor

    public init(family: AddressFamily, interface: String, interfaceIndex: Int32, source: IPAddress?,
                unicastHopLimit: UInt8 = 255) throws(SysError) {
        self.family = family
        self.interface = interface
        self.interfaceIndex = interfaceIndex
        switch family {
        case .inet:
            descriptor = try makeSocket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW), "AF_INET, SOCK_RAW, IPPROTO_RAW")
            let fd = descriptor.rawValue
            try setOption(fd, Int32(IPPROTO_IP), IP_HDRINCL, Int32(1), "IP_HDRINCL")
            var m = ip_mreqn()
            m.imr_ifindex = interfaceIndex
            try setOption(fd, Int32(IPPROTO_IP), IP_MULTICAST_IF, m, "IP_MULTICAST_IF")
            try setOption(fd, Int32(IPPROTO_IP), IP_MULTICAST_LOOP, UInt8(0), "IP_MULTICAST_LOOP")
            try bindToDevice(fd, interface)
        case .inet6:
            descriptor = try makeSocket(AF_INET6, Int32(SOCK_RAW.rawValue), Int32(112), "AF_INET6, SOCK_RAW, 112")
            let fd = descriptor.rawValue
            try setOption(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_IF, Int32(interfaceIndex), "IPV6_MULTICAST_IF")
            try setOption(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, Int32(255), "IPV6_MULTICAST_HOPS")
            try setOption(fd, Int32(IPPROTO_IPV6), IPV6_UNICAST_HOPS, Int32(unicastHopLimit), "IPV6_UNICAST_HOPS")
            try setOption(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_LOOP, Int32(0), "IPV6_MULTICAST_LOOP")
            try setOption(fd, Int32(IPPROTO_IPV6), IPV6_TCLASS, Int32(0xC0), "IPV6_TCLASS")
            try bindToDevice(fd, interface)
            if case .v6(let a)? = source {
                var sa = sockaddrIn6(a, scope: interfaceIndex)
                _ = try sys("bind(\(a))") {
                    withUnsafePointer(to: &sa) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                        }
                    }
                }
            }
        }
    }

    /// Sends one packet: for IPv4 the whole packet with its header, for IPv6 the VRRP message.
    /// A full send queue (EAGAIN) drops the advert, as a lost packet would be.
    @discardableResult
    public func send(_ packet: [UInt8], to destination: IPAddress) throws(SysError) -> Bool {
        var outcome: Result<Bool, SysError> = .success(false)
        packet.withUnsafeBytes { b in
            do throws(SysError) { outcome = .success(try send(b, to: destination)) } catch { outcome = .failure(error) }
        }
        return try outcome.get()
    }

    @discardableResult
    public func send(_ packet: UnsafeRawBufferPointer, to destination: IPAddress) throws(SysError) -> Bool {
        let fd = descriptor.rawValue
        // An IPv4 group on the bound interface needs no routing decision:
        // MSG_DONTROUTE skips it, as keepalived sends (unicast peers may be
        // routed, so they keep the lookup).
        let flags: Int32
        if case .v4(let a) = destination, a.isMulticast { flags = Int32(MSG_DONTROUTE) } else { flags = 0 }
        let sent = try sysNonBlocking("sendto(\(destination) on \(interface))") { () -> Int in
            withSockaddr(destination, scope: interfaceIndex) { sa, len in sendto(fd, packet.baseAddress, packet.count, flags, sa, len) }
        }
        return sent != nil
    }
}
