// Errors from generic netlink (the IPVS family), typed: the kernel's errno of an acknowledgement, a
// failed system call, or libnl's own code. Nothing outside this module sees
// an Int32 result or errno.
import CNetlink
import Glibc

public enum GenericNetlinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// ENOBUFS: the socket's receive queue overflowed and replies were lost;
    /// the caller should dump the table again and reconcile.
    case noBufferSpace
    /// EEXIST: the service or destination is already there.
    case exists
    /// ENOENT / ESRCH: no such service or destination (or scheduler module).
    case notFound
    /// EPERM: CAP_NET_ADMIN is missing.
    case permissionDenied
    /// EINVAL, with the kernel's extended-ack message when it gave one.
    case invalidArgument(String?)
    /// EBUSY: a dump is already running on this socket, or the sync daemon is busy.
    case busy
    /// The generic netlink family is not registered (ip_vs not loaded).
    case familyNotFound(String)
    /// Any other errno from the kernel's acknowledgement.
    case kernel(errno: Int32, message: String?)
    /// A system call failed.
    case system(call: String, errno: Int32)
    /// libnl refused (building a message, or its own socket calls).
    case library(call: String, code: Int32)
    /// A reply we could not make sense of (dropped, not trusted).
    case malformed(String)
    /// No acknowledgement came for a request.
    case noReply

    /// Maps a kernel errno (positive) to a case.
    public init(errno e: Int32, message: String? = nil) {
        switch e {
        case ENOBUFS: self = .noBufferSpace
        case EEXIST: self = .exists
        case ENOENT, ESRCH: self = .notFound
        case EPERM: self = .permissionDenied
        case EINVAL: self = .invalidArgument(message)
        case EBUSY: self = .busy
        default: self = .kernel(errno: e, message: message)
        }
    }

    public var description: String {
        switch self {
        case .noBufferSpace: return "ENOBUFS: netlink receive buffer overflowed, replies lost"
        case .exists: return "EEXIST: already exists"
        case .notFound: return "ENOENT: no such entry"
        case .permissionDenied: return "EPERM: CAP_NET_ADMIN missing, see units/ipvs-applier.service"
        case .invalidArgument(let m): return "EINVAL: invalid argument" + (m.map { ": \($0)" } ?? "")
        case .busy: return "EBUSY: busy"
        case .familyNotFound(let f): return "generic netlink family \(f) not found (is the ip_vs module loaded?)"
        case .kernel(let e, let m): return "\(Self.errnoName(e)): \(String(cString: strerror(e)))" + (m.map { ": \($0)" } ?? "")
        case .system(let call, let e): return "\(call): \(Self.errnoName(e)): \(String(cString: strerror(e)))"
        case .library(let call, let code): return "\(call): libnl: \(String(cString: nl_geterror(code)))"
        case .malformed(let what): return "malformed netlink reply: \(what)"
        case .noReply: return "no acknowledgement from the kernel"
        }
    }

    static func errnoName(_ e: Int32) -> String {
        switch e {
        case ENOBUFS: return "ENOBUFS"
        case EEXIST: return "EEXIST"
        case ENOENT: return "ENOENT"
        case ESRCH: return "ESRCH"
        case EPERM: return "EPERM"
        case EINVAL: return "EINVAL"
        case EBUSY: return "EBUSY"
        case ENOMEM: return "ENOMEM"
        case EOPNOTSUPP: return "EOPNOTSUPP"
        case EAFNOSUPPORT: return "EAFNOSUPPORT"
        default: return "errno \(e)"
        }
    }
}
