// A NETLINK_ROUTE socket: request/acknowledge for address changes, dumps of
// links and addresses, and a monitor bound to the link and address groups.
//
// Raw rtnetlink rather than libnl-route: what vrrpd needs is four message
// types and a dozen attributes. libnl would add its object caches, callbacks
// through C function pointers and its own error codes, and calls of its own
// that the seccomp policy would have to allow; raw messages keep every byte
// visible, testable without a socket, and the errors plain errno.
import CShim
import ConfigModel
import Glibc
import Posix

public enum NetlinkError: Error, Hashable, CustomStringConvertible {
    case system(SysError)
    /// The kernel refused a request.
    case kernel(operation: String, errno: Errno)
    case malformedReply(String)

    public var description: String {
        switch self {
        case .system(let e): return "\(e)"
        case .kernel(let op, let e): return "netlink \(op): \(e)"
        case .malformedReply(let op): return "netlink \(op): malformed reply"
        }
    }
}

public final class RouteNetlinkSocket {
    private let descriptor: Descriptor
    private var sequence: UInt32 = 0
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// The descriptor number, to register a monitor with the reactor.
    public var fileDescriptor: Int32 { descriptor.rawValue }

    /// A command socket (`groups` 0), or a monitor of the given RTMGRP_* groups.
    /// Command sockets wait at most `timeout` for the kernel's answer.
    public init(groups: UInt32 = 0, nonBlocking: Bool = false, timeout: Duration = .seconds(2),
                receiveBufferSize: Int? = nil) throws(NetlinkError) {
        do {
            let fd = try sys("socket(AF_NETLINK, NETLINK_ROUTE)") {
                socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE)
            }
            descriptor = Descriptor(owning: fd)
            if nonBlocking { try descriptor.setNonBlocking() }
            if groups == 0 {
                var tv = timeval(tv_sec: Int(timeout.components.seconds),
                                 tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
                _ = try sys("setsockopt(SO_RCVTIMEO)") {
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                }
            }
            if var size = receiveBufferSize.map(Int32.init) {
                _ = try sys("setsockopt(SO_RCVBUF)") {
                    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
                }
            }
            var sa = sockaddr_nl()
            sa.nl_family = sa_family_t(AF_NETLINK)
            sa.nl_groups = groups
            _ = try sys("bind(AF_NETLINK)") {
                withUnsafePointer(to: &sa) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                    }
                }
            }
        } catch {
            throw .system(error)
        }
    }

    // MARK: Requests

    /// Adds an address. Returns false when it was already there (EEXIST).
    @discardableResult
    public func addAddress(_ r: AddressRequest) throws(NetlinkError) -> Bool {
        let flags = RouteNetlinkConstant.request | RouteNetlinkConstant.ack | RouteNetlinkConstant.create
            | RouteNetlinkConstant.excl
        do {
            _ = try exchange(r.message(type: RouteNetlinkConstant.newAddress, flags: flags, sequence: nextSequence()),
                             operation: "add address \(r.prefix)")
            return true
        } catch .kernel(_, let e) where e == .exists {
            return false
        }
    }

    /// Deletes an address. Returns false when it was not there.
    @discardableResult
    public func deleteAddress(_ r: AddressRequest) throws(NetlinkError) -> Bool {
        let flags = RouteNetlinkConstant.request | RouteNetlinkConstant.ack
        do {
            _ = try exchange(r.message(type: RouteNetlinkConstant.delAddress, flags: flags, sequence: nextSequence()),
                             operation: "delete address \(r.prefix)")
            return true
        } catch .kernel(_, let e) where e.rawValue == EADDRNOTAVAIL || e == .noEntry || e.rawValue == ENODEV {
            return false
        }
    }

    /// Every address of every interface (RTM_GETADDR dump).
    public func addresses() throws(NetlinkError) -> [InterfaceAddress] {
        var w = RouteMessageWriter(type: RouteNetlinkConstant.getAddress,
                                   flags: RouteNetlinkConstant.request | RouteNetlinkConstant.dump,
                                   sequence: nextSequence())
        w.appendU8(0)  // AF_UNSPEC
        w.appendU8(0); w.appendU8(0); w.appendU8(0)
        w.appendI32(0)
        return try exchange(w.finish(), operation: "dump addresses")
            .filter { $0.type == RouteNetlinkConstant.newAddress }
            .compactMap { InterfaceAddress.parse($0.payload) }
    }

    /// Every interface (RTM_GETLINK dump).
    public func links() throws(NetlinkError) -> [Link] {
        var w = RouteMessageWriter(type: RouteNetlinkConstant.getLink,
                                   flags: RouteNetlinkConstant.request | RouteNetlinkConstant.dump,
                                   sequence: nextSequence())
        w.appendU8(0)  // AF_UNSPEC
        w.appendU8(0); w.appendU16(0)
        w.appendI32(0); w.appendU32(0); w.appendU32(0)
        return try exchange(w.finish(), operation: "dump links")
            .filter { $0.type == RouteNetlinkConstant.newLink }
            .compactMap { Link.parse($0.payload) }
    }

    public func link(named name: String) throws(NetlinkError) -> Link? {
        try links().first { $0.name == name }
    }

    // MARK: Monitor

    /// Reads what the kernel has queued on a non-blocking monitor socket.
    public func readEvents() throws(NetlinkError) -> [RouteEvent] {
        var events: [RouteEvent] = []
        while true {
            let n: Int?
            do {
                n = try receive(nonBlocking: true)
            } catch .system(let e) where e.errno == .noBufferSpace {
                events.append(.overrun)
                continue
            }
            guard let n else { return events }
            for m in RouteMessageParser.messages(buffer[0..<n]) {
                if let e = RouteEvent.from(m) { events.append(e) }
            }
        }
    }

    // MARK: Plumbing

    private func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    /// Sends one request; collects its replies until the ACK or NLMSG_DONE.
    private func exchange(_ request: [UInt8], operation: String) throws(NetlinkError) -> [RouteMessage] {
        let seq = RouteMessageParser.readU32(request[...], 8)
        let fd = descriptor.rawValue
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        do {
            _ = try sys("sendto(AF_NETLINK)") {
                request.withUnsafeBytes { b in
                    withUnsafePointer(to: &kernel) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                        }
                    }
                }
            }
        } catch {
            throw .system(error)
        }
        var replies: [RouteMessage] = []
        while true {
            guard let n = try receive(nonBlocking: false) else {
                throw .system(SysError(call: "recvfrom(AF_NETLINK) for \(operation)", errno: .wouldBlock))
            }
            for m in RouteMessageParser.messages(buffer[0..<n]) where m.sequence == seq {
                switch m.type {
                case RouteNetlinkConstant.error:
                    guard m.payload.count >= 4 else { throw .malformedReply(operation) }
                    let code = RouteMessageParser.readI32(m.payload, m.payload.startIndex)
                    if code == 0 { return replies }
                    throw .kernel(operation: operation, errno: Errno(rawValue: -code))
                case RouteNetlinkConstant.done:
                    return replies
                default:
                    replies.append(m)
                }
            }
        }
    }

    /// One datagram from the kernel into `buffer`; datagrams from other senders are ignored.
    private func receive(nonBlocking: Bool) throws(NetlinkError) -> Int? {
        let fd = descriptor.rawValue
        while true {
            var from = sockaddr_nl()
            var len = socklen_t(MemoryLayout<sockaddr_nl>.size)
            let n: Int?
            do {
                n = try sysNonBlocking("recvfrom(AF_NETLINK)") {
                    buffer.withUnsafeMutableBytes { b in
                        withUnsafeMutablePointer(to: &from) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                recvfrom(fd, b.baseAddress, b.count, nonBlocking ? Int32(MSG_DONTWAIT) : 0, $0, &len)
                            }
                        }
                    }
                }
            } catch {
                throw .system(error)
            }
            guard let n else { return nil }
            // Only the kernel (port 0) speaks for the routing tables.
            if from.nl_pid == 0 { return n }
        }
    }
}
