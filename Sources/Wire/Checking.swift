// checkd -> ipvs-applier: what the health checks decided. ipvs-applier
// treats these as requests from an untrusted peer and admits each against
// its compiled allowlist (STYLE.md §2).

public struct RealServerVerdict: Hashable, Sendable, Codable {
    public var generation: Generation
    public var virtualServer: VirtualServerKey
    public var realServer: RealServerKey
    public var up: Bool
    /// The weight to set while up (keepalived's weight, possibly changed by
    /// MISC_CHECK's dynamic weight); ignored when down.
    public var weight: Int32
    /// Why, in words for the log ("TCP connect to 10.0.0.2:80 refused").
    public var reason: String
    public init(generation: Generation, virtualServer: VirtualServerKey, realServer: RealServerKey,
                up: Bool, weight: Int32, reason: String) {
        self.generation = generation
        self.virtualServer = virtualServer
        self.realServer = realServer
        self.up = up
        self.weight = weight
        self.reason = reason
    }
}

/// A virtual server's own state: quorum reached or lost, sorry server in or out.
public struct VirtualServerState: Hashable, Sendable, Codable {
    public var generation: Generation
    public var virtualServer: VirtualServerKey
    public var quorumUp: Bool
    public var sorryServerActive: Bool
    public init(generation: Generation, virtualServer: VirtualServerKey, quorumUp: Bool, sorryServerActive: Bool) {
        self.generation = generation
        self.virtualServer = virtualServer
        self.quorumUp = quorumUp
        self.sorryServerActive = sorryServerActive
    }
}

/// Everything checkd currently believes, sent when ipvs-applier (re)connects
/// or after a reload, so the applier reconciles from a complete picture.
/// Large tables travel in parts; `final` marks the last one.
public struct RealServerFullState: Hashable, Sendable, Codable {
    public var generation: Generation
    public var part: Int
    public var final: Bool
    public var verdicts: [RealServerVerdict]
    public var virtualServers: [VirtualServerState]
    public init(generation: Generation, part: Int = 0, final: Bool = true, verdicts: [RealServerVerdict],
                virtualServers: [VirtualServerState]) {
        self.generation = generation
        self.part = part
        self.final = final
        self.verdicts = verdicts
        self.virtualServers = virtualServers
    }
}
