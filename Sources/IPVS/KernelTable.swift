// The kernel's IPVS table in its own vocabulary: what `ipvsadm -Sn` shows.
// Both sides of the diff are written in it: the desired table built from the
// compiled config plus checker verdicts, and the table dumped from the kernel.
// Numbers are the kernel's (include/uapi/linux/ip_vs.h); the netlink codec
// lives in the Netlink module, never here.
import ConfigModel

/// The transport protocol of an address service (IPPROTO_* numbers).
public enum IPVSTransport: UInt16, Hashable, Sendable, Comparable, CaseIterable, Codable {
    case tcp = 6
    case udp = 17
    case sctp = 132

    public init(_ p: IPVSProtocol) {
        switch p {
        case .tcp: self = .tcp
        case .udp: self = .udp
        case .sctp: self = .sctp
        }
    }

    /// keepalived's spelling in log lines: `[10.0.0.1]:tcp:80`.
    public var name: String {
        switch self {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// What identifies a kernel service: protocol, address and port, or a
/// firewall mark within an address family.
public enum ServiceKey: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    case address(IPVSTransport, IPAddress, port: UInt16)
    case fwmark(UInt32, family: AddressFamily)

    public var family: AddressFamily {
        switch self {
        case .address(_, let a, _): return a.family
        case .fwmark(_, let f): return f
        }
    }

    /// The port the kernel matches on (0 for a fwmark service).
    public var port: UInt16 {
        switch self {
        case .address(_, _, let p): return p
        case .fwmark: return 0
        }
    }

    public var description: String {
        switch self {
        case .address(let t, let a, let p):
            if case .v6 = a { return "\(t.name) [\(a)]:\(p)" }
            return "\(t.name) \(a):\(p)"
        case .fwmark(let m, let f): return f == .inet6 ? "fwmark \(m) inet6" : "fwmark \(m)"
        }
    }

    public static func < (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.address(let t1, let a1, let p1), .address(let t2, let a2, let p2)):
            return (a1, p1, t1.rawValue) < (a2, p2, t2.rawValue)
        case (.address, .fwmark): return true
        case (.fwmark, .address): return false
        case (.fwmark(let m1, let f1), .fwmark(let m2, let f2)):
            return (m1, f1 == .inet6 ? 1 : 0) < (m2, f2 == .inet6 ? 1 : 0)
        }
    }
}

/// IP_VS_SVC_F_*: the service flags a user may set.
public struct ServiceFlags: OptionSet, Hashable, Sendable, Codable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let persistent = ServiceFlags(rawValue: 0x0001)
    /// Set by the kernel on every hashed service; never ours to set or compare.
    public static let hashed = ServiceFlags(rawValue: 0x0002)
    public static let onePacket = ServiceFlags(rawValue: 0x0004)
    public static let scheduler1 = ServiceFlags(rawValue: 0x0008)
    public static let scheduler2 = ServiceFlags(rawValue: 0x0010)
    public static let scheduler3 = ServiceFlags(rawValue: 0x0020)
    /// sh and mh name the first two scheduler flags after what they do.
    public static let shFallback = scheduler1
    public static let shPort = scheduler2
    public static let mhFallback = scheduler1
    public static let mhPort = scheduler2
    public static let userSettable: ServiceFlags = [.persistent, .onePacket, .scheduler1, .scheduler2, .scheduler3]
}

/// A service's settings, all editable in place (IPVS_CMD_SET_SERVICE).
public struct ServiceSettings: Hashable, Sendable, Codable {
    public var scheduler: String
    public var flags: ServiceFlags
    /// Persistence timeout in seconds; 0 when not persistent.
    public var timeout: UInt32
    /// IPv4: the persistence netmask as a number (255.255.255.0 is 0xFFFFFF00);
    /// IPv6: the prefix length.
    public var netmask: UInt32
    /// The persistence engine ("sip"), or nil.
    public var persistenceEngine: String?

    public init(scheduler: String, flags: ServiceFlags = [], timeout: UInt32 = 0,
                netmask: UInt32, persistenceEngine: String? = nil) {
        self.scheduler = scheduler
        self.flags = flags
        self.timeout = timeout
        self.netmask = netmask
        self.persistenceEngine = persistenceEngine
    }

    /// The default netmask of a family: every bit (no grouping of clients).
    public static func fullNetmask(_ f: AddressFamily) -> UInt32 { f == .inet ? 0xFFFF_FFFF : 128 }

    /// Only what a user can set and the kernel reports back faithfully.
    public var comparable: ServiceSettings {
        var s = self
        s.flags = s.flags.intersection(.userSettable)
        if s.persistenceEngine == "" { s.persistenceEngine = nil }
        return s
    }
}

/// IP_VS_CONN_F_FWD_MASK values.
public enum ForwardingMethodCode: UInt32, Hashable, Sendable, Codable {
    case masquerade = 0
    case localNode = 1
    case tunnel = 2
    case directRoute = 3
    case bypass = 4
}

/// Tunnel encapsulation of a TUN destination (IP_VS_CONN_F_TUNNEL_TYPE_*,
/// IP_VS_TUNNEL_ENCAP_FLAG_*).
public struct TunnelSettings: Hashable, Sendable, Codable {
    public enum Kind: UInt8, Hashable, Sendable, Codable { case ipip = 0, gue = 1, gre = 2 }
    public struct Flags: OptionSet, Hashable, Sendable, Codable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let checksum = Flags(rawValue: 0x1)
        public static let remoteChecksum = Flags(rawValue: 0x2)
    }
    public var kind: Kind
    public var port: UInt16
    public var flags: Flags
    public init(kind: Kind = .ipip, port: UInt16 = 0, flags: Flags = []) {
        self.kind = kind
        self.port = port
        self.flags = flags
    }
    public static let none = TunnelSettings()
}

/// What identifies a destination (real server) within a service.
public struct DestinationKey: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var address: IPAddress
    public var port: UInt16
    public init(_ address: IPAddress, _ port: UInt16) {
        self.address = address
        self.port = port
    }
    public var description: String {
        if case .v6 = address { return "[\(address)]:\(port)" }
        return "\(address):\(port)"
    }
    public static func < (a: Self, b: Self) -> Bool { (a.address, a.port) < (b.address, b.port) }
}

/// A destination's settings, all editable in place (IPVS_CMD_SET_DEST).
public struct DestinationSettings: Hashable, Sendable, Codable {
    public var forwarding: ForwardingMethodCode
    public var weight: UInt32
    public var upperThreshold: UInt32
    public var lowerThreshold: UInt32
    /// Meaningful only for `.tunnel`; `.none` otherwise.
    public var tunnel: TunnelSettings

    public init(forwarding: ForwardingMethodCode, weight: UInt32, upperThreshold: UInt32 = 0,
                lowerThreshold: UInt32 = 0, tunnel: TunnelSettings = .none) {
        self.forwarding = forwarding
        self.weight = weight
        self.upperThreshold = upperThreshold
        self.lowerThreshold = lowerThreshold
        self.tunnel = forwarding == .tunnel ? tunnel : .none
    }

    /// The kernel reports tunnel fields for every destination; only a tunnel's count.
    public var comparable: DestinationSettings {
        var d = self
        if d.forwarding != .tunnel { d.tunnel = .none }
        return d
    }
}

public struct ServiceEntry: Hashable, Sendable, Codable {
    public var settings: ServiceSettings
    public var destinations: [DestinationKey: DestinationSettings]
    public init(settings: ServiceSettings, destinations: [DestinationKey: DestinationSettings] = [:]) {
        self.settings = settings
        self.destinations = destinations
    }
}

/// A whole IPVS table: the kernel's, or the one we want.
public struct IPVSTable: Hashable, Sendable, Codable {
    public var services: [ServiceKey: ServiceEntry]
    public init(services: [ServiceKey: ServiceEntry] = [:]) { self.services = services }

    public var destinationCount: Int { services.values.reduce(0) { $0 + $1.destinations.count } }

    /// `ipvsadm -Sn`-like lines, sorted: a readable, comparable rendering.
    public var lines: [String] {
        var out: [String] = []
        for key in services.keys.sorted() {
            let e = services[key]!
            let s = e.settings.comparable
            var l = "-A \(key) -s \(s.scheduler)"
            if s.flags.contains(.persistent) { l += " -p \(s.timeout)" }
            if s.netmask != ServiceSettings.fullNetmask(key.family) { l += " -M \(s.netmask)" }
            let sched = s.flags.intersection([.onePacket, .scheduler1, .scheduler2, .scheduler3])
            if !sched.isEmpty { l += " flags 0x\(String(sched.rawValue, radix: 16))" }
            if let pe = s.persistenceEngine { l += " --pe \(pe)" }
            out.append(l)
            for d in e.destinations.keys.sorted() {
                let ds = e.destinations[d]!.comparable
                var dl = "-a \(key) -r \(d) fwd \(ds.forwarding) -w \(ds.weight)"
                if ds.upperThreshold != 0 || ds.lowerThreshold != 0 { dl += " -x \(ds.upperThreshold) -y \(ds.lowerThreshold)" }
                if ds.forwarding == .tunnel { dl += " tun \(ds.tunnel.kind) \(ds.tunnel.port) \(ds.tunnel.flags.rawValue)" }
                out.append(dl)
            }
        }
        return out
    }
}
