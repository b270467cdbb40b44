// What the compiled config allows to exist in the kernel: every virtual
// server as the kernel services it expands to, its real servers and sorry
// server as kernel destinations, and the quorum rules. Built once per config
// generation; it is also the allowlist that checkd's messages are admitted
// against.
//
// keepalived 2.2.7 repairs some settings with a warning rather than refusing
// them; where it does, so do we, the same way, and say so in `notes`
// (observed in the IPVS guest, see Tests/IntegrationTests/IPVSVMTests.swift):
// - a missing `lb_algo` is wlc, a missing `lb_kind` NAT, a missing `protocol` UDP;
// - a service on port 0 (an address, or a group address entry without port)
//   is made persistent for 360 s; so is one with a granularity but no timeout;
// - DR and TUN real servers take the service's port (0 under a fwmark);
// - a fwmark service's DR or TUN sorry server loses its port (NAT keeps it);
// - `ops` is dropped unless the protocol is UDP, `sh-*` unless lb_algo is sh,
//   `mh-*` unless it is mh, and `hashed` has no effect;
// - a quorum above the sum of the real servers' weights is lowered to it.
import ConfigModel

/// Which virtual server of the config a message or an entry belongs to:
/// its address (IP and port, fwmark, or group) and, for address services, the protocol.
public struct VirtualServerRef: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var address: VirtualServerAddress
    public var transport: IPVSTransport?

    public init(_ address: VirtualServerAddress, _ transport: IPVSTransport?) {
        self.address = address
        self.transport = transport
    }

    /// keepalived's spelling: `[10.0.0.1]:tcp:80`, `FWM 7`, `[G1]:tcp`.
    public var description: String {
        let proto = transport?.name ?? "none"
        switch address {
        case .ip(let a, let port): return "[\(a)]:\(proto):\(port)"
        case .fwmark(let m): return "FWM \(m)"
        case .group(let g): return "[\(g)]:\(proto)"
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}

/// A real server as the config names it: address and port (the virtual
/// server's port when the config gives none).
public struct RealServerRef: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    public init(_ address: IPAddress, _ port: UInt16) {
        self.address = address
        self.port = port
    }
    public var description: String { DestinationKey(address, port).description }
    public static func < (a: Self, b: Self) -> Bool { (a.address, a.port) < (b.address, b.port) }
}

public struct RealServerPlan: Hashable, Sendable, Codable {
    public var ref: RealServerRef
    /// The configured weight: what the server gets while up with no dynamic change.
    public var weight: UInt32
    /// The highest weight checkd may ask for (the allowlist's bound): the
    /// configured weight, or more when a checker may change it (misc_dynamic,
    /// a weighted FILE_CHECK).
    public var maxWeight: UInt32
    public var forwarding: ForwardingMethodCode
    public var tunnel: TunnelSettings
    public var upperThreshold: UInt32
    public var lowerThreshold: UInt32
    public var inhibitOnFailure: Bool
    /// Starts down until checkd says otherwise (keepalived's `alpha`).
    public var alpha: Bool
    /// Has no checker: keepalived counts such a server always up.
    public var uncheckedAlwaysUp: Bool

    /// The destination this server is in a given kernel service: DR and TUN
    /// cannot change the port, so they take the service's.
    public func destination(in service: ServiceKey) -> DestinationKey {
        switch forwarding {
        case .masquerade, .localNode, .bypass: return DestinationKey(ref.address, ref.port)
        case .tunnel, .directRoute: return DestinationKey(ref.address, service.port)
        }
    }

    public func settings(weight w: UInt32) -> DestinationSettings {
        DestinationSettings(forwarding: forwarding, weight: w, upperThreshold: upperThreshold,
                            lowerThreshold: lowerThreshold, tunnel: tunnel)
    }
}

public struct SorryServerPlan: Hashable, Sendable, Codable {
    public var address: IPAddress
    /// nil: the service's port.
    public var port: UInt16?
    public var forwarding: ForwardingMethodCode
    public var tunnel: TunnelSettings
    /// `sorry_server_inhibit`: kept at weight 0 while not in use.
    public var inhibit: Bool

    public func destination(in service: ServiceKey) -> DestinationKey {
        if forwarding == .tunnel || forwarding == .directRoute { return DestinationKey(address, service.port) }
        return DestinationKey(address, port ?? service.port)
    }

    public func settings(weight w: UInt32) -> DestinationSettings {
        DestinationSettings(forwarding: forwarding, weight: w, tunnel: tunnel)
    }
}

public struct VirtualServerPlan: Hashable, Sendable, Codable {
    public var ref: VirtualServerRef
    /// The kernel services it expands to (one, or one per group entry address).
    public var services: [ServiceKey]
    public var settings: ServiceSettings
    public var realServers: [RealServerPlan]
    public var sorryServer: SorryServerPlan?
    public var quorum: UInt64
    public var hysteresis: UInt64

    public func realServer(_ r: RealServerRef) -> RealServerPlan? { realServers.first { $0.ref == r } }
}

public struct SyncDaemonPlan: Hashable, Sendable, Codable {
    public var interface: String
    /// The VRRP instance whose state starts and stops it.
    public var instance: String?
    public var syncID: UInt32
    public var maxLength: UInt16?
    public var port: UInt16
    public var ttl: UInt8?
    public var group: IPAddress?
}

/// Everything the applier takes from one config generation.
public struct IPVSPlan: Hashable, Sendable, Codable {
    public var virtualServers: [VirtualServerPlan] = [] {
        didSet { reindex() }
    }
    /// Where each virtual server sits in `virtualServers` (verdicts look them up).
    private var index: [VirtualServerRef: Int] = [:]
    /// `lvs_timeouts` (seconds; nil leaves the kernel's value).
    public var timeoutTCP: UInt32?
    public var timeoutTCPFin: UInt32?
    public var timeoutUDP: UInt32?
    /// `lvs_flush`: empty the whole table at start.
    public var flushAtStart = false
    /// `lvs_flush_onstop`: nil off, `.all` the whole table, `.virtualServers` only ours.
    public var flushAtStop: FlushAtStop?
    public var syncDaemon: SyncDaemonPlan?
    /// The repairs keepalived would make with a warning, made the same way.
    public var notes: [String] = []

    public enum FlushAtStop: String, Hashable, Sendable, Codable { case all, virtualServers }

    public init() {}

    private mutating func reindex() {
        index = Dictionary(virtualServers.enumerated().map { ($1.ref, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func virtualServer(_ r: VirtualServerRef) -> VirtualServerPlan? {
        index[r].map { virtualServers[$0] }
    }

    /// Every service key and destination this plan may ever place: what we own.
    public var universe: Ownership {
        var o = Ownership()
        for vs in virtualServers {
            for s in vs.services {
                o.services.insert(s)
                for r in vs.realServers { o.destinations.insert(DestinationRef(s, r.destination(in: s))) }
                if let sorry = vs.sorryServer { o.destinations.insert(DestinationRef(s, sorry.destination(in: s))) }
            }
        }
        return o
    }
}

extension IPVSPlan {
    /// Ranges and prefixes in a group are expanded address by address; a
    /// bound keeps a typo such as 10.0.0.0/8 from asking for 16 million services.
    public static let maxServicesPerGroup = 65_536

    /// Builds the plan from a whole configuration (the applier's slice of it).
    public init(_ config: KeepalivedConfiguration) {
        self.init()
        let g = config.global
        if let t = g.lvsTimeouts {
            timeoutTCP = t.tcp.map { UInt32(clamping: $0) }
            timeoutTCPFin = t.tcpfin.map { UInt32(clamping: $0) }
            timeoutUDP = t.udp.map { UInt32(clamping: $0) }
        }
        flushAtStart = g.lvsFlush
        switch g.lvsFlushOnStop {
        case nil: flushAtStop = nil
        case .all?: flushAtStop = .all
        case .virtualServers?: flushAtStop = .virtualServers
        }
        if let s = g.lvsSyncDaemon {
            // keepalived: the sync id defaults to the VRID of the named instance, else 0.
            let vrid = s.instance.flatMap { name in config.vrrpInstances.first { $0.name == name } }?.virtualRouterId.map { UInt32($0) }
            syncDaemon = SyncDaemonPlan(interface: s.interface, instance: s.instance,
                                        syncID: s.syncid.map { UInt32(clamping: $0) } ?? vrid ?? 0,
                                        maxLength: s.maxlen.map { UInt16(clamping: $0) },
                                        port: s.port, ttl: s.ttl.map { UInt8(clamping: $0) }, group: s.group)
        }
        var taken = Set<ServiceKey>()
        for vs in config.virtualServers {
            guard var p = plan(vs, config) else { continue }
            let dup = p.services.filter { taken.contains($0) }
            if !dup.isEmpty {
                notes.append("\(p.ref): \(dup.map(\.description).joined(separator: ", ")) already belongs to an earlier virtual server - skipping")
                p.services.removeAll { taken.contains($0) }
            }
            taken.formUnion(p.services)
            virtualServers.append(p)
        }
        // Observers do not run for assignments inside an initializer.
        reindex()
    }

    private mutating func plan(_ vs: VirtualServer, _ config: KeepalivedConfiguration) -> VirtualServerPlan? {
        let scheduler = vs.lbAlgo ?? .wlc
        let method = vs.lbKind ?? ForwardingMethod(.nat)
        var transport: IPVSTransport? = IPVSTransport(vs.protocol ?? .udp)
        let name: String
        var keys: [ServiceKey] = []
        var hasZeroPortAddress = false
        var family: AddressFamily

        switch vs.address {
        case .ip(let a, let port):
            let t = transport ?? .udp
            keys = [.address(t, a, port: port)]
            hasZeroPortAddress = port == 0
            family = a.family
            name = VirtualServerRef(vs.address, t).description
        case .fwmark(let m):
            transport = nil
            family = vs.ipFamily ?? Self.familyFromRealServers(vs, method)
            keys = [.fwmark(m, family: family)]
            name = VirtualServerRef(vs.address, nil).description
        case .group(let gname):
            name = VirtualServerRef(vs.address, transport).description
            guard let group = config.virtualServerGroups.first(where: { $0.name == gname }) else {
                notes.append("\(name): virtual_server_group \(gname) is not defined - skipping")
                return nil
            }
            var addressFamily: AddressFamily?
            var markFamily: AddressFamily?
            for e in group.entries {
                switch e {
                case .range(let f, _, _): addressFamily = addressFamily ?? f.family
                case .prefix(let p, _): addressFamily = addressFamily ?? p.address.family
                case .fwmark(_, let fam): markFamily = markFamily ?? fam
                }
            }
            family = vs.ipFamily ?? addressFamily ?? markFamily ?? Self.familyFromRealServers(vs, method)
            let t = transport ?? .udp
            for e in group.entries {
                switch e {
                case .range(let first, let last, let port):
                    hasZeroPortAddress = hasZeroPortAddress || (port ?? 0) == 0
                    for a in Self.addresses(from: first, to: last, limit: Self.maxServicesPerGroup - keys.count) {
                        keys.append(.address(t, a, port: port ?? 0))
                    }
                case .prefix(let p, let port):
                    hasZeroPortAddress = hasZeroPortAddress || (port ?? 0) == 0
                    let (lo, hi) = Self.bounds(of: p)
                    for a in Self.addresses(from: lo, to: hi, limit: Self.maxServicesPerGroup - keys.count) {
                        keys.append(.address(t, a, port: port ?? 0))
                    }
                case .fwmark(let m, let fam):
                    keys.append(.fwmark(m, family: fam ?? family))
                }
            }
            if keys.count >= Self.maxServicesPerGroup {
                notes.append("\(name): group \(gname) expands to more than \(Self.maxServicesPerGroup) services - truncated")
            }
        }

        // Service settings.
        var flags: ServiceFlags = []
        var timeout: UInt32 = 0
        var netmask = ServiceSettings.fullNetmask(family)
        if let t = vs.persistenceTimeout {
            flags.insert(.persistent)
            timeout = t
        }
        if let gran = vs.persistenceGranularity {
            if let m = Self.netmask(gran, family) { netmask = m } else {
                notes.append("\(name): persistence_granularity \(gran) is not a valid \(family == .inet ? "netmask" : "prefix length") - ignoring")
            }
            if !flags.contains(.persistent) {
                flags.insert(.persistent)
                timeout = 360
            }
        }
        if hasZeroPortAddress && !flags.contains(.persistent) {
            notes.append("Virtual server \(name): zero port only valid for persistent services - setting")
            flags.insert(.persistent)
            timeout = 360
        }
        if vs.ops {
            if transport == .udp { flags.insert(.onePacket) } else { notes.append("\(name): ops only applies to UDP - ignoring") }
        }
        if vs.flag1 { flags.insert(.scheduler1) }
        if vs.flag2 { flags.insert(.scheduler2) }
        if vs.flag3 { flags.insert(.scheduler3) }
        if vs.shPort || vs.shFallback {
            if scheduler == .sh {
                if vs.shPort { flags.insert(.shPort) }
                if vs.shFallback { flags.insert(.shFallback) }
            } else {
                notes.append("\(name): sh-port/sh-fallback only apply to the sh scheduler - ignoring")
            }
        }
        if vs.mhPort || vs.mhFallback {
            if scheduler == .mh {
                if vs.mhPort { flags.insert(.mhPort) }
                if vs.mhFallback { flags.insert(.mhFallback) }
            } else {
                notes.append("\(name): mh-port/mh-fallback only apply to the mh scheduler - ignoring")
            }
        }
        let settings = ServiceSettings(scheduler: scheduler.rawValue, flags: flags, timeout: timeout,
                                       netmask: netmask, persistenceEngine: vs.persistenceEngine)

        // Real servers.
        var vsPort: UInt16 = 0
        if case .ip(_, let p) = vs.address { vsPort = p }
        var realServers: [RealServerPlan] = []
        for rs in vs.realServers {
            let m = rs.lvsMethod ?? method
            let ref = RealServerRef(rs.address, rs.port ?? vsPort)
            if realServers.contains(where: { $0.ref == ref }) {
                notes.append("\(name): real server \(ref) is listed twice - keeping the first")
                continue
            }
            let w = UInt32(clamping: rs.weight ?? vs.weight)
            var plan = RealServerPlan(ref: ref, weight: w, maxWeight: w, forwarding: Self.code(m.kind),
                                      tunnel: Self.tunnel(m), upperThreshold: rs.uthreshold,
                                      lowerThreshold: rs.lthreshold,
                                      inhibitOnFailure: rs.inhibitOnFailure ?? vs.inhibitOnFailure,
                                      alpha: rs.alpha ?? vs.alpha || rs.checkers.contains { Self.checkerAlpha($0) == true },
                                      uncheckedAlwaysUp: rs.checkers.isEmpty)
            plan.maxWeight = Self.weightBound(rs, configured: w, config)
            realServers.append(plan)
        }

        var sorry: SorryServerPlan?
        if let s = vs.sorryServer {
            let m = vs.sorryServerLvsMethod ?? method
            var port = s.port
            // Only NAT can change the port; DR and TUN under a fwmark use none.
            if case .fwmark = vs.address, port != nil, m.kind != .nat {
                notes.append("WARNING - virtual server \(name), sorry server has port specified - clearing")
                port = nil
            }
            sorry = SorryServerPlan(address: s.address, port: port, forwarding: Self.code(m.kind),
                                    tunnel: Self.tunnel(m), inhibit: vs.sorryServerInhibit)
        }

        var quorum = UInt64(vs.quorum)
        let total = realServers.reduce(UInt64(0)) { $0 + UInt64($1.weight) }
        if quorum > total && total > 0 {
            notes.append("Warning - quorum \(quorum) for \(name) exceeds total weight of real servers \(total), reducing quorum to \(total)")
            quorum = total
        }
        return VirtualServerPlan(ref: VirtualServerRef(vs.address, transport), services: keys, settings: settings,
                                 realServers: realServers, sorryServer: sorry, quorum: quorum,
                                 hysteresis: UInt64(vs.hysteresis))
    }

    // MARK: helpers

    /// A fwmark service's family when the config does not say: that of its
    /// real servers that are not tunnelled (a tunnel may cross families), else IPv4.
    static func familyFromRealServers(_ vs: VirtualServer, _ method: ForwardingMethod) -> AddressFamily {
        for rs in vs.realServers where (rs.lvsMethod ?? method).kind != .tun { return rs.address.family }
        return .inet
    }

    static func code(_ k: ForwardingMethod.Kind) -> ForwardingMethodCode {
        switch k {
        case .nat: return .masquerade
        case .dr: return .directRoute
        case .tun: return .tunnel
        }
    }

    static func tunnel(_ m: ForwardingMethod) -> TunnelSettings {
        guard m.kind == .tun else { return .none }
        var t = TunnelSettings()
        switch m.tunnelType ?? .ipip {
        case .ipip: t.kind = .ipip
        case .gue: t.kind = .gue
        case .gre: t.kind = .gre
        }
        if t.kind == .gue { t.port = m.tunnelPort ?? 0 }
        if t.kind != .ipip {
            switch m.tunnelChecksum ?? .nocsum {
            case .nocsum: t.flags = []
            case .csum: t.flags = .checksum
            case .remcsum: t.flags = t.kind == .gue ? .remoteChecksum : []
            }
        }
        return t
    }

    /// A checker's own `alpha`, when it sets one.
    static func checkerAlpha(_ c: Checker) -> Bool? {
        switch c {
        case .tcp(let x), .ping(let x): return x.alpha
        case .http(let h), .ssl(let h): return h.common.alpha
        case .misc(let m): return m.common.alpha
        case .smtp(let m): return m.common.alpha
        case .dns(let d): return d.common.alpha
        case .udp(let u): return u.common.alpha
        case .bfd(let b): return b.alpha
        case .file: return nil
        }
    }

    /// The allowlist's weight bound for one real server.
    static func weightBound(_ rs: RealServer, configured: UInt32, _ config: KeepalivedConfiguration) -> UInt32 {
        var bound = configured
        for c in rs.checkers {
            switch c {
            case .misc(let m) where m.miscDynamic:
                // misc_dynamic: exit codes 2..255 set weight code-2.
                bound = max(bound, 253)
            case .file(let f):
                let trackWeight = f.trackFile.flatMap { n in config.trackFiles.first { $0.name == n } }?.weight ?? 1
                // value x weight is added to the weight; the file's value is unbounded.
                if (f.weight ?? trackWeight) != 0 { bound = UInt32(Int32.max) }
            case .tcp, .http, .ssl, .misc, .smtp, .dns, .udp, .ping, .bfd:
                break
            }
        }
        return bound
    }

    /// `255.255.255.0` or a prefix length for IPv4, a prefix length for IPv6.
    static func netmask(_ text: String, _ family: AddressFamily) -> UInt32? {
        if family == .inet6 {
            guard let n = UInt32(text), n <= 128 else { return nil }
            return n
        }
        if let a = IPv4Address(text) { return a.value }
        guard let n = UInt32(text), n <= 32 else { return nil }
        return n == 0 ? 0 : ~UInt32(0) << (32 - n)
    }

    static func bounds(of p: IPPrefix) -> (IPAddress, IPAddress) {
        switch p.address {
        case .v4(let a):
            let mask: UInt32 = p.length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(p.length))
            return (.v4(IPv4Address(a.value & mask)), .v4(IPv4Address(a.value | ~mask)))
        case .v6(let a):
            let l = Int(p.length)
            let hiMask: UInt64 = l >= 64 ? ~0 : (l == 0 ? 0 : ~UInt64(0) << UInt64(64 - l))
            let loMask: UInt64 = l <= 64 ? 0 : (l >= 128 ? ~0 : ~UInt64(0) << UInt64(128 - l))
            return (.v6(IPv6Address(high: a.high & hiMask, low: a.low & loMask)),
                    .v6(IPv6Address(high: a.high | ~hiMask, low: a.low | ~loMask)))
        }
    }

    /// Every address from `first` to `last` inclusive (same family), at most `limit`.
    static func addresses(from first: IPAddress, to last: IPAddress, limit: Int) -> [IPAddress] {
        var out: [IPAddress] = []
        guard limit > 0 else { return out }
        switch (first, last) {
        case (.v4(let a), .v4(let b)):
            guard a.value <= b.value else { return [] }
            var v = a.value
            while true {
                out.append(.v4(IPv4Address(v)))
                if v == b.value || out.count >= limit { break }
                v += 1
            }
        case (.v6(let a), .v6(let b)):
            guard a <= b else { return [] }
            var v = a
            while true {
                out.append(.v6(v))
                if v == b || out.count >= limit { break }
                let (lo, carry) = v.low.addingReportingOverflow(1)
                v = IPv6Address(high: carry ? v.high &+ 1 : v.high, low: lo)
            }
        default:
            return []
        }
        return out
    }
}
