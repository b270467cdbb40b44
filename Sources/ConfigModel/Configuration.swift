// The typed model of a whole keepalived.conf, and the compiled form the
// daemons load. Property names are the keepalived keywords in camelCase
// (`virtual_router_id` -> `virtualRouterId`), so `kaconf dump --json`, which
// prints them in snake_case, shows each value under its keyword.

public struct KeepalivedConfiguration: Hashable, Sendable, Codable {
    public var topLevel = TopLevelOptions()
    public var global = GlobalDefinitions()
    public var staticIpaddress: [AddressEntry] = []
    public var staticRoutes: [RouteEntry] = []
    public var staticRules: [RuleEntry] = []
    public var trackGroups: [TrackGroup] = []
    public var garpGroups: [GarpGroup] = []
    public var linkbeatInterfaces: [LinkbeatInterface] = []
    public var interfaceUpDownDelays: [InterfaceUpDownDelay] = []
    public var vrrpScripts: [VRRPScript] = []
    public var vrrpTrackProcesses: [TrackProcess] = []
    public var trackFiles: [TrackFile] = []
    public var vrrpSyncGroups: [SyncGroup] = []
    public var vrrpInstances: [VRRPInstance] = []
    public var ssl: SSLOptions?
    public var virtualServerGroups: [VirtualServerGroup] = []
    public var virtualServers: [VirtualServer] = []
    public var bfdInstances: [BFDInstance] = []

    public init() {}
}

/// What `kaconf compile` writes and the daemons load: a validated model, its
/// script table, and a generation number the supervisor bumps on each reload.
public struct CompiledConfig: Hashable, Sendable, Codable {
    /// Bumped when the model changes incompatibly; loaders refuse other versions.
    public static let formatVersion: UInt32 = 1
    public static let magic: [UInt8] = Array("KACF".utf8)

    public var formatVersion: UInt32 = CompiledConfig.formatVersion
    public var generation: UInt64 = 0
    /// The main file it was compiled from, and the config-id used for `@` lines.
    public var sourceFile: String = ""
    public var configId: String = ""
    public var config = KeepalivedConfiguration()
    /// Every script of the configuration; `Script.id` indexes this table.
    public var scripts: [Script] = []

    public init() {}
}

/// Which program a slice of the configuration is for.
public enum Program: String, Hashable, Sendable, Codable, CaseIterable {
    case vrrpd
    case checkd
    case ipvsApplier = "ipvs-applier"
}
