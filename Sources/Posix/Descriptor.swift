// An owned file descriptor: closes itself when it goes away, cannot be
// copied, and hands out its number only for the duration of a call.
import Glibc
import CShim

public struct Descriptor: ~Copyable {
    /// The descriptor number; valid while this value lives.
    public let rawValue: Int32

    /// Takes ownership of `rawValue`.
    public init(owning rawValue: Int32) { self.rawValue = rawValue }

    deinit { Glibc.close(rawValue) }

    /// Gives up ownership without closing (e.g. to pass it to a child).
    public consuming func release() -> Int32 {
        let fd = rawValue
        discard self
        return fd
    }

    /// Closes now, reporting the error. Never retried: Linux frees the number
    /// even when close is interrupted.
    public consuming func close() throws(SysError) {
        let fd = release()
        if Glibc.close(fd) == -1 { throw SysError(call: "close(\(fd))", errno: .current) }
    }

    /// Sets or clears O_NONBLOCK.
    public func setNonBlocking(_ on: Bool = true) throws(SysError) {
        let fd = rawValue
        let flags = try sys("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        let new = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if new != flags { _ = try sys("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, new) } }
    }

    /// Sets or clears FD_CLOEXEC.
    public func setCloseOnExec(_ on: Bool) throws(SysError) {
        let fd = rawValue
        let flags = try sys("fcntl(F_GETFD)") { fcntl(fd, F_GETFD) }
        let new = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC
        if new != flags { _ = try sys("fcntl(F_SETFD)") { fcntl(fd, F_SETFD, new) } }
    }

    /// A second owned descriptor for the same open file (close-on-exec).
    public func duplicate() throws(SysError) -> Descriptor {
        let fd = rawValue
        return Descriptor(owning: try sys("fcntl(F_DUPFD_CLOEXEC)") { fcntl(fd, F_DUPFD_CLOEXEC, 3) })
    }

    /// read(2); nil when the descriptor is non-blocking and nothing is ready.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SysError) -> Int? {
        let fd = rawValue
        return try sysNonBlocking("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Reads to end of file (or `limit` bytes) on a blocking descriptor.
    public func readAll(limit: Int = 64 << 20) throws(SysError) -> [UInt8] {
        let fd = rawValue
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 16384)
        while bytes.count < limit {
            let n = try sys("read") { buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
            if n == 0 { break }
            bytes += buf[0..<n]
        }
        return bytes
    }

    /// write(2) of the whole buffer (loops over short writes on blocking descriptors).
    public func writeAll(_ bytes: [UInt8]) throws(SysError) {
        let fd = rawValue
        var done = 0
        while done < bytes.count {
            let n = try sys("write") { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) } }
            done += n
        }
    }
}

/// Opens `path`, close-on-exec always.
public func openDescriptor(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(SysError) -> Descriptor {
    Descriptor(owning: try sys("open(\(path))") { Glibc.open(path, flags | O_CLOEXEC, mode) })
}

/// The contents of a (small) file.
public func readFile(_ path: String, limit: Int = 64 << 20) throws(SysError) -> [UInt8] {
    try openDescriptor(path, flags: O_RDONLY).readAll(limit: limit)
}

/// Two owned descriptors made together (a pipe, a socket pair).
@frozen
public struct DescriptorPair: ~Copyable {
    public var first: Descriptor
    public var second: Descriptor
    public init(_ first: consuming Descriptor, _ second: consuming Descriptor) {
        self.first = first
        self.second = second
    }
}

/// A pipe, both ends close-on-exec: `first` reads, `second` writes.
public func makePipe(nonBlocking: Bool = false) throws(SysError) -> DescriptorPair {
    var fds: [Int32] = [0, 0]
    _ = try sys("pipe2") { cshim_pipe2(&fds, O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0)) }
    return DescriptorPair(Descriptor(owning: fds[0]), Descriptor(owning: fds[1]))
}
