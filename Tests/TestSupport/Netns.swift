// Network namespaces the tests create (and only those): every test address
// lives inside one of them or on loopback.
import Foundation

/// A network namespace with a unique name, deleted by `remove()`.
public final class Netns: @unchecked Sendable {
    public let name: String
    nonisolated(unsafe) private static var counter = 0
    private static let lock = NSLock()

    /// Creates `ka<tag><pid><n>` with `lo` up.
    public init(_ tag: String) throws {
        Netns.lock.lock()
        Netns.counter += 1
        let n = Netns.counter
        Netns.lock.unlock()
        name = "ka\(tag)\(getpid() % 100000)n\(n)"
        try TestSupport.sh("ip netns add \(name)")
        try TestSupport.sh("ip -n \(name) link set lo up")
    }

    /// Runs argv inside the namespace.
    @discardableResult
    public func run(_ argv: [String], timeout: Double = 60) throws -> RunResult {
        try TestSupport.run(["/usr/bin/ip", "netns", "exec", name] + argv, timeout: timeout)
    }

    @discardableResult
    public func sh(_ command: String, timeout: Double = 60) throws -> String {
        try TestSupport.sh("ip netns exec \(name) sh -c '\(command.replacingOccurrences(of: "'", with: "'\\''"))'", timeout: timeout)
    }

    /// Starts argv inside the namespace in the background.
    public func spawn(_ argv: [String], outputFile: String, environment: [String: String]? = nil) throws -> Spawned {
        try Spawned(["/usr/bin/ip", "netns", "exec", name] + argv, environment: environment, outputFile: outputFile)
    }

    /// Creates veth `local` here with its peer `peer` in `other` (or in the root namespace).
    public func addVeth(_ local: String, peer: String, peerIn other: Netns?) throws {
        try TestSupport.sh("ip link add \(local) netns \(name) type veth peer name \(peer) netns \(other?.name ?? "1")")
        try sh("ip link set \(local) up")
        if let other { try other.sh("ip link set \(peer) up") }
    }

    public func remove() {
        _ = try? TestSupport.run(["/usr/bin/ip", "netns", "del", name])
    }
}

/// A bridge in its own namespace joining several router namespaces, the
/// topology the VRRP tests and the demo use: each member gets `eth0` on the bridge.
public final class BridgedSegment: @unchecked Sendable {
    public let hub: Netns
    public private(set) var members: [Netns] = []

    public init(_ tag: String) throws {
        hub = try Netns("\(tag)hub")
        try hub.sh("ip link add br0 type bridge && ip link set br0 up")
    }

    /// Adds a namespace whose `eth0` (with `addresses`, e.g. "10.0.0.1/24") is on the bridge.
    @discardableResult
    public func addMember(_ tag: String, addresses: [String] = []) throws -> Netns {
        let ns = try Netns(tag)
        let port = "p\(members.count)"
        try hub.sh("ip link add \(port) type veth peer name eth0 netns \(ns.name)")
        try hub.sh("ip link set \(port) master br0 && ip link set \(port) up")
        try ns.sh("ip link set eth0 up")
        for a in addresses { try ns.sh("ip addr add \(a) dev eth0") }
        members.append(ns)
        return ns
    }

    public func remove() {
        for m in members { m.remove() }
        hub.remove()
    }
}
