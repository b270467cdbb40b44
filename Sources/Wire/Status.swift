// Supervisor -> daemon: report your state; daemon -> supervisor: here it is.
// Structured, so the supervisor builds keepalived's SIGUSR1 data dump and
// SIGUSR2 statistics files from the replies, and a future `--json` can too.

public enum StatusKind: String, Hashable, Sendable, Codable {
    /// SIGUSR1: keepalived.data, configuration and current state.
    case data
    /// SIGUSR2: keepalived.stats, counters.
    case stats
    /// keepalived's STATS_CLEAR signal: report, then zero the counters.
    case statsClear
}

public struct StatusRequest: Hashable, Sendable, Codable {
    public var requestID: UInt64
    public var kind: StatusKind
    public init(requestID: UInt64, kind: StatusKind) {
        self.requestID = requestID
        self.kind = kind
    }
}

/// Large replies travel in parts with the same request id; `final` marks the last.
public struct StatusReply: Hashable, Sendable, Codable {
    public var requestID: UInt64
    public var generation: Generation
    public var program: ProgramName
    public var pid: Int32
    public var part: Int
    public var final: Bool
    public var vrrpInstances: [VRRPInstanceStatus]
    public var virtualServers: [VirtualServerStatus]
    public var realServers: [RealServerStatus]
    /// Free-form lines of the data dump (`------< VRRP Topology >------` and so on).
    public var dumpLines: [String]

    public init(requestID: UInt64, generation: Generation, program: ProgramName, pid: Int32, part: Int = 0,
                final: Bool = true, vrrpInstances: [VRRPInstanceStatus] = [], virtualServers: [VirtualServerStatus] = [],
                realServers: [RealServerStatus] = [], dumpLines: [String] = []) {
        self.requestID = requestID
        self.generation = generation
        self.program = program
        self.pid = pid
        self.part = part
        self.final = final
        self.vrrpInstances = vrrpInstances
        self.virtualServers = virtualServers
        self.realServers = realServers
        self.dumpLines = dumpLines
    }
}

public struct VRRPInstanceStatus: Hashable, Sendable, Codable {
    public var name: String
    public var state: VRRPState
    public var wantState: VRRPState
    public var priority: UInt8
    public var effectivePriority: UInt8
    public var interface: String
    public var virtualRouterID: UInt8
    public var lastTransition: Int64?  // seconds since the epoch
    public var stats: VRRPInstanceStats
    public init(name: String, state: VRRPState, wantState: VRRPState, priority: UInt8, effectivePriority: UInt8,
                interface: String, virtualRouterID: UInt8, lastTransition: Int64? = nil, stats: VRRPInstanceStats = .init()) {
        self.name = name
        self.state = state
        self.wantState = wantState
        self.priority = priority
        self.effectivePriority = effectivePriority
        self.interface = interface
        self.virtualRouterID = virtualRouterID
        self.lastTransition = lastTransition
        self.stats = stats
    }
}

/// The counters keepalived prints per instance in keepalived.stats.
public struct VRRPInstanceStats: Hashable, Sendable, Codable {
    public var advertisementsReceived: UInt64 = 0
    public var advertisementsSent: UInt64 = 0
    public var becameMaster: UInt64 = 0
    public var releasedMaster: UInt64 = 0
    public var packetLengthErrors: UInt64 = 0
    public var ipTTLErrors: UInt64 = 0
    public var invalidTypeReceived: UInt64 = 0
    public var addressListErrors: UInt64 = 0
    public var invalidAuthType: UInt64 = 0
    public var authTypeMismatch: UInt64 = 0
    public var authFailure: UInt64 = 0
    public var priorityZeroReceived: UInt64 = 0
    public var priorityZeroSent: UInt64 = 0
    public init() {}
}

public struct VirtualServerStatus: Hashable, Sendable, Codable {
    public var key: VirtualServerKey
    public var quorumUp: Bool
    public var sorryServerActive: Bool
    /// IPVS counters as the kernel reports them (ipvs-applier); nil from checkd.
    public var counters: IPVSCounters?
    public init(key: VirtualServerKey, quorumUp: Bool, sorryServerActive: Bool, counters: IPVSCounters? = nil) {
        self.key = key
        self.quorumUp = quorumUp
        self.sorryServerActive = sorryServerActive
        self.counters = counters
    }
}

public struct RealServerStatus: Hashable, Sendable, Codable {
    public var virtualServer: VirtualServerKey
    public var realServer: RealServerKey
    public var up: Bool
    public var weight: Int32
    public var checkers: [CheckerStatus]
    public var counters: IPVSCounters?
    public init(virtualServer: VirtualServerKey, realServer: RealServerKey, up: Bool, weight: Int32,
                checkers: [CheckerStatus] = [], counters: IPVSCounters? = nil) {
        self.virtualServer = virtualServer
        self.realServer = realServer
        self.up = up
        self.weight = weight
        self.checkers = checkers
        self.counters = counters
    }
}

public struct CheckerStatus: Hashable, Sendable, Codable {
    /// "TCP_CHECK", "HTTP_GET", ...
    public var kind: String
    public var up: Bool
    public var consecutiveFailures: UInt32
    public var lastReason: String?
    public init(kind: String, up: Bool, consecutiveFailures: UInt32 = 0, lastReason: String? = nil) {
        self.kind = kind
        self.up = up
        self.consecutiveFailures = consecutiveFailures
        self.lastReason = lastReason
    }
}

public struct IPVSCounters: Hashable, Sendable, Codable {
    public var connections: UInt64 = 0
    public var inPackets: UInt64 = 0
    public var outPackets: UInt64 = 0
    public var inBytes: UInt64 = 0
    public var outBytes: UInt64 = 0
    public var activeConnections: UInt32 = 0
    public var inactiveConnections: UInt32 = 0
    public init() {}
}
