// checkd is untrusted (DESIGN.md): a verdict may switch a configured real
// server of a configured virtual server in or out, or set its weight between
// 0 and the bound the config gives it. Anything else is refused here, before
// it can touch the health state or the kernel; the caller counts and logs
// the refusal, and nothing changes.

/// Who sent a message, as the transport established it (the inherited
/// descriptor under the supervisor, SO_PEERCRED on a named socket).
public enum Peer: Hashable, Sendable, CustomStringConvertible {
    case checkd
    case vrrpd
    case supervisor
    case other(uid: UInt32)

    public var description: String {
        switch self {
        case .checkd: return "checkd"
        case .vrrpd: return "vrrpd"
        case .supervisor: return "supervisor"
        case .other(let uid): return "uid \(uid)"
        }
    }
}

/// A real-server verdict as it arrived, not yet trusted.
public struct RealServerVerdict: Hashable, Sendable, Codable {
    public var generation: UInt64
    public var virtualServer: VirtualServerRef
    public var realServer: RealServerRef
    public var up: Bool
    /// Signed and wide on purpose: an out-of-range value must arrive intact to be refused.
    public var weight: Int64

    public init(generation: UInt64, virtualServer: VirtualServerRef, realServer: RealServerRef, up: Bool, weight: Int64) {
        self.generation = generation
        self.virtualServer = virtualServer
        self.realServer = realServer
        self.up = up
        self.weight = weight
    }
}

public enum Refusal: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongPeer(Peer)
    case staleGeneration(got: UInt64, current: UInt64)
    case unknownVirtualServer(VirtualServerRef)
    case unknownRealServer(VirtualServerRef, RealServerRef)
    /// A server with no checker is always up (as keepalived counts it): no verdict can concern it.
    case notChecked(VirtualServerRef, RealServerRef)
    case weightOutOfRange(Int64, allowed: ClosedRange<UInt32>)

    /// A short stable name, for counters.
    public var reason: String {
        switch self {
        case .wrongPeer: return "wrong-peer"
        case .staleGeneration: return "stale-generation"
        case .unknownVirtualServer: return "unknown-virtual-server"
        case .unknownRealServer: return "unknown-real-server"
        case .notChecked: return "not-checked"
        case .weightOutOfRange: return "weight-out-of-range"
        }
    }

    public var description: String {
        switch self {
        case .wrongPeer(let p): return "verdicts come only from checkd, not from \(p)"
        case .staleGeneration(let got, let current): return "verdict of config generation \(got), current is \(current)"
        case .unknownVirtualServer(let v): return "virtual server \(v) is not in the config"
        case .unknownRealServer(let v, let r): return "real server \(r) is not in virtual server \(v) of the config"
        case .notChecked(let v, let r): return "real server \(r) of \(v) has no checker, so it is always up"
        case .weightOutOfRange(let w, let allowed): return "weight \(w) outside \(allowed.lowerBound)...\(allowed.upperBound)"
        }
    }
}

/// Refusals counted by reason (reported in the status reply).
public struct RefusalCounters: Hashable, Sendable, Codable {
    public var byReason: [String: UInt64] = [:]
    public var total: UInt64 { byReason.values.reduce(0, +) }
    public init() {}
    public mutating func count(_ r: Refusal) { byReason[r.reason, default: 0] += 1 }
}

extension IPVSPlan {
    /// Admits one verdict against this plan (the allowlist) or says why not.
    public func admit(_ v: RealServerVerdict, from peer: Peer, generation: UInt64) throws(Refusal) -> HealthChange {
        guard peer == .checkd else { throw .wrongPeer(peer) }
        guard v.generation == generation else { throw .staleGeneration(got: v.generation, current: generation) }
        guard let vs = virtualServer(v.virtualServer) else { throw .unknownVirtualServer(v.virtualServer) }
        guard let rs = vs.realServer(v.realServer) else { throw .unknownRealServer(v.virtualServer, v.realServer) }
        guard !rs.uncheckedAlwaysUp else { throw .notChecked(v.virtualServer, v.realServer) }
        let allowed = 0...rs.maxWeight
        guard v.weight >= 0, v.weight <= Int64(rs.maxWeight) else { throw .weightOutOfRange(v.weight, allowed: allowed) }
        return HealthChange(virtualServer: vs.ref, realServer: rs.ref, up: v.up, weight: UInt32(v.weight))
    }
}
