// The one path every system call of the runtime takes: -1/errno becomes a
// typed `SysError`, EINTR is retried where that is safe, and EAGAIN can be
// asked for as an outcome (`nil`) rather than an error. A test build can
// inject failures here (see `SyscallFaults`).
import Glibc
import Synchronization

/// Calls `body`; on -1 throws `SysError(call:errno:)`, retrying on EINTR.
/// Inlinable, so callers in other modules get it specialised (a generic
/// call looked up type metadata on every advert vrrpd sent).
@inlinable @inline(__always)
public func sys<T: FixedWidthInteger>(_ call: @autoclosure () -> String, retryEINTR: Bool = true,
                                      _ body: () -> T) throws(SysError) -> T {
    var e = Errno(rawValue: 0)
    if let r = attempt(call, retryEINTR: retryEINTR, body, failure: &e) { return r }
    throw SysError(call: call(), errno: e)
}

/// As `sys`, but EAGAIN/EWOULDBLOCK is returned as `nil` (nothing to do now),
/// before any error (and its description string) is made: EAGAIN ends every
/// read loop of a non-blocking socket.
@inlinable @inline(__always)
public func sysNonBlocking<T: FixedWidthInteger>(_ call: @autoclosure () -> String,
                                                 _ body: () -> T) throws(SysError) -> T? {
    var e = Errno(rawValue: 0)
    if let r = attempt(call, retryEINTR: true, body, failure: &e) { return r }
    if e == .wouldBlock { return nil }
    throw SysError(call: call(), errno: e)
}

/// The call's result, or nil with its errno in `failure` (an injected
/// fault counts as one; EINTR is retried when asked).
@inlinable @inline(__always)
func attempt<T: FixedWidthInteger>(_ call: () -> String, retryEINTR: Bool, _ body: () -> T,
                                   failure: inout Errno) -> T? {
    while true {
        if let injected = SyscallFaults.take(call) {
            failure = injected
        } else {
            let r = body()
            if r != -1 { return r }
            failure = Errno.current
        }
        if failure == .interrupted && retryEINTR { continue }
        return nil
    }
}

/// Fault injection for tests (swift-system's mocking idea): queue errors for
/// calls whose description starts with a prefix; each queued error is used once.
/// Empty in production, where `take` is one load and a branch.
public enum SyscallFaults {
    // Tests run in parallel: the queue is behind a lock, and `armed` is an
    // atomic so the production path stays one relaxed load.
    private static let queued = Mutex<[(prefix: String, errno: Errno)]>([])
    @usableFromInline static let armed = Atomic<Bool>(false)

    /// The next call whose name starts with `prefix` fails with `errno`.
    public static func inject(_ errno: Errno, into prefix: String) {
        queued.withLock { q in
            q.append((prefix, errno))
            armed.store(true, ordering: .releasing)
        }
    }

    public static func reset() {
        queued.withLock { q in
            q = []
            armed.store(false, ordering: .releasing)
        }
    }

    @inlinable @inline(__always)
    static func take(_ call: () -> String) -> Errno? {
        guard armed.load(ordering: .relaxed) else { return nil }
        return takeQueued(call())
    }

    @usableFromInline static func takeQueued(_ name: String) -> Errno? {
        queued.withLock { q in
            guard let i = q.firstIndex(where: { name.hasPrefix($0.prefix) }) else { return nil }
            let e = q.remove(at: i).errno
            armed.store(!q.isEmpty, ordering: .releasing)
            return e
        }
    }
}
