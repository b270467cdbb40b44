// Hand-written Codable for the types a large configuration holds by the
// tens of thousands (real servers, HTTP checkers, their URLs): fields at
// their default value are left out, and read back as the default. The
// compiled file stays small and quick to write; the JSON dump shows what was
// set. Keys are the synthesized ones (the keywords in camelCase).

extension KeyedEncodingContainer {
    mutating func encode<T: Encodable & Equatable>(_ v: T, forKey k: Key, unless d: T) throws {
        if v != d { try encode(v, forKey: k) }
    }
}

extension KeyedDecodingContainer {
    func decode<T: Decodable>(_ t: T.Type, forKey k: Key, default d: T) throws -> T {
        try decodeIfPresent(t, forKey: k) ?? d
    }
}

extension RealServer: Codable {
    enum CodingKeys: String, CodingKey {
        case address, port, weight, lvsMethod, uthreshold, lthreshold, inhibitOnFailure, notifyUp, notifyDown, alpha
        case retry, delayBeforeRetry, warmup, connectTimeout, delayLoop, smtpAlert, virtualhost, snmpName, checkers
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(address: try c.decode(IPAddress.self, forKey: .address), port: try c.decodeIfPresent(UInt16.self, forKey: .port))
        weight = try c.decodeIfPresent(Int32.self, forKey: .weight)
        var r = RarelySet()
        r.lvsMethod = try c.decodeIfPresent(ForwardingMethod.self, forKey: .lvsMethod)
        r.uthreshold = try c.decode(UInt32.self, forKey: .uthreshold, default: 0)
        r.lthreshold = try c.decode(UInt32.self, forKey: .lthreshold, default: 0)
        r.inhibitOnFailure = try c.decodeIfPresent(Bool.self, forKey: .inhibitOnFailure)
        r.notifyUp = try c.decodeIfPresent(Script.self, forKey: .notifyUp)
        r.notifyDown = try c.decodeIfPresent(Script.self, forKey: .notifyDown)
        r.alpha = try c.decodeIfPresent(Bool.self, forKey: .alpha)
        r.retry = try c.decodeIfPresent(Int.self, forKey: .retry)
        r.delayBeforeRetry = try c.decodeIfPresent(Interval.self, forKey: .delayBeforeRetry)
        r.warmup = try c.decodeIfPresent(Interval.self, forKey: .warmup)
        r.connectTimeout = try c.decodeIfPresent(Interval.self, forKey: .connectTimeout)
        r.delayLoop = try c.decodeIfPresent(Interval.self, forKey: .delayLoop)
        r.smtpAlert = try c.decodeIfPresent(Bool.self, forKey: .smtpAlert)
        r.virtualhost = try c.decodeIfPresent(String.self, forKey: .virtualhost)
        r.snmpName = try c.decodeIfPresent(String.self, forKey: .snmpName)
        rare = Rare(r)
        checkers = try c.decode([Checker].self, forKey: .checkers, default: [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let r = rare.fields
        try c.encode(address, forKey: .address)
        try c.encodeIfPresent(port, forKey: .port)
        try c.encodeIfPresent(weight, forKey: .weight)
        try c.encodeIfPresent(r.lvsMethod, forKey: .lvsMethod)
        try c.encode(r.uthreshold, forKey: .uthreshold, unless: 0)
        try c.encode(r.lthreshold, forKey: .lthreshold, unless: 0)
        try c.encodeIfPresent(r.inhibitOnFailure, forKey: .inhibitOnFailure)
        try c.encodeIfPresent(r.notifyUp, forKey: .notifyUp)
        try c.encodeIfPresent(r.notifyDown, forKey: .notifyDown)
        try c.encodeIfPresent(r.alpha, forKey: .alpha)
        try c.encodeIfPresent(r.retry, forKey: .retry)
        try c.encodeIfPresent(r.delayBeforeRetry, forKey: .delayBeforeRetry)
        try c.encodeIfPresent(r.warmup, forKey: .warmup)
        try c.encodeIfPresent(r.connectTimeout, forKey: .connectTimeout)
        try c.encodeIfPresent(r.delayLoop, forKey: .delayLoop)
        try c.encodeIfPresent(r.smtpAlert, forKey: .smtpAlert)
        try c.encodeIfPresent(r.virtualhost, forKey: .virtualhost)
        try c.encodeIfPresent(r.snmpName, forKey: .snmpName)
        try c.encode(checkers, forKey: .checkers, unless: [])
    }
}

// The two below are written out as the compiler would synthesize them (every
// key in declaration order; an optional left out when nil, any other value
// always written and required on decode): their fields moved behind
// computed properties, which synthesis does not see.

extension VirtualServer: Codable {
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

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(address: try c.decode(VirtualServerAddress.self, forKey: .address))
        var r = RarelySet()
        r.ipFamily = try c.decodeIfPresent(AddressFamily.self, forKey: .ipFamily)
        r.retry = try c.decodeIfPresent(Int.self, forKey: .retry)
        r.delayBeforeRetry = try c.decodeIfPresent(Interval.self, forKey: .delayBeforeRetry)
        r.warmup = try c.decodeIfPresent(Interval.self, forKey: .warmup)
        connectTimeout = try c.decode(Interval.self, forKey: .connectTimeout)
        delayLoop = try c.decode(Interval.self, forKey: .delayLoop)
        r.inhibitOnFailure = try c.decode(Bool.self, forKey: .inhibitOnFailure)
        lbAlgo = try c.decodeIfPresent(Scheduler.self, forKey: .lbAlgo)
        r.hashed = try c.decode(Bool.self, forKey: .hashed)
        r.ops = try c.decode(Bool.self, forKey: .ops)
        r.flag1 = try c.decode(Bool.self, forKey: .flag1)
        r.flag2 = try c.decode(Bool.self, forKey: .flag2)
        r.flag3 = try c.decode(Bool.self, forKey: .flag3)
        r.shPort = try c.decode(Bool.self, forKey: .shPort)
        r.shFallback = try c.decode(Bool.self, forKey: .shFallback)
        r.mhPort = try c.decode(Bool.self, forKey: .mhPort)
        r.mhFallback = try c.decode(Bool.self, forKey: .mhFallback)
        lbKind = try c.decodeIfPresent(ForwardingMethod.self, forKey: .lbKind)
        r.persistenceEngine = try c.decodeIfPresent(String.self, forKey: .persistenceEngine)
        persistenceTimeout = try c.decodeIfPresent(UInt32.self, forKey: .persistenceTimeout)
        r.persistenceGranularity = try c.decodeIfPresent(String.self, forKey: .persistenceGranularity)
        self.protocol = try c.decodeIfPresent(IPVSProtocol.self, forKey: .protocol)
        r.haSuspend = try c.decode(Bool.self, forKey: .haSuspend)
        r.smtpAlert = try c.decodeIfPresent(Bool.self, forKey: .smtpAlert)
        r.virtualhost = try c.decodeIfPresent(String.self, forKey: .virtualhost)
        r.snmpName = try c.decodeIfPresent(String.self, forKey: .snmpName)
        r.alpha = try c.decode(Bool.self, forKey: .alpha)
        r.omega = try c.decode(Bool.self, forKey: .omega)
        r.quorumUp = try c.decodeIfPresent(Script.self, forKey: .quorumUp)
        r.quorumDown = try c.decodeIfPresent(Script.self, forKey: .quorumDown)
        r.quorum = try c.decode(UInt32.self, forKey: .quorum)
        r.hysteresis = try c.decode(UInt32.self, forKey: .hysteresis)
        r.weight = try c.decode(Int32.self, forKey: .weight)
        r.sorryServer = try c.decodeIfPresent(SorryServer.self, forKey: .sorryServer)
        r.sorryServerInhibit = try c.decode(Bool.self, forKey: .sorryServerInhibit)
        r.sorryServerLvsMethod = try c.decodeIfPresent(ForwardingMethod.self, forKey: .sorryServerLvsMethod)
        rare = Rare(r)
        realServers = try c.decode([RealServer].self, forKey: .realServers)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let r = rare.fields
        try c.encode(address, forKey: .address)
        try c.encodeIfPresent(r.ipFamily, forKey: .ipFamily)
        try c.encodeIfPresent(r.retry, forKey: .retry)
        try c.encodeIfPresent(r.delayBeforeRetry, forKey: .delayBeforeRetry)
        try c.encodeIfPresent(r.warmup, forKey: .warmup)
        try c.encode(connectTimeout, forKey: .connectTimeout)
        try c.encode(delayLoop, forKey: .delayLoop)
        try c.encode(r.inhibitOnFailure, forKey: .inhibitOnFailure)
        try c.encodeIfPresent(lbAlgo, forKey: .lbAlgo)
        try c.encode(r.hashed, forKey: .hashed)
        try c.encode(r.ops, forKey: .ops)
        try c.encode(r.flag1, forKey: .flag1)
        try c.encode(r.flag2, forKey: .flag2)
        try c.encode(r.flag3, forKey: .flag3)
        try c.encode(r.shPort, forKey: .shPort)
        try c.encode(r.shFallback, forKey: .shFallback)
        try c.encode(r.mhPort, forKey: .mhPort)
        try c.encode(r.mhFallback, forKey: .mhFallback)
        try c.encodeIfPresent(lbKind, forKey: .lbKind)
        try c.encodeIfPresent(r.persistenceEngine, forKey: .persistenceEngine)
        try c.encodeIfPresent(persistenceTimeout, forKey: .persistenceTimeout)
        try c.encodeIfPresent(r.persistenceGranularity, forKey: .persistenceGranularity)
        try c.encodeIfPresent(self.protocol, forKey: .protocol)
        try c.encode(r.haSuspend, forKey: .haSuspend)
        try c.encodeIfPresent(r.smtpAlert, forKey: .smtpAlert)
        try c.encodeIfPresent(r.virtualhost, forKey: .virtualhost)
        try c.encodeIfPresent(r.snmpName, forKey: .snmpName)
        try c.encode(r.alpha, forKey: .alpha)
        try c.encode(r.omega, forKey: .omega)
        try c.encodeIfPresent(r.quorumUp, forKey: .quorumUp)
        try c.encodeIfPresent(r.quorumDown, forKey: .quorumDown)
        try c.encode(r.quorum, forKey: .quorum)
        try c.encode(r.hysteresis, forKey: .hysteresis)
        try c.encode(r.weight, forKey: .weight)
        try c.encodeIfPresent(r.sorryServer, forKey: .sorryServer)
        try c.encode(r.sorryServerInhibit, forKey: .sorryServerInhibit)
        try c.encodeIfPresent(r.sorryServerLvsMethod, forKey: .sorryServerLvsMethod)
        try c.encode(realServers, forKey: .realServers)
    }
}

extension CheckerCommon: Codable {
    enum CodingKeys: String, CodingKey {
        case connectIp, connectPort, bindto, bindPort, bindIf, connectTimeout, fwmark, retry, delayBeforeRetry
        case warmup, delayLoop, alpha, logAllFailures
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        var r = RarelySet()
        r.connectIp = try c.decodeIfPresent(IPAddress.self, forKey: .connectIp)
        connectPort = try c.decodeIfPresent(UInt16.self, forKey: .connectPort)
        r.bindto = try c.decodeIfPresent(IPAddress.self, forKey: .bindto)
        r.bindPort = try c.decodeIfPresent(UInt16.self, forKey: .bindPort)
        r.bindIf = try c.decodeIfPresent(String.self, forKey: .bindIf)
        connectTimeout = try c.decodeIfPresent(Interval.self, forKey: .connectTimeout)
        r.fwmark = try c.decodeIfPresent(UInt32.self, forKey: .fwmark)
        retry = try c.decodeIfPresent(Int.self, forKey: .retry)
        delayBeforeRetry = try c.decodeIfPresent(Interval.self, forKey: .delayBeforeRetry)
        r.warmup = try c.decodeIfPresent(Interval.self, forKey: .warmup)
        delayLoop = try c.decodeIfPresent(Interval.self, forKey: .delayLoop)
        r.alpha = try c.decodeIfPresent(Bool.self, forKey: .alpha)
        r.logAllFailures = try c.decodeIfPresent(Bool.self, forKey: .logAllFailures)
        rare = Rare(r)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let r = rare.fields
        try c.encodeIfPresent(r.connectIp, forKey: .connectIp)
        try c.encodeIfPresent(connectPort, forKey: .connectPort)
        try c.encodeIfPresent(r.bindto, forKey: .bindto)
        try c.encodeIfPresent(r.bindPort, forKey: .bindPort)
        try c.encodeIfPresent(r.bindIf, forKey: .bindIf)
        try c.encodeIfPresent(connectTimeout, forKey: .connectTimeout)
        try c.encodeIfPresent(r.fwmark, forKey: .fwmark)
        try c.encodeIfPresent(retry, forKey: .retry)
        try c.encodeIfPresent(delayBeforeRetry, forKey: .delayBeforeRetry)
        try c.encodeIfPresent(r.warmup, forKey: .warmup)
        try c.encodeIfPresent(delayLoop, forKey: .delayLoop)
        try c.encodeIfPresent(r.alpha, forKey: .alpha)
        try c.encodeIfPresent(r.logAllFailures, forKey: .logAllFailures)
    }
}

extension HTTPCheck {
    enum CodingKeys: String, CodingKey {
        case common, virtualhost, httpProtocol, enableSni, fastRecovery, urls, usedNbGetRetry
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        common = try c.decode(CheckerCommon.self, forKey: .common, default: CheckerCommon())
        virtualhost = try c.decodeIfPresent(String.self, forKey: .virtualhost)
        httpProtocol = try c.decodeIfPresent(String.self, forKey: .httpProtocol)
        enableSni = try c.decode(Bool.self, forKey: .enableSni, default: false)
        fastRecovery = try c.decode(Bool.self, forKey: .fastRecovery, default: false)
        urls = try c.decode([HTTPURL].self, forKey: .urls, default: [])
        usedNbGetRetry = try c.decode(Bool.self, forKey: .usedNbGetRetry, default: false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(common, forKey: .common, unless: CheckerCommon())
        try c.encodeIfPresent(virtualhost, forKey: .virtualhost)
        try c.encodeIfPresent(httpProtocol, forKey: .httpProtocol)
        try c.encode(enableSni, forKey: .enableSni, unless: false)
        try c.encode(fastRecovery, forKey: .fastRecovery, unless: false)
        try c.encode(urls, forKey: .urls, unless: [])
        try c.encode(usedNbGetRetry, forKey: .usedNbGetRetry, unless: false)
    }
}

extension HTTPURL {
    enum CodingKeys: String, CodingKey {
        case path, digest, statusCode, virtualhost, regex, regexNoMatch, regexOptions, regexMinOffset, regexMaxOffset, regexStack
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        path = try c.decodeIfPresent(String.self, forKey: .path)
        digest = try c.decodeIfPresent(String.self, forKey: .digest)
        statusCode = try c.decode([ClosedRange<Int>].self, forKey: .statusCode, default: [])
        virtualhost = try c.decodeIfPresent(String.self, forKey: .virtualhost)
        regex = try c.decodeIfPresent(String.self, forKey: .regex)
        regexNoMatch = try c.decode(Bool.self, forKey: .regexNoMatch, default: false)
        regexOptions = try c.decode([String].self, forKey: .regexOptions, default: [])
        regexMinOffset = try c.decode(Int.self, forKey: .regexMinOffset, default: 0)
        regexMaxOffset = try c.decode(Int.self, forKey: .regexMaxOffset, default: 0)
        regexStack = try c.decodeIfPresent([Int].self, forKey: .regexStack)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(path, forKey: .path)
        try c.encodeIfPresent(digest, forKey: .digest)
        try c.encode(statusCode, forKey: .statusCode, unless: [])
        try c.encodeIfPresent(virtualhost, forKey: .virtualhost)
        try c.encodeIfPresent(regex, forKey: .regex)
        try c.encode(regexNoMatch, forKey: .regexNoMatch, unless: false)
        try c.encode(regexOptions, forKey: .regexOptions, unless: [])
        try c.encode(regexMinOffset, forKey: .regexMinOffset, unless: 0)
        try c.encode(regexMaxOffset, forKey: .regexMaxOffset, unless: 0)
        try c.encodeIfPresent(regexStack, forKey: .regexStack)
    }
}
