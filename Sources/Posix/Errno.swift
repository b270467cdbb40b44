// errno as a value, with the names the programs test for. Nothing outside
// this module reads the C `errno` global.
import Glibc

public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's errno (read right after the failing call).
    public static var current: Errno { Errno(rawValue: errno) }

    public static let permitted = Errno(rawValue: EPERM)
    public static let noEntry = Errno(rawValue: ENOENT)
    public static let noProcess = Errno(rawValue: ESRCH)
    public static let interrupted = Errno(rawValue: EINTR)
    public static let badDescriptor = Errno(rawValue: EBADF)
    public static let noChild = Errno(rawValue: ECHILD)
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    public static let accessDenied = Errno(rawValue: EACCES)
    public static let exists = Errno(rawValue: EEXIST)
    public static let invalid = Errno(rawValue: EINVAL)
    public static let brokenPipe = Errno(rawValue: EPIPE)
    public static let messageTooLong = Errno(rawValue: EMSGSIZE)
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    public static let addressInUse = Errno(rawValue: EADDRINUSE)
    public static let notSupported = Errno(rawValue: EOPNOTSUPP)
    public static let noBufferSpace = Errno(rawValue: ENOBUFS)

    /// `ENOENT: No such file or directory`
    public var description: String {
        let name = Errno.names[rawValue] ?? "errno \(rawValue)"
        return "\(name): \(String(cString: strerror(rawValue)))"
    }

    static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO", EBADF: "EBADF",
        ECHILD: "ECHILD", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT",
        EBUSY: "EBUSY", EEXIST: "EEXIST", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL",
        EMFILE: "EMFILE", ENOSPC: "ENOSPC", EPIPE: "EPIPE", ENOSYS: "ENOSYS", EMSGSIZE: "EMSGSIZE",
        ENOTSOCK: "ENOTSOCK", EOPNOTSUPP: "EOPNOTSUPP", EADDRINUSE: "EADDRINUSE",
        ECONNRESET: "ECONNRESET", ECONNREFUSED: "ECONNREFUSED", ENOBUFS: "ENOBUFS",
        ETIMEDOUT: "ETIMEDOUT", ENOTCONN: "ENOTCONN", ENAMETOOLONG: "ENAMETOOLONG",
    ]
}

/// A failed system call: which call, and why.
public struct SysError: Error, Hashable, Sendable, CustomStringConvertible {
    public var call: String
    public var errno: Errno
    public init(call: String, errno: Errno) {
        self.call = call
        self.errno = errno
    }
    /// `socketpair(AF_UNIX, SOCK_SEQPACKET): EMFILE: Too many open files`
    public var description: String { "\(call): \(errno)" }
}
