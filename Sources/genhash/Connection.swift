import Glibc
import HTTPClient

/// A failure that ends genhash, with the exit status it maps to (see man/genhash.1).
enum Failure: Error {
    /// Could not connect, or the connection broke or stalled: exit 2.
    case network(String)
    /// TLS handshake or session failure: exit 3.
    case tls(String)
    /// Whatever answered did not speak HTTP: exit 4.
    case http(String)
    /// A local system call failed (socket, SO_MARK without CAP_NET_ADMIN): exit 5.
    case system(String)

    var exitStatus: Int32 {
        switch self {
        case .network: return 2
        case .tls: return 3
        case .http: return 4
        case .system: return 5
        }
    }

    var message: String {
        switch self {
        case .network(let m), .tls(let m), .http(let m), .system(let m): return m
        }
    }
}

/// A literal IPv4 or IPv6 address and its canonical text (keepalived takes
/// no host names: `server should be an IP, not X`).
struct ServerAddress {
    var storage: sockaddr_storage
    var length: socklen_t = 0
    var family: Int32
    /// inet_ntop's spelling, used in the Host header (`0:0::1` becomes `::1`).
    var text: String

    init?(_ literal: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var storage = sockaddr_storage()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            family = AF_INET
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_addr = v4
            withUnsafeBytes(of: &sin) { src in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count))
        } else if inet_pton(AF_INET6, literal, &v6) == 1 {
            family = AF_INET6
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_addr = v6
            withUnsafeBytes(of: &sin6) { src in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count))
        } else {
            return nil
        }
        self.storage = storage
        text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    mutating func setPort(_ port: UInt16) {
        withUnsafeMutableBytes(of: &storage) { raw in
            // sin_port and sin6_port sit at the same offset, in network order.
            raw.storeBytes(of: port.bigEndian, toByteOffset: 2, as: UInt16.self)
        }
    }
}

/// A connected TCP socket that closes itself.
struct Socket: ~Copyable {
    let fd: Int32
    let peer: String
    deinit { close(fd) }
}

/// Milliseconds for poll(2): the whole timeout, or forever.
private func pollTimeout(_ seconds: Int?) -> Int32 {
    guard let seconds else { return -1 }
    return seconds >= Int(Int32.max / 1000) ? -1 : Int32(seconds * 1000)
}

private var errnoText: String { String(cString: strerror(errno)) }

/// Waits for `events` on `fd`; false on timeout.
private func wait(_ fd: Int32, _ events: Int16, timeout: Int?) throws(Failure) -> Bool {
    var p = pollfd(fd: fd, events: events, revents: 0)
    while true {
        let r = poll(&p, 1, pollTimeout(timeout))
        if r > 0 { return true }
        if r == 0 { return false }
        if errno == EINTR { continue }
        throw .system("poll: \(errnoText)")
    }
}

/// Opens a TCP connection to `address`, non-blocking from here on; every
/// later wait is bounded by `timeout` seconds, as keepalived's `-t`.
func connect(to address: ServerAddress, port: UInt16, fwmark: UInt32?, timeout: Int?) throws(Failure) -> Socket {
    var address = address
    address.setPort(port)
    let peer = address.family == AF_INET6 ? "[\(address.text)]:\(port)" : "\(address.text):\(port)"
    let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { throw .system("socket: \(errnoText)") }
    let sock = Socket(fd: fd, peer: peer)
    if let fwmark, fwmark != 0 {
        var mark = fwmark
        if setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, socklen_t(MemoryLayout<UInt32>.size)) != 0 {
            let e = errno
            var hint = ""
            if e == EPERM { hint = ": setting a fwmark needs CAP_NET_ADMIN (run genhash as root, or give it that capability)" }
            throw .system("cannot set fwmark \(fwmark) (SO_MARK): \(String(cString: strerror(e)))\(hint)")
        }
    }
    let r = withUnsafePointer(to: &address.storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
    }
    if r != 0 {
        guard errno == EINPROGRESS || errno == EINTR else { throw .network("cannot connect to \(peer): \(errnoText)") }
        guard try wait(fd, Int16(POLLOUT), timeout: timeout) else {
            throw .network("timed out after \(timeout ?? 0) s connecting to \(peer)")
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else {
            throw .system("getsockopt(SO_ERROR): \(errnoText)")
        }
        guard error == 0 else { throw .network("cannot connect to \(peer): \(String(cString: strerror(error)))") }
    }
    return sock
}

/// Drives `client` over `socket` until it is complete: the blocking driver of
/// the I/O-free client. `readBuffer` sets the read size (genhash -v uses
/// keepalived's 4095 so the per-read dumps match); `afterRead` runs after each
/// read has been fed.
func drive<C: ByteStreamClient>(_ client: C, over socket: borrowing Socket, timeout: Int?,
                                readBuffer: UnsafeMutableRawBufferPointer,
                                afterRead: () -> Void) throws(Failure) {
    let fd = socket.fd
    let peer = socket.peer
    do {
        while !client.isComplete {
            let pending = client.bytesToSend
            if !pending.isEmpty {
                guard try wait(fd, Int16(POLLOUT), timeout: timeout) else {
                    throw Failure.network("timed out after \(timeout ?? 0) s sending the request to \(peer)")
                }
                let n = pending.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw Failure.network("sending the request to \(peer): \(errnoText)")
                }
                client.markSent(n)
                continue
            }
            guard try wait(fd, Int16(POLLIN), timeout: timeout) else {
                throw Failure.network("timed out after \(timeout ?? 0) s waiting for the response from \(peer)")
            }
            let n = recv(fd, readBuffer.baseAddress, readBuffer.count, 0)
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw Failure.network("reading the response from \(peer): \(errnoText)")
            }
            if n == 0 {
                try client.feedEndOfStream()
                afterRead()
                break
            }
            try client.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
            afterRead()
        }
    } catch let failure as Failure {
        throw failure
    } catch let error as HTTPClientError {
        throw Failure(error, peer: peer)
    } catch {
        throw .system("\(error)")
    }
}

extension Failure {
    init(_ error: HTTPClientError, peer: String) {
        switch error {
        case .tls(let detail):
            self = .tls("TLS with \(peer) failed: \(detail)")
        case .tlsConfiguration:
            self = .tls("\(error)")
        case .noResponseHeader:
            self = .http("no data received from remote webserver \(peer): \(error)")
        case .headerTooLarge, .notHTTP:
            self = .http("\(peer) did not answer with HTTP: \(error)")
        case .digestUnavailable:
            self = .system("\(error)")
        }
    }
}
