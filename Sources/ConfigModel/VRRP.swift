// VRRP sections: vrrp_instance, vrrp_sync_group, vrrp_script,
// vrrp_track_process, track_file, address/route/rule lines, tracking.

/// One line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress
/// (reference §2.1).
public struct AddressEntry: Hashable, Sendable, Codable {
    public enum Broadcast: Hashable, Sendable, Codable {
        case address(IPAddress)
        /// `brd +`: host bits set.
        case setHostBits
        /// `brd -`: host bits cleared.
        case clearHostBits
    }

    public enum Scope: Hashable, Sendable, Codable {
        case global, site, link, host, nowhere
        case number(UInt8)
    }

    public var prefix: IPPrefix
    public var broadcast: Broadcast?
    public var dev: String?
    public var scope: Scope = .global
    public var label: String?
    public var peer: IPPrefix?
    public var home = false
    public var nodad = false
    public var mngtmpaddr = false
    public var noprefixroute = false
    public var autojoin = false
    public var noTrack = false
    /// nil: keepalived's default (0 for an IPv6 /128, else forever).
    public var preferredLft: UInt32?
    public var preferredLftForever = false
    public var trackGroup: String?

    public init(prefix: IPPrefix) { self.prefix = prefix }
}

/// One `ip route`-like line of virtual_routes / static_routes (reference §2.1).
public struct RouteEntry: Hashable, Sendable, Codable {
    public struct Nexthop: Hashable, Sendable, Codable {
        public var via: IPAddress?
        public var dev: String?
        /// 1...256; nil: 1.
        public var weight: Int?
        public var onlink = false
        public init() {}
    }

    /// unicast, local, broadcast, anycast, multicast, prohibit, unreachable,
    /// blackhole, throw, nat, xresolve; nil: unicast.
    public var type: String?
    public var destination: IPPrefix
    /// `src IP`.
    public var source: IPAddress?
    /// `via IP` (or the deprecated `gw IP`).
    public var via: IPAddress?
    /// The deprecated `via A or B` second gateway.
    public var orVia: IPAddress?
    public var dev: String?
    /// A table number or a name from rt_tables.
    public var table: String?
    /// `metric` / `priority` / `preference`.
    public var metric: UInt32?
    public var `protocol`: String?
    public var scope: String?
    public var tos: Int?
    /// `realms [FROM/]TO`.
    public var realms: String?
    public var onlink = false
    public var nexthops: [Nexthop] = []
    /// mtu, advmss, rtt, rttvar, reordering, window, cwnd, ssthresh, rto_min,
    /// initcwnd, initrwnd, hoplimit, features, congctl, quickack,
    /// fastopen_no_cookie, in the order written.
    public var metrics: [RouteMetric] = []
    /// `encap TYPE ...`, as written.
    public var encap: [String] = []
    public var expires: Int?
    /// `pref low|medium|high` (IPv6).
    public var pref: String?
    /// `ttl-propagate enabled|disabled`.
    public var ttlPropagate: Bool?
    public var vrf: String?
    /// `add`, `append` or `prepend` (the default, as `ip route add`).
    public var mode: String?
    public var noTrack = false
    public var trackGroup: String?

    public init(destination: IPPrefix) { self.destination = destination }
}

public struct RouteMetric: Hashable, Sendable, Codable {
    public var name: String
    public var value: String
    public var lock = false
    public init(name: String, value: String, lock: Bool = false) {
        self.name = name
        self.value = value
        self.lock = lock
    }
}

/// One `ip rule`-like line of virtual_rules / static_rules.
public struct RuleEntry: Hashable, Sendable, Codable {
    public var family: AddressFamily?
    public var not = false
    public var from: IPPrefix?
    public var to: IPPrefix?
    public var table: String?
    /// nil: keepalived sets 16384 with a warning.
    public var preference: UInt32?
    public var tos: Int?
    public var fwmark: UInt32?
    public var fwmask: UInt32?
    public var realms: String?
    public var suppressPrefixlength: Int?
    public var suppressIfgroup: String?
    public var iif: String?
    public var oif: String?
    public var tunnelId: UInt64?
    public var uidrange: String?
    public var `protocol`: String?
    public var ipproto: String?
    public var sport: String?
    public var dport: String?
    public var l3mdev = false
    public var goto: UInt32?
    public var nop = false
    public var type: String?
    public var noTrack = false
    public var trackGroup: String?
    public init() {}
}

/// A tracked object named in a track_* block, with its weight.
public struct TrackReference: Hashable, Sendable, Codable {
    public var name: String
    /// nil: the tracked object's own weight.
    public var weight: Int?
    public var reverse = false
    public init(name: String, weight: Int? = nil, reverse: Bool = false) {
        self.name = name
        self.weight = weight
        self.reverse = reverse
    }
}

public struct UnicastPeer: Hashable, Sendable, Codable {
    public var address: IPAddress
    public var minTtl: UInt8?
    public var maxTtl: UInt8?
    public init(address: IPAddress) { self.address = address }
}

public enum VRRPState: String, Hashable, Sendable, Codable {
    case master = "MASTER"
    case backup = "BACKUP"
}

public enum VRRPAuthType: String, Hashable, Sendable, Codable {
    case pass = "PASS"
    case ah = "AH"
}

public struct VRRPAuthentication: Hashable, Sendable, Codable {
    public var authType: VRRPAuthType?
    /// The password as configured (at most 8 bytes are used, zero padded).
    public var authPass: String?
    public init() {}
}

public struct VMACSettings: Hashable, Sendable, Codable {
    public var name: String?
    public var mac: [UInt8]?
    public var netlinkNotifyMsg = false
    public var group: String?
    public init() {}
}

public struct IPVLANSettings: Hashable, Sendable, Codable {
    public var name: String?
    public var address: IPPrefix?
    public var mode: String?
    public var group: String?
    public init() {}
}

public struct VRRPInstance: Hashable, Sendable, Codable {
    public var name: String

    public var useVmac: VMACSettings?
    public var useVmacAddr = false
    public var vmacXmitBase = false
    public var useIpvlan: IPVLANSettings?
    public var unicastPeer: [UnicastPeer] = []
    public var unicastFaultNoPeer = false
    public var checkUnicastSrc: Bool?
    public var oldUnicastChecksum: String?
    public var nativeIpv6 = false
    public var state: VRRPState?
    public var interface: String?
    public var vrf: String?
    public var dontTrackPrimary = false
    public var trackInterface: [TrackReference] = []
    public var trackScript: [TrackReference] = []
    public var trackFile: [TrackReference] = []
    public var trackProcess: [TrackReference] = []
    public var trackBfd: [TrackReference] = []
    public var mcastSrcIp: IPAddress?
    public var unicastSrcIp: IPAddress?
    public var mcastDstIp: IPAddress?
    public var trackSrcIp = false
    public var virtualRouterId: UInt8?
    public var unicastTtl: UInt8 = 255
    /// nil: global `vrrp_version` (IPv6 instances are always 3).
    public var version: Int?
    /// 100 when not configured, 255 (address owner) with `state MASTER`, as keepalived 2.2.7.
    public var priority: UInt8 = 100
    public var advertInt = Interval.seconds(1)
    public var virtualIpaddress: [AddressEntry] = []
    public var virtualIpaddressExcluded: [AddressEntry] = []
    public var promoteSecondaries = false
    public var linkbeatUsePolling = false
    public var virtualRoutes: [RouteEntry] = []
    public var virtualRules: [RuleEntry] = []
    /// nil: keepalived's default (accept, unless strict mode).
    public var accept: Bool?
    public var skipCheckAdvAddr: Bool?
    public var strictMode: Bool?
    public var nopreempt = false
    public var preemptDelay = Interval.zero
    public var debug = 0
    public var notifyBackup: Script?
    public var notifyMaster: Script?
    public var notifyFault: Script?
    public var notifyStop: Script?
    public var notifyDeleted: Script?
    public var notifyDeletedEnabled = false
    public var notify: Script?
    public var notifyMasterRxLowerPri: Script?
    public var smtpAlert: Bool?
    public var notifyPriorityChanges: Bool?
    public var lvsSyncDaemonInterface: String?
    public var garpMasterDelay: Int?
    public var garpMasterRefresh: Int?
    public var garpMasterRepeat: Int?
    public var garpMasterRefreshRepeat: Int?
    public var garpLowerPrioDelay: Int?
    public var garpLowerPrioRepeat: Int?
    public var downTimerAdverts: Int?
    public var garpExtraIf: GarpExtraIf?
    public var lowerPrioNoAdvert: Bool?
    public var higherPrioSendAdvert: Bool?
    public var kernelRxBufSize: Int?
    public var authentication: VRRPAuthentication?

    public init(name: String) { self.name = name }
}

public struct SyncGroup: Hashable, Sendable, Codable {
    public var name: String
    public var group: [String] = []
    public var trackInterface: [TrackReference] = []
    public var trackScript: [TrackReference] = []
    public var trackFile: [TrackReference] = []
    public var trackProcess: [TrackReference] = []
    public var trackBfd: [TrackReference] = []
    public var notifyBackup: Script?
    public var notifyMaster: Script?
    public var notifyFault: Script?
    public var notifyStop: Script?
    public var notify: Script?
    public var smtpAlert: Bool?
    public var globalTracking = false
    public var syncGroupTrackingWeight = false
    public var notifyPriorityChanges: Bool?
    public init(name: String) { self.name = name }
}

public struct VRRPScript: Hashable, Sendable, Codable {
    public var name: String
    public var script: Script?
    public var interval = Interval.seconds(1)
    /// nil: equal to interval.
    public var timeout: Interval?
    public var weight = 0
    public var weightReverse = false
    public var rise = 1
    public var fall = 1
    public var user: String?
    public var group: String?
    public var initFail = false
    public init(name: String) { self.name = name }
}

public struct TrackProcess: Hashable, Sendable, Codable {
    public enum ParamMatch: String, Hashable, Sendable, Codable { case exact, initial, partial }
    public var name: String
    public var process: String?
    public var parameters: [String] = []
    public var paramMatch = ParamMatch.exact
    public var weight = 0
    public var weightReverse = false
    public var quorum = 1
    public var quorumMax: Int?
    public var terminateDelay = Interval.zero
    public var forkDelay = Interval.zero
    public var fullCommand = false
    public init(name: String) { self.name = name }
}

public struct TrackFile: Hashable, Sendable, Codable {
    public var name: String
    public var file: String?
    public var weight = 1
    public var weightReverse = false
    /// `init_file [VALUE] [overwrite]`.
    public var initFile: Int?
    public var initFileOverwrite = false
    /// Declared as the deprecated `vrrp_track_file`.
    public var deprecatedSpelling = false
    public init(name: String) { self.name = name }
}

public struct TrackGroup: Hashable, Sendable, Codable {
    public var name: String
    public var group: [String] = []
    public init(name: String) { self.name = name }
}

public struct GarpGroup: Hashable, Sendable, Codable {
    public var garpInterval: Interval?
    public var gnaInterval: Interval?
    public var interface: String?
    public var interfaces: [String] = []
    public init() {}
}

public struct LinkbeatInterface: Hashable, Sendable, Codable {
    public enum Method: String, Hashable, Sendable, Codable { case mii = "MII", ethtool = "ETHTOOL", ioctl = "IOCTL" }
    public var interface: String
    public var method: Method?
    public init(interface: String) { self.interface = interface }
}

public struct InterfaceUpDownDelay: Hashable, Sendable, Codable {
    public var interface: String
    public var downDelay: Interval
    public var upDelay: Interval
    public init(interface: String, downDelay: Interval, upDelay: Interval) {
        self.interface = interface
        self.downDelay = downDelay
        self.upDelay = upDelay
    }
}

public struct BFDInstance: Hashable, Sendable, Codable {
    public var name: String
    public var sourceIp: IPAddress?
    public var neighborIp: IPAddress?
    public var minRx = Interval.milliseconds(10)
    public var minTx = Interval.milliseconds(10)
    public var idleTx = Interval.milliseconds(1000)
    public var multiplier = 5
    public var passive = false
    public var ttl = 255
    public var hoplimit = 64
    public var maxHops = 0
    public var weight = 0
    public var weightReverse = false
    public var vrrp = false
    public var checker = false
    public init(name: String) { self.name = name }
}
