// Which real servers are in, at what weight, and whether each virtual
// server has its quorum: the state checkd's verdicts change. The quorum is
// computed here from the verdicts, with keepalived's hysteresis, rather than
// taken on checkd's word: the privileged side decides when the sorry server
// comes in, from facts it has admitted.
//
// keepalived 2.2.7 (§5.4 of the reference, and observed in the guest):
// - lost when the sum of the weights of the servers that are up is 0 or
//   below quorum - hysteresis; gained when it reaches quorum + hysteresis;
// - the state starts lost and is evaluated once at start-up, so a sum below
//   quorum + hysteresis at start brings the sorry server in at once.

public struct RealServerHealth: Hashable, Sendable, Codable {
    public var up: Bool
    /// The effective weight while up (a dynamic checker may change it).
    public var weight: UInt32
    public init(up: Bool, weight: UInt32) {
        self.up = up
        self.weight = weight
    }
}

public struct VirtualServerHealth: Hashable, Sendable, Codable {
    public var realServers: [RealServerRef: RealServerHealth]
    public var quorumUp: Bool

    public var upWeight: UInt64 {
        realServers.values.reduce(0) { $0 + ($1.up ? UInt64($1.weight) : 0) }
    }
}

/// A change of quorum, for the log (and keepalived's notify lines).
public struct QuorumTransition: Hashable, Sendable {
    public var virtualServer: VirtualServerRef
    public var up: Bool
    public var sum: UInt64
    public var threshold: Int64

    /// keepalived's wording: `Gained quorum 2+1=3 <= 3 for VS [10.0.0.2]:tcp:80`.
    public func logLine(_ plan: VirtualServerPlan) -> String {
        if up {
            return "Gained quorum \(plan.quorum)+\(plan.hysteresis)=\(threshold) <= \(sum) for VS \(virtualServer)"
        }
        return "Lost quorum \(plan.quorum)-\(plan.hysteresis)=\(threshold) > \(sum) for VS \(virtualServer)"
    }
}

public struct HealthState: Hashable, Sendable, Codable {
    public var virtualServers: [VirtualServerRef: VirtualServerHealth] = [:]

    public init() {}

    /// The state at start-up: servers with `alpha` start down, the others up
    /// at their configured weight (keepalived adds them at once); servers with
    /// no checker are always up. `previous` carries the state of servers that
    /// a reload left unchanged.
    public init(plan: IPVSPlan, previous: HealthState? = nil, transitions: inout [QuorumTransition]) {
        for vs in plan.virtualServers {
            var h = VirtualServerHealth(realServers: [:], quorumUp: false)
            let old = previous?.virtualServers[vs.ref]
            for rs in vs.realServers {
                if var kept = old?.realServers[rs.ref] {
                    kept.weight = min(kept.weight, rs.maxWeight)
                    if rs.uncheckedAlwaysUp { kept = RealServerHealth(up: true, weight: rs.weight) }
                    h.realServers[rs.ref] = kept
                } else {
                    let up = rs.uncheckedAlwaysUp || !rs.alpha
                    h.realServers[rs.ref] = RealServerHealth(up: up, weight: rs.weight)
                }
            }
            if let old { h.quorumUp = old.quorumUp }
            virtualServers[vs.ref] = h
            if let t = Self.evaluateQuorum(&virtualServers[vs.ref]!, vs) { transitions.append(t) }
        }
    }

    /// Applies one admitted change; returns the quorum transition it caused, if any.
    @discardableResult
    public mutating func apply(_ change: HealthChange, plan: IPVSPlan) -> QuorumTransition? {
        guard let vsPlan = plan.virtualServer(change.virtualServer),
              virtualServers[change.virtualServer]?.realServers[change.realServer] != nil else { return nil }
        virtualServers[change.virtualServer]!.realServers[change.realServer] =
            RealServerHealth(up: change.up, weight: change.weight)
        return Self.evaluateQuorum(&virtualServers[change.virtualServer]!, vsPlan)
    }

    static func evaluateQuorum(_ h: inout VirtualServerHealth, _ plan: VirtualServerPlan) -> QuorumTransition? {
        let sum = h.upWeight
        let q = Int64(clamping: plan.quorum), hy = Int64(clamping: plan.hysteresis)
        if h.quorumUp {
            if sum == 0 || Int64(clamping: sum) < q - hy {
                h.quorumUp = false
                return QuorumTransition(virtualServer: plan.ref, up: false, sum: sum, threshold: q - hy)
            }
        } else if Int64(clamping: sum) >= q + hy && sum > 0 {
            h.quorumUp = true
            return QuorumTransition(virtualServer: plan.ref, up: true, sum: sum, threshold: q + hy)
        }
        return nil
    }
}

/// One admitted verdict: a configured real server of a configured virtual
/// server is up at a weight within its bound, or down.
public struct HealthChange: Hashable, Sendable, Codable {
    public var virtualServer: VirtualServerRef
    public var realServer: RealServerRef
    public var up: Bool
    public var weight: UInt32
    public init(virtualServer: VirtualServerRef, realServer: RealServerRef, up: Bool, weight: UInt32) {
        self.virtualServer = virtualServer
        self.realServer = realServer
        self.up = up
        self.weight = weight
    }
}
