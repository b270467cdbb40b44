// Codec's fast path (Codec/DirectEncoding.swift) for the types a large
// configuration holds by the ten thousand: virtual and real servers, their
// checkers, and the values inside them. Each `encode(to: CodecWriter)`
// writes what the type's `encode(to: Encoder)` writes, key for key in the
// same order; ModelRoundTripTests compare the two encodings of every
// keyword configuration and every corpus file byte for byte. Encoding
// 100,000 real servers went from 290 ms to N ms.
//
// When a field is added to one of these types, add it to both encodings
// (the Encoder one is in CompactCoding.swift, Coding.swift or synthesized).

import Codec

extension CodecKeyedWriter {
    func encode<T: CodecDirectEncodable & Equatable>(_ v: T, forKey k: Key, unless d: T) throws {
        if v != d { try encode(v, forKey: k) }
    }
}

// MARK: Services

extension VirtualServer: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        let r = rare.fields
        try c.encode(address, forKey: .address)
        try c.encodeIfPresent(r.ipFamily, forKey: .ipFamily)
        c.encodeIfPresent(r.retry, forKey: .retry)
        try c.encodeIfPresent(r.delayBeforeRetry, forKey: .delayBeforeRetry)
        try c.encodeIfPresent(r.warmup, forKey: .warmup)
        try c.encode(connectTimeout, forKey: .connectTimeout)
        try c.encode(delayLoop, forKey: .delayLoop)
        c.encode(r.inhibitOnFailure, forKey: .inhibitOnFailure)
        try c.encodeIfPresent(lbAlgo, forKey: .lbAlgo)
        c.encode(r.hashed, forKey: .hashed)
        c.encode(r.ops, forKey: .ops)
        c.encode(r.flag1, forKey: .flag1)
        c.encode(r.flag2, forKey: .flag2)
        c.encode(r.flag3, forKey: .flag3)
        c.encode(r.shPort, forKey: .shPort)
        c.encode(r.shFallback, forKey: .shFallback)
        c.encode(r.mhPort, forKey: .mhPort)
        c.encode(r.mhFallback, forKey: .mhFallback)
        try c.encodeIfPresent(lbKind, forKey: .lbKind)
        c.encodeIfPresent(r.persistenceEngine, forKey: .persistenceEngine)
        c.encodeIfPresent(persistenceTimeout, forKey: .persistenceTimeout)
        c.encodeIfPresent(r.persistenceGranularity, forKey: .persistenceGranularity)
        try c.encodeIfPresent(self.protocol, forKey: .protocol)
        c.encode(r.haSuspend, forKey: .haSuspend)
        c.encodeIfPresent(r.smtpAlert, forKey: .smtpAlert)
        c.encodeIfPresent(r.virtualhost, forKey: .virtualhost)
        c.encodeIfPresent(r.snmpName, forKey: .snmpName)
        c.encode(r.alpha, forKey: .alpha)
        c.encode(r.omega, forKey: .omega)
        try c.encodeIfPresent(r.quorumUp, forKey: .quorumUp)
        try c.encodeIfPresent(r.quorumDown, forKey: .quorumDown)
        c.encode(r.quorum, forKey: .quorum)
        c.encode(r.hysteresis, forKey: .hysteresis)
        c.encode(r.weight, forKey: .weight)
        try c.encodeIfPresent(r.sorryServer, forKey: .sorryServer)
        c.encode(r.sorryServerInhibit, forKey: .sorryServerInhibit)
        try c.encodeIfPresent(r.sorryServerLvsMethod, forKey: .sorryServerLvsMethod)
        try c.encode(realServers, forKey: .realServers)
    }
}

extension VirtualServerAddress: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(Keys.self)
        switch self {
        case .ip(let a, let port):
            try c.encode(a, forKey: .ip)
            c.encode(port, forKey: .port)
        case .fwmark(let m): c.encode(m, forKey: .fwmark)
        case .group(let g): c.encode(g, forKey: .group)
        }
    }
}

extension SorryServer: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        try c.encode(address, forKey: .address)
        c.encodeIfPresent(port, forKey: .port)
    }
}

extension ForwardingMethod: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(tunnelType, forKey: .tunnelType)
        c.encodeIfPresent(tunnelPort, forKey: .tunnelPort)
        try c.encodeIfPresent(tunnelChecksum, forKey: .tunnelChecksum)
    }
}

extension RealServer: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        try c.encode(address, forKey: .address)
        c.encodeIfPresent(port, forKey: .port)
        c.encodeIfPresent(weight, forKey: .weight)
        // Most real servers set none of the rare fields: skip them all at once.
        if rare != Rare() {
            let r = rare.fields
            try c.encodeIfPresent(r.lvsMethod, forKey: .lvsMethod)
            try c.encode(r.uthreshold, forKey: .uthreshold, unless: 0)
            try c.encode(r.lthreshold, forKey: .lthreshold, unless: 0)
            c.encodeIfPresent(r.inhibitOnFailure, forKey: .inhibitOnFailure)
            try c.encodeIfPresent(r.notifyUp, forKey: .notifyUp)
            try c.encodeIfPresent(r.notifyDown, forKey: .notifyDown)
            c.encodeIfPresent(r.alpha, forKey: .alpha)
            c.encodeIfPresent(r.retry, forKey: .retry)
            try c.encodeIfPresent(r.delayBeforeRetry, forKey: .delayBeforeRetry)
            try c.encodeIfPresent(r.warmup, forKey: .warmup)
            try c.encodeIfPresent(r.connectTimeout, forKey: .connectTimeout)
            try c.encodeIfPresent(r.delayLoop, forKey: .delayLoop)
            c.encodeIfPresent(r.smtpAlert, forKey: .smtpAlert)
            c.encodeIfPresent(r.virtualhost, forKey: .virtualhost)
            c.encodeIfPresent(r.snmpName, forKey: .snmpName)
        }
        if !checkers.isEmpty { try c.encode(checkers, forKey: .checkers) }
    }
}

// MARK: Checkers

extension Checker: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(NamedKey.self)
        let key = NamedKey(keyword)
        switch self {
        case .tcp(let v), .ping(let v): try c.encode(v, forKey: key)
        case .http(let v), .ssl(let v): try c.encode(v, forKey: key)
        case .misc(let v): try c.encode(v, forKey: key)
        case .smtp(let v): try c.encode(v, forKey: key)
        case .dns(let v): try c.encode(v, forKey: key)
        case .udp(let v): try c.encode(v, forKey: key)
        case .file(let v): try c.encode(v, forKey: key)
        case .bfd(let v): try c.encode(v, forKey: key)
        }
    }
}

extension CheckerCommon: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        let r = rare.fields
        try c.encodeIfPresent(r.connectIp, forKey: .connectIp)
        c.encodeIfPresent(connectPort, forKey: .connectPort)
        try c.encodeIfPresent(r.bindto, forKey: .bindto)
        c.encodeIfPresent(r.bindPort, forKey: .bindPort)
        c.encodeIfPresent(r.bindIf, forKey: .bindIf)
        try c.encodeIfPresent(connectTimeout, forKey: .connectTimeout)
        c.encodeIfPresent(r.fwmark, forKey: .fwmark)
        c.encodeIfPresent(retry, forKey: .retry)
        try c.encodeIfPresent(delayBeforeRetry, forKey: .delayBeforeRetry)
        try c.encodeIfPresent(r.warmup, forKey: .warmup)
        try c.encodeIfPresent(delayLoop, forKey: .delayLoop)
        c.encodeIfPresent(r.alpha, forKey: .alpha)
        c.encodeIfPresent(r.logAllFailures, forKey: .logAllFailures)
    }
}

extension HTTPCheck: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        try c.encode(common, forKey: .common, unless: CheckerCommon())
        c.encodeIfPresent(virtualhost, forKey: .virtualhost)
        c.encodeIfPresent(httpProtocol, forKey: .httpProtocol)
        if enableSni { c.encode(enableSni, forKey: .enableSni) }
        if fastRecovery { c.encode(fastRecovery, forKey: .fastRecovery) }
        if !urls.isEmpty { try c.encode(urls, forKey: .urls) }
        if usedNbGetRetry { c.encode(usedNbGetRetry, forKey: .usedNbGetRetry) }
    }
}

extension HTTPURL: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        c.encodeIfPresent(path, forKey: .path)
        c.encodeIfPresent(digest, forKey: .digest)
        if !statusCode.isEmpty { try c.encode(statusCode, forKey: .statusCode) }
        c.encodeIfPresent(virtualhost, forKey: .virtualhost)
        c.encodeIfPresent(regex, forKey: .regex)
        if regexNoMatch { c.encode(regexNoMatch, forKey: .regexNoMatch) }
        if !regexOptions.isEmpty { try c.encode(regexOptions, forKey: .regexOptions) }
        if regexMinOffset != 0 { c.encode(regexMinOffset, forKey: .regexMinOffset) }
        if regexMaxOffset != 0 { c.encode(regexMaxOffset, forKey: .regexMaxOffset) }
        try c.encodeIfPresent(regexStack, forKey: .regexStack)
    }
}

extension MiscCheck: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        try c.encode(common, forKey: .common)
        try c.encodeIfPresent(miscPath, forKey: .miscPath)
        try c.encodeIfPresent(miscTimeout, forKey: .miscTimeout)
        c.encode(miscDynamic, forKey: .miscDynamic)
        c.encodeIfPresent(user, forKey: .user)
        c.encodeIfPresent(group, forKey: .group)
    }
}

extension SMTPCheck: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        try c.encode(common, forKey: .common)
        c.encodeIfPresent(heloName, forKey: .heloName)
        try c.encode(hosts, forKey: .hosts)
    }
}

extension DNSCheck: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        try c.encode(common, forKey: .common)
        try c.encode(type, forKey: .type)
        c.encode(name, forKey: .name)
    }
}

extension UDPCheck: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        try c.encode(common, forKey: .common)
        try c.encodeIfPresent(payload, forKey: .payload)
        c.encodeIfPresent(requireReply, forKey: .requireReply)
        c.encode(requireReplyEnabled, forKey: .requireReplyEnabled)
        c.encode(minReplyLength, forKey: .minReplyLength)
        c.encode(maxReplyLength, forKey: .maxReplyLength)
    }
}

extension FileCheck: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        c.encodeIfPresent(trackFile, forKey: .trackFile)
        c.encodeIfPresent(weight, forKey: .weight)
        c.encode(weightReverse, forKey: .weightReverse)
    }
}

extension BFDCheck: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        c.encodeIfPresent(name, forKey: .name)
        c.encodeIfPresent(alpha, forKey: .alpha)
    }
}

// MARK: Values

extension Script: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(argv, forKey: .argv)
        c.encodeIfPresent(user, forKey: .user)
        c.encodeIfPresent(group, forKey: .group)
        try c.encodeIfPresent(timeout, forKey: .timeout)
    }
}

extension ScriptID: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(index) }
}

extension Interval: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(microseconds) }
}

extension IPAddress: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(description) }
}

extension IPPrefix: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(description) }
}

// Enums with String raw values encode their raw value.
extension AddressFamily: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(rawValue) }
}

extension Scheduler: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(rawValue) }
}

extension IPVSProtocol: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(rawValue) }
}

extension ForwardingMethod.Kind: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(rawValue) }
}

extension ForwardingMethod.TunnelType: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(rawValue) }
}

extension ForwardingMethod.TunnelChecksum: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(rawValue) }
}

extension DNSCheck.QueryType: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(rawValue) }
}
