// notify_fifo / lvs_notify_fifo: lines in keepalived's format written to a
// named pipe that a reader (the fifo script, or anyone) consumes. Opened
// read-write and non-blocking, so opening never waits for a reader and a
// full pipe drops the line (counted) instead of stalling the checks.
import Glibc
import Posix

public final class NotifyFifo {
    public let path: String
    private var fd: Int32 = -1
    public private(set) var dropped = 0

    /// Opens (creating the fifo, mode 0660, when absent).
    public init(path: String) throws(SysError) {
        self.path = path
        var st = stat()
        if stat(path, &st) != 0 {
            _ = try sys("mkfifo(\(path))") { mkfifo(path, 0o660) }
        } else if (st.st_mode & S_IFMT) != S_IFIFO {
            throw SysError(call: "open(\(path)): not a fifo", errno: Errno(rawValue: EINVAL))
        }
        fd = try sys("open(\(path))") { open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC) }
    }

    deinit { if fd >= 0 { close(fd) } }

    public func write(_ line: String) {
        let bytes = Array(line.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count { dropped += 1 }
    }
}

/// Whether an address is configured on this host (ha_suspend), without
/// netlink: binding a socket to it succeeds only if it is local.
public enum LocalAddress {
    public static func isConfigured(_ address: some Collection<UInt8>) -> Bool {
        let bytes = Array(address)
        let v6 = bytes.count == 16
        let s = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { return false }
        defer { close(s) }
        if v6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &a.sin6_addr) { for i in 0..<16 { $0[i] = bytes[i] } }
            return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(s, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 } }
        }
        guard bytes.count == 4 else { return false }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        withUnsafeMutableBytes(of: &a.sin_addr) { for i in 0..<4 { $0[i] = bytes[i] } }
        return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 } }
    }
}
