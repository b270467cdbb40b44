// Socket addresses and options for the VRRP sockets, on top of the one
// syscall helper in Posix.
import CShim
import ConfigModel
import Glibc
import Posix

func setOption<T>(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: T, _ what: String) throws(SysError) {
    _ = try sys("setsockopt(\(what))") {
        withUnsafeBytes(of: value) { setsockopt(fd, level, name, $0.baseAddress, socklen_t($0.count)) }
    }
}

/// SO_BINDTODEVICE: the socket sends and receives on this interface only.
func bindToDevice(_ fd: Int32, _ interface: String) throws(SysError) {
    var name = Array(interface.utf8.prefix(Int(IFNAMSIZ) - 1)) + [0]
    _ = try sys("setsockopt(SO_BINDTODEVICE, \(interface))") {
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, &name, socklen_t(name.count))
    }
}

func makeSocket(_ domain: Int32, _ type: Int32, _ proto: Int32, _ what: String) throws(SysError) -> Descriptor {
    Descriptor(owning: try sys("socket(\(what))") {
        socket(domain, type | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), proto)
    })
}

extension IPv4Address {
    var inAddr: in_addr { in_addr(s_addr: value.bigEndian) }
    init(inAddr a: in_addr) { self.init(UInt32(bigEndian: a.s_addr)) }
}

extension IPv6Address {
    var in6Addr: in6_addr {
        var a = in6_addr()
        // Network order, straight from the two words (no byte array per advert).
        withUnsafeMutableBytes(of: &a) { dst in
            dst.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            dst.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        return a
    }
}

func sockaddrIn(_ a: IPv4Address) -> sockaddr_in {
    var sa = sockaddr_in()
    sa.sin_family = sa_family_t(AF_INET)
    sa.sin_addr = a.inAddr
    return sa
}

func sockaddrIn6(_ a: IPv6Address, scope: Int32) -> sockaddr_in6 {
    var sa = sockaddr_in6()
    sa.sin6_family = sa_family_t(AF_INET6)
    sa.sin6_addr = a.in6Addr
    // Link-local and multicast link-scope addresses need the interface.
    if a.isLinkLocal || a.isMulticast { sa.sin6_scope_id = UInt32(scope) }
    return sa
}

func withSockaddr<R>(_ address: IPAddress, scope: Int32,
                     _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
    switch address {
    case .v4(let a):
        var sa = sockaddrIn(a)
        return withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    case .v6(let a):
        var sa = sockaddrIn6(a, scope: scope)
        return withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
    }
}
