// Pid files as keepalived writes them: the decimal pid and a newline, mode
// 0644, written when the process is up and removed when it stops.
import Glibc
import Posix

public struct PidFile: Sendable {
    public let path: String

    /// keepalived's defaults (reference §3.1).
    public static let supervisorDefault = "/run/keepalived.pid"
    public static let vrrpDefault = "/run/vrrp.pid"
    public static let checkersDefault = "/run/checkers.pid"

    public init(path: String) { self.path = path }

    /// Writes `pid` atomically (temporary file, then rename).
    public func write(pid: Int32 = getpid()) throws(SysError) {
        let tmp = path + ".tmp\(getpid())"
        do {
            let fd = try openDescriptor(tmp, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            try fd.writeAll(Array("\(pid)\n".utf8))
            _ = try sys("fchmod(\(tmp))") { fchmod(fd.rawValue, 0o644) }
            try fd.close()
            _ = try sys("rename(\(tmp), \(path))") { rename(tmp, path) }
        } catch {
            _ = unlink(tmp)
            throw error
        }
    }

    /// The pid recorded in the file, if it holds one.
    public func read() -> Int32? {
        guard let bytes = try? readFile(path, limit: 64) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first ?? ""
        return Int32(text)
    }

    /// Removes the file if it still names `pid` (a successor's file is left alone).
    public func remove(ifOwnedBy pid: Int32 = getpid()) {
        if read() == pid { _ = unlink(path) }
    }
}
