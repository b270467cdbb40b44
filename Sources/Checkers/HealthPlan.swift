// What checkd checks, resolved from the compiled configuration: every
// inherited value filled in (reference §5.1), every label keepalived prints
// prepared once, every script reduced to its index in the compiled config.

import ConfigModel

/// Where a connecting probe goes and how its socket is set up.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    public var bindto: IPAddress?
    public var bindPort: UInt16?
    public var bindIf: String?
    /// SO_MARK on the probe's socket (needs CAP_NET_ADMIN).
    public var fwmark: UInt32?

    public init(address: IPAddress, port: UInt16, bindto: IPAddress? = nil, bindPort: UInt16? = nil,
                bindIf: String? = nil, fwmark: UInt32? = nil) {
        self.address = address
        self.port = port
        self.bindto = bindto
        self.bindPort = bindPort
        self.bindIf = bindIf
        self.fwmark = fwmark
    }

    /// `[addr]:port`, as keepalived's inet_sockaddrtopair.
    public var description: String { "[\(address)]:\(port)" }
}

/// One url of an HTTP_GET / SSL_GET with the Host header already chosen.
public struct HTTPTarget: Hashable, Sendable {
    public var path: String
    /// The Host header value (virtualhost, else `ip:port`).
    public var host: String
    /// Set when the host came from a `virtualhost` (used for SNI).
    public var virtualhost: String?
    /// Lower-case hex MD5 the body must hash to.
    public var digest: String?
    /// Accepted status codes; empty means 200-299.
    public var statusCodes: [ClosedRange<Int>]
    public var regex: String?
    public var regexNoMatch: Bool
    public var regexMinOffset: Int
    public var regexMaxOffset: Int

    public init(path: String, host: String, virtualhost: String? = nil, digest: String? = nil,
                statusCodes: [ClosedRange<Int>] = [], regex: String? = nil, regexNoMatch: Bool = false,
                regexMinOffset: Int = 0, regexMaxOffset: Int = 0) {
        self.path = path
        self.host = host
        self.virtualhost = virtualhost
        self.digest = digest
        self.statusCodes = statusCodes
        self.regex = regex
        self.regexNoMatch = regexNoMatch
        self.regexMinOffset = regexMinOffset
        self.regexMaxOffset = regexMaxOffset
    }

    public func accepts(status: Int) -> Bool {
        if statusCodes.isEmpty { return (200...299).contains(status) }
        return statusCodes.contains { $0.contains(status) }
    }
}

public struct HTTPProbeSpec: Hashable, Sendable {
    public var endpoint: Endpoint
    public var tls: Bool
    /// "1.0", "1.0C" or "1.1" (reference §3.4).
    public var httpProtocol: String
    public var urls: [HTTPTarget]
    /// The name sent as SNI (nil: no SNI).
    public var sniName: String?

    public init(endpoint: Endpoint, tls: Bool, httpProtocol: String = "1.0", urls: [HTTPTarget], sniName: String? = nil) {
        self.endpoint = endpoint
        self.tls = tls
        self.httpProtocol = httpProtocol
        self.urls = urls
        self.sniName = sniName
    }
}

public struct MiscProbeSpec: Hashable, Sendable {
    public var script: ScriptID
    public var argv: [String]
    public var timeout: Interval
    public var dynamic: Bool
    /// A user other than checkd's own (only the supervisor can honour it).
    public var user: String?
    public var group: String?
}

public struct UDPProbeSpec: Hashable, Sendable {
    public var endpoint: Endpoint
    /// nil: random bytes each attempt (keepalived sends random data).
    public var payload: [UInt8]?
    /// Expected reply pattern (nibbles, nil = wildcard), when `require_reply` is set.
    public var requireReply: ReplyPattern?
    public var minReplyLength: Int
    public var maxReplyLength: Int

    public init(endpoint: Endpoint, payload: [UInt8]?, requireReply: ReplyPattern?, minReplyLength: Int, maxReplyLength: Int) {
        self.endpoint = endpoint
        self.payload = payload
        self.requireReply = requireReply
        self.minReplyLength = minReplyLength
        self.maxReplyLength = maxReplyLength
    }
}

public struct FileProbeSpec: Hashable, Sendable {
    /// Index into `HealthPlan.trackFiles`.
    public var trackFile: Int
    public var weight: Int64
    public var reverse: Bool
}

/// What one checker does, in the terms its probe needs.
public enum ProbeSpec: Hashable, Sendable {
    case tcp(Endpoint)
    case http(HTTPProbeSpec)
    case misc(MiscProbeSpec)
    case smtp(Endpoint, helo: String)
    case dns(Endpoint, type: DNSCheck.QueryType, name: String)
    case udp(UDPProbeSpec)
    case ping(Endpoint)
    case file(FileProbeSpec)

    public var endpoint: Endpoint? {
        switch self {
        case .tcp(let e), .smtp(let e, _), .dns(let e, _, _), .ping(let e): return e
        case .http(let h): return h.endpoint
        case .udp(let u): return u.endpoint
        case .misc, .file: return nil
        }
    }
}

public struct CheckerSpec: Hashable, Sendable {
    /// TCP_CHECK, HTTP_GET, ... as keepalived logs it.
    public var keyword: String
    public var probe: ProbeSpec
    public var timing: CheckerTiming
    public var model: CycleModel
    /// keepalived's FMT_CHK: the checked service, `[ip]:proto:port`.
    public var label: String
    /// Equal for the "same" checker across a reload (timing is not part of it).
    public var identity: Checker
}

public struct RealServerSpec: Hashable, Sendable {
    public var address: IPAddress
    public var port: UInt16
    /// Index of this real server in its virtual server's `realServers` in the config.
    public var configIndex: Int
    /// The configured weight (keepalived's iweight).
    public var weight: Int64
    public var inhibitOnFailure: Bool
    public var notifyUp: ScriptID?
    public var notifyDown: ScriptID?
    public var smtpAlert: Bool
    public var checkers: [CheckerSpec]
    /// keepalived's FMT_RS: `[ip]:proto:port`.
    public var label: String
}

public struct SorryServerSpec: Hashable, Sendable {
    public var address: IPAddress
    public var port: UInt16
    public var inhibit: Bool
    public var weight: Int64
    public var label: String
}

public enum VirtualServerKey: Hashable, Sendable {
    case address(VirtualServerAddress, IPVSProtocol?)
}

public struct VirtualServerSpec: Hashable, Sendable {
    public var key: VirtualServerKey
    /// Index of this virtual server in the config's `virtualServers`.
    public var configIndex: Int
    /// keepalived's FMT_VS: `[ip]:proto:port`, `FWM n` or `[group]:port`.
    public var label: String
    public var quorum: Int64
    public var hysteresis: Int64
    public var quorumUp: ScriptID?
    public var quorumDown: ScriptID?
    public var omega: Bool
    public var haSuspend: Bool
    /// The address whose presence ha_suspend watches (nil for fwmark / group services).
    public var address: IPAddress?
    public var smtpAlert: Bool
    public var sorryServer: SorryServerSpec?
    public var realServers: [RealServerSpec]
}

public struct TrackFileSpec: Hashable, Sendable {
    public var name: String
    public var path: String
    public var weight: Int64
    public var reverse: Bool
    public var initFile: Int?
    public var initFileOverwrite: Bool
}

/// Everything checkd needs from the configuration, resolved.
public struct HealthPlan: Hashable, Sendable {
    public var virtualServers: [VirtualServerSpec]
    public var trackFiles: [TrackFileSpec]
    public var routerId: String
    /// SMTP alerts can be sent at all (a server and recipients are configured).
    public var smtpConfigured: Bool
    public var noCheckerEmails: Bool
    public var rsInitNotifies: Bool
    /// Notes for the log about what the plan leaves out (e.g. BFD_CHECK).
    public var notes: [String]

    public init(virtualServers: [VirtualServerSpec] = [], trackFiles: [TrackFileSpec] = [], routerId: String = "",
                smtpConfigured: Bool = false, noCheckerEmails: Bool = false, rsInitNotifies: Bool = false,
                notes: [String] = []) {
        self.virtualServers = virtualServers
        self.trackFiles = trackFiles
        self.routerId = routerId
        self.smtpConfigured = smtpConfigured
        self.noCheckerEmails = noCheckerEmails
        self.rsInitNotifies = rsInitNotifies
        self.notes = notes
    }

    /// Any checker sets a SO_MARK (checkd then needs CAP_NET_ADMIN).
    public var usesFwmark: Bool {
        virtualServers.contains { vs in
            vs.realServers.contains { rs in rs.checkers.contains { $0.probe.endpoint?.fwmark != nil } }
        }
    }

    /// Any PING_CHECK (the group must be in net.ipv4.ping_group_range).
    public var usesPing: Bool {
        virtualServers.contains { vs in
            vs.realServers.contains { rs in rs.checkers.contains { if case .ping = $0.probe { return true }; return false } }
        }
    }
}
