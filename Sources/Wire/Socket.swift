// SOCK_SEQPACKET unix sockets: pairs inherited from the supervisor, and
// named sockets under the runtime directory for programs started alone.
// Every call goes through Posix.sys; nothing here blocks unless asked to.
import Glibc
import Posix
import CShim

public enum SeqPacket {
    /// A connected pair, both ends close-on-exec and non-blocking. The
    /// supervisor keeps one end and gives the other to a child (the spawn
    /// shim dup2()s it into place, which clears close-on-exec on the copy).
    public static func pair() throws(SysError) -> DescriptorPair {
        var fds: [Int32] = [-1, -1]
        let type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        _ = try sys("socketpair(AF_UNIX, SOCK_SEQPACKET)") { socketpair(AF_UNIX, type, 0, &fds) }
        let a = Descriptor(owning: fds[0]), b = Descriptor(owning: fds[1])
        enlargeBuffers(a.rawValue)
        enlargeBuffers(b.rawValue)
        return DescriptorPair(a, b)
    }

    /// Asks for buffers large enough for a full-size frame; the kernel caps
    /// the request at net.core.wmem_max, so large messages are chunked anyway.
    static func enlargeBuffers(_ fd: Int32) {
        var size = Int32(Frame.maxSize + 4096)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends one record. Returns false when the socket buffer is full (try
    /// again when writable); throws when the peer is gone or the record is refused.
    public static func send(_ bytes: [UInt8], on fd: Int32) throws(SysError) -> Bool {
        let r = try sysNonBlocking("send(SOCK_SEQPACKET)") {
            bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        }
        return r != nil
    }

    public enum Received {
        /// One whole record; `truncatedFrom` is set when the record was larger
        /// than the buffer (its real size), so the caller can refuse it.
        case record([UInt8], truncatedFrom: Int?)
        case wouldBlock
        case closed
    }

    /// Receives one record into a buffer of `capacity` bytes.
    public static func receive(on fd: Int32, capacity: Int) throws(SysError) -> Received {
        var buffer = [UInt8](repeating: 0, count: capacity)
        // MSG_TRUNC makes recv return the record's real length even when it
        // did not fit, so an over-size record is detected, not silently cut.
        let n: Int?
        do {
            n = try sysNonBlocking("recv(SOCK_SEQPACKET)") {
                buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_TRUNC)) }
            }
        } catch {
            // A peer that exits with records unread by it resets the pair: that is a close.
            if error.errno == .connectionReset { return .closed }
            throw error
        }
        guard let n else { return .wouldBlock }
        if n == 0 { return .closed }
        if n > capacity { return .record(buffer, truncatedFrom: n) }
        buffer.removeLast(capacity - n)
        return .record(buffer, truncatedFrom: nil)
    }

    // MARK: Named sockets

    /// Listens on `path` (a stale socket file is replaced), mode 0660 so the
    /// expected peers' group can connect; the accepting side checks SO_PEERCRED.
    public static func listen(at path: String, mode: mode_t = 0o660) throws(SysError) -> Descriptor {
        let fd = Descriptor(owning: try sys("socket(AF_UNIX, SOCK_SEQPACKET)") {
            socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        })
        var addr = try address(path)
        _ = unlink(path)
        let raw = fd.rawValue
        _ = try sys("bind(\(path))") {
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(raw, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        _ = try sys("chmod(\(path))") { chmod(path, mode) }
        _ = try sys("listen(\(path))") { Glibc.listen(raw, 16) }
        enlargeBuffers(raw)
        return fd
    }

    /// Connects to a named socket; the connected descriptor is non-blocking.
    /// `waitForRoom`: when the listener's backlog is full, wait for it (a
    /// command-line client) or fail at once with EAGAIN (a daemon, which
    /// must never stall on a peer that is not accepting: it retries later).
    public static func connect(to path: String, waitForRoom: Bool = true) throws(SysError) -> Descriptor {
        let flags = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | (waitForRoom ? 0 : Int32(SOCK_NONBLOCK.rawValue))
        let fd = Descriptor(owning: try sys("socket(AF_UNIX, SOCK_SEQPACKET)") { socket(AF_UNIX, flags, 0) })
        var addr = try address(path)
        let raw = fd.rawValue
        _ = try sys("connect(\(path))") {
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(raw, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        if waitForRoom { try fd.setNonBlocking() }
        enlargeBuffers(raw)
        return fd
    }

    /// Accepts one connection; nil when none is pending.
    public static func accept(on listener: Int32) throws(SysError) -> Descriptor? {
        guard let fd = try sysNonBlocking("accept4", {
            cshim_accept4(listener, Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
        }) else { return nil }
        enlargeBuffers(fd)
        return Descriptor(owning: fd)
    }

    /// The credentials the kernel recorded for the other end of a connected
    /// named socket (at connect time). Meaningless on a socketpair.
    public static func peerCredentials(of fd: Int32) throws(SysError) -> PeerCredentials {
        var pid: pid_t = 0, uid: uid_t = 0, gid: gid_t = 0
        _ = try sys("getsockopt(SO_PEERCRED)") { cshim_peer_credentials(fd, &pid, &uid, &gid) }
        return PeerCredentials(pid: pid, uid: uid, gid: gid)
    }

    static func address(_ path: String) throws(SysError) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else {
            throw SysError(call: "sockaddr_un(\(path))", errno: Errno(rawValue: ENAMETOOLONG))
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return addr
    }
}

public struct PeerCredentials: Hashable, Sendable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }

    /// Admits the peer only if it runs as `uid`.
    public func expect(uid expected: UInt32, for program: ProgramName) throws(PeerRefused) {
        guard uid == expected else { throw PeerRefused(program: program, credentials: self, expectedUID: expected) }
    }
}

public struct PeerRefused: Error, Equatable, Sendable, CustomStringConvertible {
    public var program: ProgramName
    public var credentials: PeerCredentials
    public var expectedUID: UInt32
    public var description: String {
        "connection claiming to be \(program) refused: peer has uid \(credentials.uid) (pid \(credentials.pid)), expected uid \(expectedUID)"
    }
}
