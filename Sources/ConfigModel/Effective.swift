// Effective values: what a daemon should use once keepalived's fallbacks
// (instance <- global, checker <- real_server <- virtual_server <- checker
// type default) are applied. The model keeps "not set" distinct from a value
// so the dump shows what was written; daemons ask here.

// MARK: - Checkers (reference §2.3, §5.1)

/// How one checker of one real server runs, after inheritance.
public struct EffectiveChecking: Hashable, Sendable {
    public var delayLoop: Interval
    public var retry: Int
    public var delayBeforeRetry: Interval
    public var connectTimeout: Interval
    /// Random start-up delay bound; zero: no randomisation.
    public var warmup: Interval
    public var alpha: Bool
    public var logAllFailures: Bool
    /// Where the checker connects (connect_ip/connect_port, else the real server's).
    public var connectIp: IPAddress
    public var connectPort: UInt16
}

extension Checker {
    /// The connection keys of this checker (nil for FILE_CHECK and BFD_CHECK).
    public var common: CheckerCommon? {
        switch self {
        case .tcp(let c), .ping(let c): return c
        case .http(let h), .ssl(let h): return h.common
        case .misc(let m): return m.common
        case .smtp(let s): return s.common
        case .dns(let d): return d.common
        case .udp(let u): return u.common
        case .file, .bfd: return nil
        }
    }

    /// The SO_MARK this checker's sockets carry (its own `fwmark`, or the
    /// first SMTP `host` block's, which is the connection checkd opens).
    public var fwmark: UInt32? {
        if case .smtp(let s) = self, let first = s.hosts.first, let m = first.fwmark ?? s.common.fwmark { return m }
        return common?.fwmark
    }

    /// keepalived's per-type default for `retry` (reference §5.1).
    public var defaultRetry: Int {
        switch self {
        case .misc: return 0
        case .dns: return 3
        default: return 1
        }
    }
}

extension VirtualServer {
    /// The port real servers without one use (0 for fwmark and group services).
    public var port: UInt16 {
        if case .ip(_, let p) = address { return p }
        return 0
    }

    /// `lb_algo`, else keepalived's fallback wlc.
    public var effectiveScheduler: Scheduler { lbAlgo ?? .wlc }

    /// `protocol`, else keepalived's fallback UDP (for address services).
    public var effectiveProtocol: IPVSProtocol { self.protocol ?? .udp }

    /// Persistence in seconds, or nil for none. A port-0 address service is
    /// always persistent (keepalived forces 360 s).
    public var effectivePersistenceTimeout: UInt32? {
        if let t = persistenceTimeout { return t }
        if persistenceGranularity != nil { return 360 }
        if case .ip(_, 0) = address { return 360 }
        return nil
    }

    public func effectivePort(of rs: RealServer) -> UInt16 { rs.port ?? port }
    public func effectiveWeight(of rs: RealServer) -> Int32 { rs.weight ?? weight }
    public func effectiveMethod(of rs: RealServer) -> ForwardingMethod {
        rs.lvsMethod ?? lbKind ?? ForwardingMethod(.nat)
    }
    public func effectiveInhibitOnFailure(of rs: RealServer) -> Bool { rs.inhibitOnFailure ?? inhibitOnFailure }
    public func effectiveAlpha(of rs: RealServer) -> Bool { rs.alpha ?? alpha }
    public func effectiveVirtualhost(of rs: RealServer) -> String? { rs.virtualhost ?? virtualhost }

    public func effectiveSmtpAlert(of rs: RealServer, global: GlobalDefinitions) -> Bool {
        rs.smtpAlert ?? smtpAlert ?? global.smtpAlertChecker ?? global.smtpAlert ?? false
    }

    /// Timers and retries of `checker` on `rs`: checker <- real_server <-
    /// virtual_server <- the checker type's default.
    public func effectiveChecking(of checker: Checker, on rs: RealServer,
                                  global: GlobalDefinitions = GlobalDefinitions()) -> EffectiveChecking {
        let c = checker.common ?? CheckerCommon()
        let delayLoop = c.delayLoop ?? rs.delayLoop ?? self.delayLoop
        let retry = c.retry ?? rs.retry ?? self.retry ?? checker.defaultRetry
        let typeDelay: Interval
        switch checker {
        case .http, .ssl: typeDelay = .seconds(3)
        case .dns: typeDelay = delayLoop
        default: typeDelay = .seconds(1)
        }
        var alpha = c.alpha ?? rs.alpha ?? self.alpha
        if case .bfd(let b) = checker { alpha = b.alpha ?? rs.alpha ?? self.alpha }
        return EffectiveChecking(
            delayLoop: delayLoop,
            retry: retry,
            delayBeforeRetry: c.delayBeforeRetry ?? rs.delayBeforeRetry ?? self.delayBeforeRetry ?? typeDelay,
            connectTimeout: c.connectTimeout ?? rs.connectTimeout ?? self.connectTimeout,
            warmup: c.warmup ?? rs.warmup ?? self.warmup ?? delayLoop,
            alpha: alpha,
            logAllFailures: c.logAllFailures ?? global.checkerLogAllFailures,
            connectIp: c.connectIp ?? rs.address,
            connectPort: c.connectPort ?? effectivePort(of: rs))
    }
}

extension HTTPCheck {
    /// The Host header for `url`: url, checker, real server, virtual server
    /// `virtualhost` in that order; nil means "IP:port".
    public func effectiveVirtualhost(for url: HTTPURL, on rs: RealServer, of vs: VirtualServer) -> String? {
        url.virtualhost ?? virtualhost ?? rs.virtualhost ?? vs.virtualhost
    }

    /// "1.0" when not configured.
    public var effectiveHttpProtocol: String { httpProtocol ?? "1.0" }
}

extension HTTPURL {
    /// Status codes that pass: the configured ranges, else 200-299.
    public var effectiveStatusCodes: [ClosedRange<Int>] { statusCode.isEmpty ? [200...299] : statusCode }
}

extension MiscCheck {
    /// misc_timeout, else the checker's delay_loop.
    public func effectiveTimeout(_ e: EffectiveChecking) -> Interval { miscTimeout ?? e.delayLoop }
}

// MARK: - VRRP (reference §2.4, §4)

/// The gratuitous ARP / unsolicited NA behaviour of one instance.
public struct EffectiveGarp: Hashable, Sendable {
    public var masterDelay: Int
    public var masterRepeat: Int
    public var masterRefresh: Int
    public var masterRefreshRepeat: Int
    public var lowerPrioDelay: Int
    public var lowerPrioRepeat: Int
    /// Spacing between GARPs (IPv4) and NAs (IPv6).
    public var interval: Interval
    public var gnaInterval: Interval
    public var minGarp: Bool
    public var extraIf: GarpExtraIf?
}

extension VRRPInstance {
    /// The address family of the instance: that of its virtual addresses,
    /// else of its unicast peers or source address, else IPv4.
    public var family: AddressFamily {
        if let a = virtualIpaddress.first { return a.prefix.address.family }
        if let p = unicastPeer.first { return p.address.family }
        if let s = unicastSrcIp ?? mcastSrcIp { return s.family }
        return .inet
    }

    /// The source address for adverts (`unicast_src_ip` and `mcast_src_ip` share one slot).
    public var sourceIp: IPAddress? { unicastSrcIp ?? mcastSrcIp }

    public var isAddressOwner: Bool { priority == 255 }
    public var usesUnicast: Bool { !unicastPeer.isEmpty }

    /// VRRP version: the instance's, else 3 for IPv6, else the global default.
    public func effectiveVersion(_ g: GlobalDefinitions) -> Int {
        if let v = version { return v }
        return family == .inet6 ? 3 : g.vrrpVersion
    }

    public func effectiveStrictMode(_ g: GlobalDefinitions) -> Bool { strictMode ?? g.vrrpStrict }

    /// Accept mode: on, unless strict mode makes a non-owner no_accept.
    public func effectiveAccept(_ g: GlobalDefinitions) -> Bool {
        accept ?? !(effectiveStrictMode(g) && !isAddressOwner)
    }

    /// Preemption: off with `nopreempt`, except that keepalived clears
    /// nopreempt for `state MASTER` and for an address owner.
    public var effectivePreempt: Bool { !nopreempt || state == .master || isAddressOwner }

    /// preempt_delay, cleared where keepalived clears it (state MASTER,
    /// nopreempt, strict mode, address owner).
    public func effectivePreemptDelay(_ g: GlobalDefinitions) -> Interval {
        if state == .master || nopreempt || effectiveStrictMode(g) || isAddressOwner { return .zero }
        return preemptDelay
    }

    public func effectiveDownTimerAdverts(_ g: GlobalDefinitions) -> Int { downTimerAdverts ?? g.vrrpDownTimerAdverts }

    public func effectiveLowerPrioNoAdvert(_ g: GlobalDefinitions) -> Bool {
        lowerPrioNoAdvert ?? g.vrrpLowerPrioNoAdvert ?? effectiveStrictMode(g)
    }

    public func effectiveHigherPrioSendAdvert(_ g: GlobalDefinitions) -> Bool {
        higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert ?? false
    }

    public func effectiveSkipCheckAdvAddr(_ g: GlobalDefinitions) -> Bool { skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr }

    /// Unicast source checking; peers with min/max_ttl imply it.
    public func effectiveCheckUnicastSrc(_ g: GlobalDefinitions) -> Bool {
        checkUnicastSrc ?? (g.vrrpCheckUnicastSrc || unicastPeer.contains { $0.minTtl != nil || $0.maxTtl != nil })
    }

    /// The multicast group adverts go to.
    public func effectiveMcastDstIp(_ g: GlobalDefinitions) -> IPAddress {
        mcastDstIp ?? (family == .inet6 ? g.vrrpMcastGroup6 : g.vrrpMcastGroup4)
    }

    public func effectiveSmtpAlert(_ g: GlobalDefinitions) -> Bool {
        smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false
    }

    public func effectiveNotifyPriorityChanges(_ g: GlobalDefinitions) -> Bool {
        notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges
    }

    /// GARP settings: the instance's, else the global ones; `garp_group`
    /// intervals apply to the instance's interface when one names it.
    public func effectiveGarp(_ g: GlobalDefinitions, garpGroups: [GarpGroup] = []) -> EffectiveGarp {
        var interval = g.vrrpGarpInterval
        var gna = g.vrrpGnaInterval
        if let ifname = interface,
           let group = garpGroups.first(where: { $0.interface == ifname || $0.interfaces.contains(ifname) }) {
            interval = group.garpInterval ?? interval
            gna = group.gnaInterval ?? gna
        }
        let masterDelay = garpMasterDelay ?? g.vrrpGarpMasterDelay
        let masterRepeat = garpMasterRepeat ?? g.vrrpGarpMasterRepeat
        return EffectiveGarp(
            masterDelay: masterDelay,
            masterRepeat: masterRepeat,
            masterRefresh: garpMasterRefresh ?? g.vrrpGarpMasterRefresh,
            masterRefreshRepeat: garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
            lowerPrioDelay: garpLowerPrioDelay ?? g.vrrpGarpLowerPrioDelay ?? masterDelay,
            lowerPrioRepeat: garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat ?? masterRepeat,
            interval: interval,
            gnaInterval: gna,
            minGarp: g.vrrpMinGarp,
            extraIf: garpExtraIf ?? g.vrrpGarpExtraIf)
    }
}

extension GlobalDefinitions {
    public var effectiveDefaultInterface: String { defaultInterface ?? "eth0" }
}

// MARK: - What a configuration asks of checkd's privileges

extension KeepalivedConfiguration {
    /// Some checker sets a SO_MARK on its sockets (`fwmark` in a checker):
    /// checkd then needs CAP_NET_ADMIN, and holds it only in that case.
    public var usesCheckerFwmark: Bool {
        virtualServers.contains { vs in vs.realServers.contains { rs in rs.checkers.contains { $0.fwmark != nil } } }
    }
}
