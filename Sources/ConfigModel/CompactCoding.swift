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

extension RealServer {
    enum CodingKeys: String, CodingKey {
        case address, port, weight, lvsMethod, uthreshold, lthreshold, inhibitOnFailure, notifyUp, notifyDown, alpha
        case retry, delayBeforeRetry, warmup, connectTimeout, delayLoop, smtpAlert, virtualhost, snmpName, checkers
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(address: try c.decode(IPAddress.self, forKey: .address), port: try c.decodeIfPresent(UInt16.self, forKey: .port))
        weight = try c.decodeIfPresent(Int32.self, forKey: .weight)
        lvsMethod = try c.decodeIfPresent(ForwardingMethod.self, forKey: .lvsMethod)
        uthreshold = try c.decode(UInt32.self, forKey: .uthreshold, default: 0)
        lthreshold = try c.decode(UInt32.self, forKey: .lthreshold, default: 0)
        inhibitOnFailure = try c.decodeIfPresent(Bool.self, forKey: .inhibitOnFailure)
        notifyUp = try c.decodeIfPresent(Script.self, forKey: .notifyUp)
        notifyDown = try c.decodeIfPresent(Script.self, forKey: .notifyDown)
        alpha = try c.decodeIfPresent(Bool.self, forKey: .alpha)
        retry = try c.decodeIfPresent(Int.self, forKey: .retry)
        delayBeforeRetry = try c.decodeIfPresent(Interval.self, forKey: .delayBeforeRetry)
        warmup = try c.decodeIfPresent(Interval.self, forKey: .warmup)
        connectTimeout = try c.decodeIfPresent(Interval.self, forKey: .connectTimeout)
        delayLoop = try c.decodeIfPresent(Interval.self, forKey: .delayLoop)
        smtpAlert = try c.decodeIfPresent(Bool.self, forKey: .smtpAlert)
        virtualhost = try c.decodeIfPresent(String.self, forKey: .virtualhost)
        snmpName = try c.decodeIfPresent(String.self, forKey: .snmpName)
        checkers = try c.decode([Checker].self, forKey: .checkers, default: [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(address, forKey: .address)
        try c.encodeIfPresent(port, forKey: .port)
        try c.encodeIfPresent(weight, forKey: .weight)
        try c.encodeIfPresent(lvsMethod, forKey: .lvsMethod)
        try c.encode(uthreshold, forKey: .uthreshold, unless: 0)
        try c.encode(lthreshold, forKey: .lthreshold, unless: 0)
        try c.encodeIfPresent(inhibitOnFailure, forKey: .inhibitOnFailure)
        try c.encodeIfPresent(notifyUp, forKey: .notifyUp)
        try c.encodeIfPresent(notifyDown, forKey: .notifyDown)
        try c.encodeIfPresent(alpha, forKey: .alpha)
        try c.encodeIfPresent(retry, forKey: .retry)
        try c.encodeIfPresent(delayBeforeRetry, forKey: .delayBeforeRetry)
        try c.encodeIfPresent(warmup, forKey: .warmup)
        try c.encodeIfPresent(connectTimeout, forKey: .connectTimeout)
        try c.encodeIfPresent(delayLoop, forKey: .delayLoop)
        try c.encodeIfPresent(smtpAlert, forKey: .smtpAlert)
        try c.encodeIfPresent(virtualhost, forKey: .virtualhost)
        try c.encodeIfPresent(snmpName, forKey: .snmpName)
        try c.encode(checkers, forKey: .checkers, unless: [])
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
