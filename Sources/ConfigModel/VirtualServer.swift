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
}

public struct VirtualServer: Hashable, Sendable, Codable {
    public var address: VirtualServerAddress

    public var ipFamily: AddressFamily?
    public var retry: Int?
    public var delayBeforeRetry: Interval?
    public var warmup: Interval?
    public var connectTimeout = Interval.seconds(5)
    public var delayLoop = Interval.seconds(60)
    public var inhibitOnFailure = false
    /// nil when not configured (keepalived: error + wlc).
    public var lbAlgo: Scheduler?
    public var hashed = false
    public var ops = false
    public var flag1 = false
    public var flag2 = false
    public var flag3 = false
    public var shPort = false
    public var shFallback = false
    public var mhPort = false
    public var mhFallback = false
    /// nil when not configured (keepalived: error + NAT).
    public var lbKind: ForwardingMethod?
    public var persistenceEngine: String?
    /// nil: no persistence; bare `persistence_timeout` is 360.
    public var persistenceTimeout: UInt32?
    public var persistenceGranularity: String?
    /// nil when not configured (keepalived: error + UDP for address services).
    public var `protocol`: IPVSProtocol?
    public var haSuspend = false
    public var smtpAlert: Bool?
    public var virtualhost: String?
    public var snmpName: String?
    public var alpha = false
    public var omega = false
    public var quorumUp: Script?
    public var quorumDown: Script?
    public var quorum: UInt32 = 1
    public var hysteresis: UInt32 = 0
    public var weight: Int32 = 1
    public var sorryServer: SorryServer?
    public var sorryServerInhibit = false
    public var sorryServerLvsMethod: ForwardingMethod?
    public var realServers: [RealServer] = []

    public init(address: VirtualServerAddress) { self.address = address }

    // Spelled as the keywords, so the JSON dump shows `flag-1`, `sh-port`, ...
    enum CodingKeys: String, CodingKey {
        case address, ipFamily, retry, delayBeforeRetry, warmup, connectTimeout, delayLoop
        case inhibitOnFailure, lbAlgo, hashed, ops
        case flag1 = "flag-1", flag2 = "flag-2", flag3 = "flag-3"
        case shPort = "sh-port", shFallback = "sh-fallback", mhPort = "mh-port", mhFallback = "mh-fallback"
        case lbKind, persistenceEngine, persistenceTimeout, persistenceGranularity
        case `protocol`, haSuspend, smtpAlert, virtualhost, snmpName, alpha, omega
        case quorumUp, quorumDown, quorum, hysteresis, weight
        case sorryServer, sorryServerInhibit, sorryServerLvsMethod, realServers
    }
}

public struct RealServer: Hashable, Sendable, Codable {
    public var address: IPAddress
    /// nil: the virtual server's port.
    public var port: UInt16?

    public var weight: Int32?
    public var lvsMethod: ForwardingMethod?
    public var uthreshold: UInt32 = 0
    public var lthreshold: UInt32 = 0
    public var inhibitOnFailure: Bool?
    public var notifyUp: Script?
    public var notifyDown: Script?
    public var alpha: Bool?
    public var retry: Int?
    public var delayBeforeRetry: Interval?
    public var warmup: Interval?
    public var connectTimeout: Interval?
    public var delayLoop: Interval?
    public var smtpAlert: Bool?
    public var virtualhost: String?
    public var snmpName: String?
    public var checkers: [Checker] = []

    public init(address: IPAddress, port: UInt16? = nil) {
        self.address = address
        self.port = port
    }
}

/// The keys every connecting checker shares (reference §2.3). nil means
/// "inherit from the real server / virtual server, else the checker default".
public struct CheckerCommon: Hashable, Sendable, Codable {
    public var connectIp: IPAddress?
    public var connectPort: UInt16?
    public var bindto: IPAddress?
    public var bindPort: UInt16?
    public var bindIf: String?
    public var connectTimeout: Interval?
    public var fwmark: UInt32?
    public var retry: Int?
    public var delayBeforeRetry: Interval?
    public var warmup: Interval?
    public var delayLoop: Interval?
    public var alpha: Bool?
    public var logAllFailures: Bool?
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
}

public struct SMTPCheck: Hashable, Sendable, Codable {
    public var common = CheckerCommon()
    public var heloName: String?
    /// Deprecated `host { ... }` sub-blocks, each its own connection target.
    public var hosts: [CheckerCommon] = []
    public init() {}
}

public struct DNSCheck: Hashable, Sendable, Codable {
    public enum QueryType: String, Hashable, Sendable, Codable { case A, NS, CNAME, SOA, MX, TXT, AAAA }
    public var common = CheckerCommon()
    public var type = QueryType.SOA
    public var name = "."
    public init() {}
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
}

public struct FileCheck: Hashable, Sendable, Codable {
    public var trackFile: String?
    public var weight: Int?
    public var weightReverse = false
    public init() {}
}

public struct BFDCheck: Hashable, Sendable, Codable {
    public var name: String?
    public var alpha: Bool?
    public init() {}
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
