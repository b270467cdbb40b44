// vrrpd -> checkd (ha_suspend) and ipvs-applier (the LVS sync daemon).

public enum VRRPState: String, Hashable, Sendable, Codable, CaseIterable {
    case initial = "INIT"
    case backup = "BACKUP"
    case master = "MASTER"
    case fault = "FAULT"
    case stopped = "STOP"
}

public struct VRRPStateChange: Hashable, Sendable, Codable {
    public var generation: Generation
    public var instance: String
    /// The sync group the instance belongs to, if any.
    public var syncGroup: String?
    public var state: VRRPState
    public var priority: UInt8
    public init(generation: Generation, instance: String, syncGroup: String? = nil, state: VRRPState, priority: UInt8) {
        self.generation = generation
        self.instance = instance
        self.syncGroup = syncGroup
        self.state = state
        self.priority = priority
    }
}
