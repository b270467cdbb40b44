// IPVS sections: virtual_server_group, virtual_server, real_server, the
// checkers, and the global SSL block (reference §2.3, §2.4, §5).

public enum IPVSProtocol: String, Hashable, Sendable, Codable {
    case tcp = "TCP"
    case udp = "UDP"
    case sctp = "SCTP"
}

public enum Scheduler: String, Hashable, Sendable, Codable, CaseIterable {
    case rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos
}

public struct ForwardingMethod: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable { case nat = "NAT", dr = "DR", tun = "TUN" }
    public enum TunnelType: String, Hashable, Sendable, Codable { case ipip, gue, gre }
    public enum TunnelChecksum: String, Hashable, Sendable, Codable { case nocsum, csum, remcsum }
    public var kind: Kind
    public var tunnelType: TunnelType?
    public var tunnelPort: UInt16?
    public var tunnelChecksum: TunnelChecksum?
    public init(_ kind: Kind) { self.kind = kind }

    enum CodingKeys: String, CodingKey { case kind, tunnelType, tunnelPort, tunnelChecksum }
}

/// How a virtual server is addressed.
public enum VirtualServerAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    case ip(IPAddress, port: UInt16)
    case fwmark(UInt32)
    case group(String)

    public var description: String {
        switch self {
        case .ip(.v6(let a), let port): return "[\(a)]:\(port)"
        case .ip(let a, let port): return "\(a):\(port)"
        case .fwmark(let m): return "FWM \(m)"
        case .group(let g): return "group \(g)"
        }
    }
}

public struct VirtualServerGroup: Hashable, Sendable, Codable {
    public enum Entry: Hashable, Sendable, Codable {
        /// A single address, or an inclusive range `first...last`, with an optional port.
        case range(first: IPAddress, last: IPAddress, port: UInt16?)
        case prefix(IPPrefix, port: UInt16?)
        case fwmark(UInt32, family: AddressFamily?)
    }
    public var name: String
    public var entries: [Entry] = []
    public init(name: String) { self.name = name }
}

public struct SorryServer: Hashable, Sendable, Codable {
    public var address: IPAddress
    public var port: UInt16?
    public init(address: IPAddress, port: UInt16? = nil) {
        self.address = address
        self.port = port
    }

    enum CodingKeys: String, CodingKey { case address, port }
}

public struct VirtualServer: Hashable, Sendable {
    public var address: VirtualServerAddress
    public var connectTimeout = Interval.seconds(5)
    public var delayLoop = Interval.seconds(60)
    /// nil when not configured (keepalived: error + wlc).
    public var lbAlgo: Scheduler?
    /// nil when not configured (keepalived: error + NAT).
    public var lbKind: ForwardingMethod?
    /// nil: no persistence; bare `persistence_timeout` is 360.
    public var persistenceTimeout: UInt32?
    /// nil when not configured (keepalived: error + UDP for address services).
    public var `protocol`: IPVSProtocol?
    public var realServers: [RealServer] = []
    /// The keywords most services leave alone (see RareFields.swift).
    var rare = Rare<RarelySet>()

    struct RarelySet: RareFields {
        var ipFamily: AddressFamily?
        var retry: Int?
        var delayBeforeRetry: Interval?
        var warmup: Interval?
        var inhibitOnFailure = false
        var hashed = false
        var ops = false
        var flag1 = false
        var flag2 = false
        var flag3 = false
        var shPort = false
        var shFallback = false
        var mhPort = false
        var mhFallback = false
        var persistenceEngine: String?
        var persistenceGranularity: String?
        var haSuspend = false
        var smtpAlert: Bool?
        var virtualhost: String?
        var snmpName: String?
        var alpha = false
        var omega = false
        var quorumUp: Script?
        var quorumDown: Script?
        var quorum: UInt32 = 1
        var hysteresis: UInt32 = 0
        var weight: Int32 = 1
        var sorryServer: SorryServer?
        var sorryServerInhibit = false
        var sorryServerLvsMethod: ForwardingMethod?
        static let defaults = RarelySet()
    }

    public var ipFamily: AddressFamily? { get { rare.fields.ipFamily } set { rare.set(\.ipFamily, newValue) } }
    public var retry: Int? { get { rare.fields.retry } set { rare.set(\.retry, newValue) } }
    public var delayBeforeRetry: Interval? { get { rare.fields.delayBeforeRetry } set { rare.set(\.delayBeforeRetry, newValue) } }
    public var warmup: Interval? { get { rare.fields.warmup } set { rare.set(\.warmup, newValue) } }
    public var inhibitOnFailure: Bool { get { rare.fields.inhibitOnFailure } set { rare.set(\.inhibitOnFailure, newValue) } }
    public var hashed: Bool { get { rare.fields.hashed } set { rare.set(\.hashed, newValue) } }
    public var ops: Bool { get { rare.fields.ops } set { rare.set(\.ops, newValue) } }
    public var flag1: Bool { get { rare.fields.flag1 } set { rare.set(\.flag1, newValue) } }
    public var flag2: Bool { get { rare.fields.flag2 } set { rare.set(\.flag2, newValue) } }
    public var flag3: Bool { get { rare.fields.flag3 } set { rare.set(\.flag3, newValue) } }
    public var shPort: Bool { get { rare.fields.shPort } set { rare.set(\.shPort, newValue) } }
    public var shFallback: Bool { get { rare.fields.shFallback } set { rare.set(\.shFallback, newValue) } }
    public var mhPort: Bool { get { rare.fields.mhPort } set { rare.set(\.mhPort, newValue) } }
    public var mhFallback: Bool { get { rare.fields.mhFallback } set { rare.set(\.mhFallback, newValue) } }
    public var persistenceEngine: String? { get { rare.fields.persistenceEngine } set { rare.set(\.persistenceEngine, newValue) } }
    public var persistenceGranularity: String? {
        get { rare.fields.persistenceGranularity }
        set { rare.set(\.persistenceGranularity, newValue) }
    }
    public var haSuspend: Bool { get { rare.fields.haSuspend } set { rare.set(\.haSuspend, newValue) } }
    public var smtpAlert: Bool? { get { rare.fields.smtpAlert } set { rare.set(\.smtpAlert, newValue) } }
    public var virtualhost: String? { get { rare.fields.virtualhost } set { rare.set(\.virtualhost, newValue) } }
    public var snmpName: String? { get { rare.fields.snmpName } set { rare.set(\.snmpName, newValue) } }
    public var alpha: Bool { get { rare.fields.alpha } set { rare.set(\.alpha, newValue) } }
    public var omega: Bool { get { rare.fields.omega } set { rare.set(\.omega, newValue) } }
    public var quorumUp: Script? { get { rare.fields.quorumUp } set { rare.set(\.quorumUp, newValue) } }
    public var quorumDown: Script? { get { rare.fields.quorumDown } set { rare.set(\.quorumDown, newValue) } }
    public var quorum: UInt32 { get { rare.fields.quorum } set { rare.set(\.quorum, newValue) } }
    public var hysteresis: UInt32 { get { rare.fields.hysteresis } set { rare.set(\.hysteresis, newValue) } }
    public var weight: Int32 { get { rare.fields.weight } set { rare.set(\.weight, newValue) } }
    public var sorryServer: SorryServer? { get { rare.fields.sorryServer } set { rare.set(\.sorryServer, newValue) } }
    public var sorryServerInhibit: Bool { get { rare.fields.sorryServerInhibit } set { rare.set(\.sorryServerInhibit, newValue) } }
    public var sorryServerLvsMethod: ForwardingMethod? {
        get { rare.fields.sorryServerLvsMethod }
        set { rare.set(\.sorryServerLvsMethod, newValue) }
    }

    public init(address: VirtualServerAddress) { self.address = address }
}

public struct RealServer: Hashable, Sendable {
    public var address: IPAddress
    /// nil: the virtual server's port.
    public var port: UInt16?
    public var weight: Int32?
    public var checkers: [Checker] = []
    /// The keywords most real servers leave alone (see RareFields.swift).
    var rare = Rare<RarelySet>()

    struct RarelySet: RareFields {
        var lvsMethod: ForwardingMethod?
        var uthreshold: UInt32 = 0
        var lthreshold: UInt32 = 0
        var inhibitOnFailure: Bool?
        var notifyUp: Script?
        var notifyDown: Script?
        var alpha: Bool?
        var retry: Int?
        var delayBeforeRetry: Interval?
        var warmup: Interval?
        var connectTimeout: Interval?
        var delayLoop: Interval?
        var smtpAlert: Bool?
        var virtualhost: String?
        var snmpName: String?
        static let defaults = RarelySet()
    }

    public var lvsMethod: ForwardingMethod? { get { rare.fields.lvsMethod } set { rare.set(\.lvsMethod, newValue) } }
    public var uthreshold: UInt32 { get { rare.fields.uthreshold } set { rare.set(\.uthreshold, newValue) } }
    public var lthreshold: UInt32 { get { rare.fields.lthreshold } set { rare.set(\.lthreshold, newValue) } }
    public var inhibitOnFailure: Bool? { get { rare.fields.inhibitOnFailure } set { rare.set(\.inhibitOnFailure, newValue) } }
    public var notifyUp: Script? { get { rare.fields.notifyUp } set { rare.set(\.notifyUp, newValue) } }
    public var notifyDown: Script? { get { rare.fields.notifyDown } set { rare.set(\.notifyDown, newValue) } }
    public var alpha: Bool? { get { rare.fields.alpha } set { rare.set(\.alpha, newValue) } }
    public var retry: Int? { get { rare.fields.retry } set { rare.set(\.retry, newValue) } }
    public var delayBeforeRetry: Interval? { get { rare.fields.delayBeforeRetry } set { rare.set(\.delayBeforeRetry, newValue) } }
    public var warmup: Interval? { get { rare.fields.warmup } set { rare.set(\.warmup, newValue) } }
    public var connectTimeout: Interval? { get { rare.fields.connectTimeout } set { rare.set(\.connectTimeout, newValue) } }
    public var delayLoop: Interval? { get { rare.fields.delayLoop } set { rare.set(\.delayLoop, newValue) } }
    public var smtpAlert: Bool? { get { rare.fields.smtpAlert } set { rare.set(\.smtpAlert, newValue) } }
    public var virtualhost: String? { get { rare.fields.virtualhost } set { rare.set(\.virtualhost, newValue) } }
    public var snmpName: String? { get { rare.fields.snmpName } set { rare.set(\.snmpName, newValue) } }

    public init(address: IPAddress, port: UInt16? = nil) {
        self.address = address
        self.port = port
    }
}

/// The keys every connecting checker shares (reference §2.3). nil means
/// "inherit from the real server / virtual server, else the checker default".
public struct CheckerCommon: Hashable, Sendable {
    public var connectPort: UInt16?
    public var connectTimeout: Interval?
    public var retry: Int?
    public var delayBeforeRetry: Interval?
    public var delayLoop: Interval?
    /// The keys most checkers leave alone (see RareFields.swift).
    var rare = Rare<RarelySet>()

    struct RarelySet: RareFields {
        var connectIp: IPAddress?
        var bindto: IPAddress?
        var bindPort: UInt16?
        var bindIf: String?
        var fwmark: UInt32?
        var warmup: Interval?
        var alpha: Bool?
        var logAllFailures: Bool?
        static let defaults = RarelySet()
    }

    public var connectIp: IPAddress? { get { rare.fields.connectIp } set { rare.set(\.connectIp, newValue) } }
    public var bindto: IPAddress? { get { rare.fields.bindto } set { rare.set(\.bindto, newValue) } }
    public var bindPort: UInt16? { get { rare.fields.bindPort } set { rare.set(\.bindPort, newValue) } }
    public var bindIf: String? { get { rare.fields.bindIf } set { rare.set(\.bindIf, newValue) } }
    public var fwmark: UInt32? { get { rare.fields.fwmark } set { rare.set(\.fwmark, newValue) } }
    public var warmup: Interval? { get { rare.fields.warmup } set { rare.set(\.warmup, newValue) } }
    public var alpha: Bool? { get { rare.fields.alpha } set { rare.set(\.alpha, newValue) } }
    public var logAllFailures: Bool? { get { rare.fields.logAllFailures } set { rare.set(\.logAllFailures, newValue) } }

    public init() {}
}

public struct HTTPURL: Hashable, Sendable, Codable {
    public var path: String?
    /// 32 lower-case hex digits (MD5), as `genhash` prints.
    public var digest: String?
    /// Accepted status codes as inclusive ranges; empty: 200-299.
    public var statusCode: [ClosedRange<Int>] = []
    public var virtualhost: String?
    public var regex: String?
    public var regexNoMatch = false
    public var regexOptions: [String] = []
    public var regexMinOffset = 0
    public var regexMaxOffset = 0
    public var regexStack: [Int]?
    public init() {}
}

public struct HTTPCheck: Hashable, Sendable, Codable {
    public var common = CheckerCommon()
    public var virtualhost: String?
    /// "1.0", "1.0C", "1.1"; nil: 1.0.
    public var httpProtocol: String?
    public var enableSni = false
    public var fastRecovery = false
    public var urls: [HTTPURL] = []
    /// `nb_get_retry` was used (deprecated spelling of `retry`).
    public var usedNbGetRetry = false
    public init() {}
}

public struct MiscCheck: Hashable, Sendable, Codable {
    public var common = CheckerCommon()
    public var miscPath: Script?
    public var miscTimeout: Interval?
    public var miscDynamic = false
    public var user: String?
    public var group: String?
    public init() {}

    enum CodingKeys: String, CodingKey { case common, miscPath, miscTimeout, miscDynamic, user, group }
}

public struct SMTPCheck: Hashable, Sendable, Codable {
    public var common = CheckerCommon()
    public var heloName: String?
    /// Deprecated `host { ... }` sub-blocks, each its own connection target.
    public var hosts: [CheckerCommon] = []
    public init() {}

    enum CodingKeys: String, CodingKey { case common, heloName, hosts }
}

public struct DNSCheck: Hashable, Sendable, Codable {
    public enum QueryType: String, Hashable, Sendable, Codable { case A, NS, CNAME, SOA, MX, TXT, AAAA }
    public var common = CheckerCommon()
    public var type = QueryType.SOA
    public var name = "."
    public init() {}

    enum CodingKeys: String, CodingKey { case common, type, name }
}

public struct UDPCheck: Hashable, Sendable, Codable {
    public var common = CheckerCommon()
    public var payload: [UInt8]?
    /// Expected reply; nil entries are nibble wildcards ('X'), per byte nibble pairs.
    public var requireReply: String?
    public var requireReplyEnabled = false
    public var minReplyLength = 0
    public var maxReplyLength = 255
    public init() {}

    enum CodingKeys: String, CodingKey { case common, payload, requireReply, requireReplyEnabled, minReplyLength, maxReplyLength }
}

public struct FileCheck: Hashable, Sendable, Codable {
    public var trackFile: String?
    public var weight: Int?
    public var weightReverse = false
    public init() {}

    enum CodingKeys: String, CodingKey { case trackFile, weight, weightReverse }
}

public struct BFDCheck: Hashable, Sendable, Codable {
    public var name: String?
    public var alpha: Bool?
    public init() {}

    enum CodingKeys: String, CodingKey { case name, alpha }
}

// indirect: a checker is stored boxed, so a real server's checker list costs
// its own payload, not the largest checker's.
public indirect enum Checker: Hashable, Sendable, Codable {
    case tcp(CheckerCommon)
    case http(HTTPCheck)
    case ssl(HTTPCheck)
    case misc(MiscCheck)
    case smtp(SMTPCheck)
    case dns(DNSCheck)
    case udp(UDPCheck)
    case ping(CheckerCommon)
    case file(FileCheck)
    case bfd(BFDCheck)

    /// The keyword that opens this checker's block.
    public var keyword: String {
        switch self {
        case .tcp: return "TCP_CHECK"
        case .http: return "HTTP_GET"
        case .ssl: return "SSL_GET"
        case .misc: return "MISC_CHECK"
        case .smtp: return "SMTP_CHECK"
        case .dns: return "DNS_CHECK"
        case .udp: return "UDP_CHECK"
        case .ping: return "PING_CHECK"
        case .file: return "FILE_CHECK"
        case .bfd: return "BFD_CHECK"
        }
    }
}

public struct SSLOptions: Hashable, Sendable, Codable {
    public var password: String?
    public var ca: String?
    public var certificate: String?
    public var key: String?
    public init() {}
}
