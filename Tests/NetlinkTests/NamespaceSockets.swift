// Creating sockets inside a test's network namespace: setns(2) on the calling
// thread, make the socket, switch back. A socket stays in the namespace it
// was made in. Sync code only (no suspension while switched).
import CShim
import Foundation
import TestSupport

enum NamespaceError: Error { case open(String), setns(String) }

func inNamespace<T>(_ ns: Netns, _ body: () throws -> T) throws -> T {
    let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
    guard original >= 0 else { throw NamespaceError.open("/proc/thread-self/ns/net") }
    defer { close(original) }
    let target = open("/run/netns/\(ns.name)", O_RDONLY | O_CLOEXEC)
    guard target >= 0 else { throw NamespaceError.open(ns.name) }
    defer { close(target) }
    guard cshim_setns_net(target) == 0 else { throw NamespaceError.setns(ns.name) }
    defer { _ = cshim_setns_net(original) }
    return try body()
}
