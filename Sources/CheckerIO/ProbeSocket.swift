// Opening a probe's socket: family and type from the transport, the options
// a checker can ask for (bindto / bind_port / bind_if, SO_MARK), and a
// non-blocking connect. All socket system calls of checkd are in this file.
import Checkers
import ConfigModel
import CShim
import Glibc
import Posix

/// A socket address built from the model's address and a port.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0
    var family: Int32

    init(_ address: IPAddress, port: UInt16, scopeInterface: String? = nil) {
        switch address {
        case .v4(let a):
            family = AF_INET
            withUnsafeMutableBytes(of: &storage) { raw in
                let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_port = port.bigEndian
                sin.pointee.sin_addr.s_addr = a.value.bigEndian
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        case .v6(let a):
            family = AF_INET6
            let bytes = a.bytes
            let scope = scopeInterface.map { if_nametoindex($0) } ?? 0
            withUnsafeMutableBytes(of: &storage) { raw in
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6.pointee.sin6_port = port.bigEndian
                withUnsafeMutableBytes(of: &sin6.pointee.sin6_addr) { dst in
                    for i in 0..<16 { dst[i] = bytes[i] }
                }
                sin6.pointee.sin6_scope_id = scope
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { raw in body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }
}

/// How opening or connecting went.
enum ConnectStart {
    /// Connected already (datagram sockets, or a fast loopback connect).
    case connected
    /// Connection in progress: wait for writability, then ask `pendingError()`.
    case inProgress
}

enum ProbeSocket {
    /// Opens, configures and starts connecting a socket for `transport`; the
    /// caller owns the returned descriptor number.
    static func open(_ transport: ProbeTransport) throws(TransportError) -> (fd: Int32, start: ConnectStart) {
        let endpoint: Endpoint
        let type: Int32
        var proto: Int32 = 0
        switch transport {
        case .stream(let e): endpoint = e; type = Int32(SOCK_STREAM.rawValue)
        case .datagram(let e): endpoint = e; type = Int32(SOCK_DGRAM.rawValue)
        case .icmpEcho(let e):
            endpoint = e
            type = Int32(SOCK_DGRAM.rawValue)
            if case .v6 = e.address { proto = Int32(IPPROTO_ICMPV6) } else { proto = Int32(IPPROTO_ICMP) }
        }
        let dest = SocketAddress(endpoint.address, port: endpoint.port, scopeInterface: endpoint.bindIf)
        let fd: Int32
        do {
            fd = try sys("socket") { socket(dest.family, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto) }
        } catch {
            if case .icmpEcho = transport, error.errno == .accessDenied || error.errno == .permitted {
                throw .setup("socket(ICMP datagram): \(error.errno): this group is not in net.ipv4.ping_group_range")
            }
            throw .setup("socket: \(error.errno)")
        }
        let sock = Descriptor(owning: fd)
        if let mark = endpoint.fwmark {
            var m = mark
            if setsockopt(fd, SOL_SOCKET, SO_MARK, &m, socklen_t(MemoryLayout<UInt32>.size)) == -1 {
                throw .setup("setsockopt(SO_MARK \(mark)): \(Errno.current): CAP_NET_ADMIN is needed for a checker fwmark")
            }
        }
        if let ifname = endpoint.bindIf {
            let ok = ifname.withCString { p in
                setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p, socklen_t(strlen(p) + 1)) == 0
            }
            if !ok { throw .setup("setsockopt(SO_BINDTODEVICE \(ifname)): \(Errno.current)") }
        }
        if endpoint.bindto != nil || endpoint.bindPort != nil {
            let src: IPAddress
            if let b = endpoint.bindto { src = b } else if case .v6 = endpoint.address { src = .v6(IPv6Address(high: 0, low: 0)) } else { src = .v4(IPv4Address(0)) }
            let a = SocketAddress(src, port: endpoint.bindPort ?? 0, scopeInterface: endpoint.bindIf)
            if a.withSockaddr({ Glibc.bind(fd, $0, $1) }) == -1 {
                throw .setup("bind(\(src) port \(endpoint.bindPort ?? 0)): \(Errno.current)")
            }
        }
        let r = dest.withSockaddr { Glibc.connect(fd, $0, $1) }
        if r == 0 { return (sock.release(), .connected) }
        let e = Errno.current
        if e.rawValue == EINPROGRESS { return (sock.release(), .inProgress) }
        throw TransportError.failure(failure(e))
    }

    /// The result of a non-blocking connect (SO_ERROR), nil when connected.
    static func pendingError(_ fd: Int32) -> TransportFailure? {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 { return failure(.current) }
        return err == 0 ? nil : failure(Errno(rawValue: err))
    }

    static func failure(_ e: Errno) -> TransportFailure {
        switch e.rawValue {
        case ECONNREFUSED: return .refused
        case EHOSTUNREACH, ENETUNREACH, EHOSTDOWN: return .unreachable
        default: return .error(e.description)
        }
    }

    /// recv into `buffer`; nil when nothing is ready, 0 at end of stream.
    static func receive(_ fd: Int32, into buffer: inout [UInt8]) -> Result<Int?, TransportFailure> {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if n >= 0 { return .success(n) }
        let e = Errno.current
        if e == .wouldBlock || e == .interrupted { return .success(nil) }
        return .failure(failure(e))
    }

    /// send what it can of `bytes`; the count sent (0 when the socket is full).
    static func send(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Result<Int, TransportFailure> {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
        if n >= 0 { return .success(n) }
        let e = Errno.current
        if e == .wouldBlock || e == .interrupted { return .success(0) }
        return .failure(failure(e))
    }
}

enum TransportError: Error {
    /// The socket could not be set up (a configuration or privilege problem).
    case setup(String)
    /// The connect failed at once (refused, unreachable).
    case failure(TransportFailure)
}
