// Making sockets inside a test's network namespace from the test process:
// setns(2) on the calling thread, run the body, switch back. A socket stays
// in the namespace it was made in. Sync code only (no suspension while switched).
import CShim
import Foundation

extension Netns {
    public func within<T>(_ body: () throws -> T) throws -> T {
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw TestFailure("open /proc/thread-self/ns/net failed") }
        defer { close(original) }
        let target = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw TestFailure("open /run/netns/\(name) failed") }
        defer { close(target) }
        guard cshim_setns_net(target) == 0 else { throw TestFailure("setns(\(name)) failed: errno \(errno)") }
        defer { _ = cshim_setns_net(original) }
        return try body()
    }
}
