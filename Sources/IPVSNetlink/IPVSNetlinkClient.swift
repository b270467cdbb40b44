// The IPVS generic netlink client: dump the table, apply batches of
// operations, flush, timeouts and the connection sync daemon.
import ConfigModel
import IPVS

/// Traffic counters of a service or destination (the kernel's 64-bit stats).
public struct IPVSCounters: Hashable, Sendable, Codable {
    public var connections: UInt64 = 0
    public var inPackets: UInt64 = 0
    public var outPackets: UInt64 = 0
    public var inBytes: UInt64 = 0
    public var outBytes: UInt64 = 0
    public init() {}
}

public struct KernelService: Hashable, Sendable {
    public var key: ServiceKey
    public var settings: ServiceSettings
    public var counters: IPVSCounters
}

public struct KernelDestination: Hashable, Sendable {
    public var key: DestinationKey
    public var settings: DestinationSettings
    public var activeConnections: UInt32
    public var inactiveConnections: UInt32
    public var persistentConnections: UInt32
    public var counters: IPVSCounters
}

/// A whole dump: the table, and the counters beside it.
public struct KernelSnapshot: Sendable {
    public var services: [KernelService] = []
    public var destinations: [ServiceKey: [KernelDestination]] = [:]

    public var table: IPVSTable {
        var t = IPVSTable()
        for s in services {
            var e = ServiceEntry(settings: s.settings)
            for d in destinations[s.key] ?? [] { e.destinations[d.key] = d.settings }
            t.services[s.key] = e
        }
        return t
    }
}

public struct IPVSTimeouts: Hashable, Sendable {
    public var tcp: UInt32
    public var tcpFin: UInt32
    public var udp: UInt32
    public init(tcp: UInt32, tcpFin: UInt32, udp: UInt32) {
        self.tcp = tcp
        self.tcpFin = tcpFin
        self.udp = udp
    }
}

public struct SyncDaemonSettings: Hashable, Sendable {
    public enum State: UInt32, Sendable { case master = 1, backup = 2 }
    public var state: State
    public var interface: String
    public var syncID: UInt32
    public var maxLength: UInt16?
    public var group: IPAddress?
    public var port: UInt16?
    public var ttl: UInt8?
    public init(state: State, interface: String, syncID: UInt32, maxLength: UInt16? = nil,
                group: IPAddress? = nil, port: UInt16? = nil, ttl: UInt8? = nil) {
        self.state = state
        self.interface = interface
        self.syncID = syncID
        self.maxLength = maxLength
        self.group = group
        self.port = port
        self.ttl = ttl
    }
}

/// The outcome of one batch: which operations the kernel refused, and why.
public struct BatchOutcome: Sendable {
    public var sent = 0
    public var failures: [(operation: IPVSOperation, error: GenericNetlinkError)] = []
}

public final class IPVSNetlinkClient {
    public let socket: GenericNetlinkSocket
    public let family: UInt16

    // NLM_F_* (linux/netlink.h)
    static let flagAck: Int32 = 0x4
    static let flagDump: Int32 = 0x300

    public init(receiveBuffer: Int = 4 << 20) throws(GenericNetlinkError) {
        socket = try GenericNetlinkSocket(receiveBuffer: receiveBuffer)
        family = try socket.resolve(family: IPVSGenl.family)
    }

    public var messagesSent: UInt64 { socket.messagesSent }

    func request(_ c: IPVSGenl.Command, flags: Int32 = IPVSNetlinkClient.flagAck) throws(GenericNetlinkError) -> NetlinkRequest {
        try NetlinkRequest(family: family, command: c.rawValue, version: IPVSGenl.version, flags: flags)
    }

    // MARK: Operations

    /// Builds the request for one operation.
    public func request(for op: IPVSOperation) throws(GenericNetlinkError) -> NetlinkRequest {
        try Self.request(for: op, family: family)
    }

    /// Builds the request for one operation for a given family id (no socket needed).
    public static func request(for op: IPVSOperation, family: UInt16) throws(GenericNetlinkError) -> NetlinkRequest {
        func make(_ c: IPVSGenl.Command) throws(GenericNetlinkError) -> NetlinkRequest {
            try NetlinkRequest(family: family, command: c.rawValue, version: IPVSGenl.version, flags: flagAck)
        }
        switch op {
        case .addService(let k, let s):
            let r = try make(.newService)
            try putService(r, k, s)
            return r
        case .editService(let k, let s):
            let r = try make(.setService)
            try putService(r, k, s)
            return r
        case .deleteService(let k):
            let r = try make(.delService)
            try putService(r, k, nil)
            return r
        case .addDestination(let k, let d, let s):
            let r = try make(.newDest)
            try putService(r, k, nil)
            try putDestination(r, d, s)
            return r
        case .editDestination(let k, let d, let s):
            let r = try make(.setDest)
            try putService(r, k, nil)
            try putDestination(r, d, s)
            return r
        case .deleteDestination(let k, let d):
            let r = try make(.delDest)
            try putService(r, k, nil)
            try putDestination(r, d, nil)
            return r
        }
    }

    /// Sends the operations in bounded batches and collects the kernel's
    /// refusals. Throws only when the exchange itself failed (e.g. ENOBUFS:
    /// some acknowledgements were lost, so the outcome is unknown: dump and reconcile).
    public func apply(_ ops: [IPVSOperation]) throws(GenericNetlinkError) -> BatchOutcome {
        var outcome = BatchOutcome()
        var chunk: [IPVSOperation] = []
        var requests: [NetlinkRequest] = []
        var bytes = 0
        func flush() throws(GenericNetlinkError) {
            guard !requests.isEmpty else { return }
            let errors = try transact(requests)
            for (i, e) in errors.enumerated() { if let e { outcome.failures.append((chunk[i], e)) } }
            outcome.sent += chunk.count
            chunk.removeAll(keepingCapacity: true)
            requests.removeAll(keepingCapacity: true)
            bytes = 0
        }
        for op in ops {
            let r = try request(for: op)
            chunk.append(op)
            requests.append(r)
            bytes += r.length
            // A datagram must fit the socket's send buffer (EMSGSIZE otherwise).
            if requests.count >= socket.maxBatch || bytes >= GenericNetlinkSocket.maxDatagramBytes { try flush() }
        }
        try flush()
        return outcome
    }

    /// Sends requests that each expect an acknowledgement; returns each one's error (nil: done).
    func transact(_ requests: [NetlinkRequest]) throws(GenericNetlinkError) -> [GenericNetlinkError?] {
        let seqs = try socket.send(requests)
        guard let first = seqs.first else { return [] }
        var results = [GenericNetlinkError?](repeating: nil, count: seqs.count)
        var pending = seqs.count
        while pending > 0 {
            for reply in try socket.receive() {
                guard case .ack(let seq, let e, let msg) = reply else { continue }
                let i = Int(seq &- first)
                guard i >= 0, i < seqs.count, seqs[i] == seq else { continue }
                if e != 0 { results[i] = GenericNetlinkError(errno: e, message: msg) }
                pending -= 1
            }
        }
        return results
    }

    /// Runs one request that must succeed.
    func perform(_ r: NetlinkRequest) throws(GenericNetlinkError) {
        if let e = try transact([r]).first, let e { throw e }
    }

    /// Runs a dump request; returns the attributes of each reply message.
    func dump(_ r: NetlinkRequest) throws(GenericNetlinkError) -> [NetlinkAttributes] {
        let seq = try socket.send([r])[0]
        var out: [NetlinkAttributes] = []
        while true {
            for reply in try socket.receive() {
                switch reply {
                case .data(let s, _, let attrs) where s == seq: out.append(NetlinkAttributes(attrs))
                case .done(let s) where s == seq: return out
                case .ack(let s, let e, let m) where s == seq:
                    if e != 0 { throw GenericNetlinkError(errno: e, message: m) }
                    return out
                case .data, .done, .ack: continue
                }
            }
        }
    }

    // MARK: Reading the table

    public func services() throws(GenericNetlinkError) -> [KernelService] {
        var out: [KernelService] = []
        for m in try dump(try request(.getService, flags: Self.flagDump)) {
            guard let a = m.nested(IPVSGenl.Attr.service) else { continue }
            guard let s = Self.parseService(a) else { throw .malformed("service without key") }
            out.append(s)
        }
        return out
    }

    public func destinations(of key: ServiceKey) throws(GenericNetlinkError) -> [KernelDestination] {
        let r = try request(.getDest, flags: Self.flagDump)
        try Self.putService(r, key, nil)
        var out: [KernelDestination] = []
        for m in try dump(r) {
            guard let a = m.nested(IPVSGenl.Attr.dest) else { continue }
            guard let d = Self.parseDestination(a, serviceFamily: key.family) else { throw .malformed("destination without address") }
            out.append(d)
        }
        return out
    }

    /// The whole table with counters (one dump, then one per service).
    public func snapshot() throws(GenericNetlinkError) -> KernelSnapshot {
        var snap = KernelSnapshot()
        snap.services = try services()
        for s in snap.services { snap.destinations[s.key] = try destinations(of: s.key) }
        return snap
    }

    // MARK: Global state

    /// Removes every service of the table (IPVS_CMD_FLUSH).
    public func flush() throws(GenericNetlinkError) { try perform(try request(.flush)) }

    /// `lvs_timeouts`; a nil (or 0) value leaves the kernel's as it is.
    public func setTimeouts(tcp: UInt32?, tcpFin: UInt32?, udp: UInt32?) throws(GenericNetlinkError) {
        let r = try request(.setConfig)
        if let tcp { try r.put(IPVSGenl.Attr.timeoutTCP, u32: tcp) }
        if let tcpFin { try r.put(IPVSGenl.Attr.timeoutTCPFin, u32: tcpFin) }
        if let udp { try r.put(IPVSGenl.Attr.timeoutUDP, u32: udp) }
        try perform(r)
    }

    public func timeouts() throws(GenericNetlinkError) -> IPVSTimeouts {
        let r = try request(.getConfig, flags: 0)
        let seq = try socket.send([r])[0]
        while true {
            for reply in try socket.receive() {
                switch reply {
                case .data(let s, _, let bytes) where s == seq:
                    let a = NetlinkAttributes(bytes)
                    return IPVSTimeouts(tcp: a.u32(IPVSGenl.Attr.timeoutTCP) ?? 0,
                                        tcpFin: a.u32(IPVSGenl.Attr.timeoutTCPFin) ?? 0,
                                        udp: a.u32(IPVSGenl.Attr.timeoutUDP) ?? 0)
                case .ack(let s, let e, let m) where s == seq && e != 0: throw GenericNetlinkError(errno: e, message: m)
                case .data, .done, .ack: continue
                }
            }
        }
    }

    public func startSyncDaemon(_ d: SyncDaemonSettings) throws(GenericNetlinkError) {
        let r = try request(.newDaemon)
        try r.nest(IPVSGenl.Attr.daemon) { () throws(GenericNetlinkError) in
            try r.put(IPVSGenl.Daemon.state, u32: d.state.rawValue)
            try r.put(IPVSGenl.Daemon.mcastInterface, string: d.interface)
            try r.put(IPVSGenl.Daemon.syncID, u32: d.syncID)
            if let m = d.maxLength { try r.put(IPVSGenl.Daemon.syncMaxLength, u16: m) }
            switch d.group {
            case .v4(let a)?: try r.put(IPVSGenl.Daemon.mcastGroup, bytes: a.bytes)
            case .v6(let a)?: try r.put(IPVSGenl.Daemon.mcastGroup6, bytes: a.bytes)
            case nil: break
            }
            if let p = d.port { try r.put(IPVSGenl.Daemon.mcastPort, u16: p) }
            if let t = d.ttl { try r.put(IPVSGenl.Daemon.mcastTTL, u8: t) }
        }
        try perform(r)
    }

    public func stopSyncDaemon(_ state: SyncDaemonSettings.State) throws(GenericNetlinkError) {
        let r = try request(.delDaemon)
        try r.nest(IPVSGenl.Attr.daemon) { () throws(GenericNetlinkError) in try r.put(IPVSGenl.Daemon.state, u32: state.rawValue) }
        try perform(r)
    }

    /// The running sync daemons (master and/or backup).
    public func syncDaemons() throws(GenericNetlinkError) -> [SyncDaemonSettings] {
        var out: [SyncDaemonSettings] = []
        for m in try dump(try request(.getDaemon, flags: Self.flagDump)) {
            guard let a = m.nested(IPVSGenl.Attr.daemon),
                  let st = a.u32(IPVSGenl.Daemon.state).flatMap(SyncDaemonSettings.State.init(rawValue:)) else { continue }
            var d = SyncDaemonSettings(state: st, interface: a.string(IPVSGenl.Daemon.mcastInterface) ?? "",
                                       syncID: a.u32(IPVSGenl.Daemon.syncID) ?? 0)
            d.maxLength = a.u16(IPVSGenl.Daemon.syncMaxLength)
            d.port = a.u16(IPVSGenl.Daemon.mcastPort)
            d.ttl = a.u8(IPVSGenl.Daemon.mcastTTL)
            if let g = a.bytes(IPVSGenl.Daemon.mcastGroup), g.count == 4 {
                d.group = .v4(IPv4Address(g[0], g[1], g[2], g[3]))
            } else if let g = a.bytes(IPVSGenl.Daemon.mcastGroup6), let v6 = IPv6Address(bytes: g) {
                d.group = .v6(v6)
            }
            out.append(d)
        }
        return out
    }

    /// The IPVS version and connection table size (IPVS_CMD_GET_INFO).
    public func info() throws(GenericNetlinkError) -> (version: UInt32, connectionTableSize: UInt32) {
        let r = try request(.getInfo, flags: 0)
        let seq = try socket.send([r])[0]
        while true {
            for reply in try socket.receive() {
                switch reply {
                case .data(let s, _, let bytes) where s == seq:
                    let a = NetlinkAttributes(bytes)
                    return (a.u32(IPVSGenl.Info.version) ?? 0, a.u32(IPVSGenl.Info.connTableSize) ?? 0)
                case .ack(let s, let e, let m) where s == seq && e != 0: throw GenericNetlinkError(errno: e, message: m)
                case .data, .done, .ack: continue
                }
            }
        }
    }

    // MARK: Encoding

    static func af(_ f: AddressFamily) -> UInt16 { f == .inet ? IPVSGenl.afInet : IPVSGenl.afInet6 }

    /// The kernel copies a union nf_inet_addr: 16 bytes, IPv4 in the first four.
    static func addressBytes(_ a: IPAddress) -> [UInt8] {
        let b = a.bytes
        return b + [UInt8](repeating: 0, count: 16 - b.count)
    }

    /// The service attribute: its key always, its settings for add and edit.
    static func putService(_ r: NetlinkRequest, _ key: ServiceKey, _ settings: ServiceSettings?) throws(GenericNetlinkError) {
        try r.nest(IPVSGenl.Attr.service) { () throws(GenericNetlinkError) in
            try r.put(IPVSGenl.Service.af, u16: af(key.family))
            switch key {
            case .address(let t, let a, let port):
                try r.put(IPVSGenl.Service.protocol, u16: t.rawValue)
                try r.put(IPVSGenl.Service.addr, bytes: addressBytes(a))
                try r.put(IPVSGenl.Service.port, be16: port)
            case .fwmark(let m, _):
                try r.put(IPVSGenl.Service.fwmark, u32: m)
            }
            guard let s = settings else { return }
            try r.put(IPVSGenl.Service.schedName, string: s.scheduler)
            // struct ip_vs_flags { flags; mask }: every user flag is set or cleared.
            let flags = s.flags.intersection(.userSettable).rawValue
            try r.put(IPVSGenl.Service.flags, bytes: withUnsafeBytes(of: flags) { Array($0) } + withUnsafeBytes(of: UInt32.max) { Array($0) })
            try r.put(IPVSGenl.Service.timeout, u32: s.timeout)
            // IPv4: a __be32 mask; IPv6: the prefix length as a plain number.
            try r.put(IPVSGenl.Service.netmask, u32: key.family == .inet ? s.netmask.bigEndian : s.netmask)
            if let pe = s.persistenceEngine, !pe.isEmpty { try r.put(IPVSGenl.Service.peName, string: pe) }
        }
    }

    static func putDestination(_ r: NetlinkRequest, _ d: DestinationKey, _ s: DestinationSettings?) throws(GenericNetlinkError) {
        try r.nest(IPVSGenl.Attr.dest) { () throws(GenericNetlinkError) in
            try r.put(IPVSGenl.Dest.addr, bytes: addressBytes(d.address))
            try r.put(IPVSGenl.Dest.port, be16: d.port)
            try r.put(IPVSGenl.Dest.addrFamily, u16: af(d.address.family))
            guard let s else { return }
            try r.put(IPVSGenl.Dest.fwdMethod, u32: s.forwarding.rawValue)
            try r.put(IPVSGenl.Dest.weight, u32: s.weight)
            try r.put(IPVSGenl.Dest.upperThreshold, u32: s.upperThreshold)
            try r.put(IPVSGenl.Dest.lowerThreshold, u32: s.lowerThreshold)
            if s.forwarding == .tunnel {
                try r.put(IPVSGenl.Dest.tunType, u8: s.tunnel.kind.rawValue)
                try r.put(IPVSGenl.Dest.tunPort, be16: s.tunnel.port)
                try r.put(IPVSGenl.Dest.tunFlags, u16: s.tunnel.flags.rawValue)
            }
        }
    }

    // MARK: Decoding

    static func address(_ bytes: [UInt8]?, _ family: AddressFamily) -> IPAddress? {
        guard let b = bytes else { return nil }
        switch family {
        case .inet:
            guard b.count >= 4 else { return nil }
            return .v4(IPv4Address(b[0], b[1], b[2], b[3]))
        case .inet6:
            guard b.count >= 16 else { return nil }
            return IPv6Address(bytes: b[0..<16]).map { .v6($0) }
        }
    }

    static func family(_ af: UInt16?) -> AddressFamily? {
        switch af {
        case IPVSGenl.afInet?: return .inet
        case IPVSGenl.afInet6?: return .inet6
        default: return nil
        }
    }

    static func parseCounters(_ a: NetlinkAttributes) -> IPVSCounters {
        var c = IPVSCounters()
        if let s = a.nested(IPVSGenl.Service.stats64) {
            c.connections = s.u64(IPVSGenl.Stats.conns) ?? 0
            c.inPackets = s.u64(IPVSGenl.Stats.inPackets) ?? 0
            c.outPackets = s.u64(IPVSGenl.Stats.outPackets) ?? 0
            c.inBytes = s.u64(IPVSGenl.Stats.inBytes) ?? 0
            c.outBytes = s.u64(IPVSGenl.Stats.outBytes) ?? 0
        } else if let s = a.nested(IPVSGenl.Service.stats) {
            c.connections = UInt64(s.u32(IPVSGenl.Stats.conns) ?? 0)
            c.inPackets = UInt64(s.u32(IPVSGenl.Stats.inPackets) ?? 0)
            c.outPackets = UInt64(s.u32(IPVSGenl.Stats.outPackets) ?? 0)
            c.inBytes = s.u64(IPVSGenl.Stats.inBytes) ?? 0
            c.outBytes = s.u64(IPVSGenl.Stats.outBytes) ?? 0
        }
        return c
    }

    static func parseService(_ a: NetlinkAttributes) -> KernelService? {
        guard let fam = family(a.u16(IPVSGenl.Service.af)) else { return nil }
        let key: ServiceKey
        if let m = a.u32(IPVSGenl.Service.fwmark), m != 0 {
            key = .fwmark(m, family: fam)
        } else {
            guard let p = a.u16(IPVSGenl.Service.protocol), let t = IPVSTransport(rawValue: p),
                  let addr = address(a.bytes(IPVSGenl.Service.addr), fam),
                  let port = a.be16(IPVSGenl.Service.port) else { return nil }
            key = .address(t, addr, port: port)
        }
        let flags = a.bytes(IPVSGenl.Service.flags).flatMap { b -> UInt32? in
            b.count >= 4 ? UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24 : nil
        } ?? 0
        let raw = a.u32(IPVSGenl.Service.netmask) ?? 0
        let pe = a.string(IPVSGenl.Service.peName)
        let settings = ServiceSettings(scheduler: a.string(IPVSGenl.Service.schedName) ?? "",
                                       flags: ServiceFlags(rawValue: flags),
                                       timeout: a.u32(IPVSGenl.Service.timeout) ?? 0,
                                       netmask: fam == .inet ? UInt32(bigEndian: raw) : raw,
                                       persistenceEngine: pe?.isEmpty == false ? pe : nil)
        return KernelService(key: key, settings: settings, counters: parseCounters(a))
    }

    static func parseDestination(_ a: NetlinkAttributes, serviceFamily: AddressFamily) -> KernelDestination? {
        let fam = family(a.u16(IPVSGenl.Dest.addrFamily)) ?? serviceFamily
        guard let addr = address(a.bytes(IPVSGenl.Dest.addr), fam), let port = a.be16(IPVSGenl.Dest.port) else { return nil }
        let fwd = ForwardingMethodCode(rawValue: (a.u32(IPVSGenl.Dest.fwdMethod) ?? 0) & 0x7) ?? .masquerade
        let tunnel = TunnelSettings(kind: a.u8(IPVSGenl.Dest.tunType).flatMap(TunnelSettings.Kind.init(rawValue:)) ?? .ipip,
                                    port: a.be16(IPVSGenl.Dest.tunPort) ?? 0,
                                    flags: TunnelSettings.Flags(rawValue: a.u16(IPVSGenl.Dest.tunFlags) ?? 0))
        let settings = DestinationSettings(forwarding: fwd, weight: a.u32(IPVSGenl.Dest.weight) ?? 0,
                                           upperThreshold: a.u32(IPVSGenl.Dest.upperThreshold) ?? 0,
                                           lowerThreshold: a.u32(IPVSGenl.Dest.lowerThreshold) ?? 0,
                                           tunnel: tunnel)
        return KernelDestination(key: DestinationKey(addr, port), settings: settings,
                                 activeConnections: a.u32(IPVSGenl.Dest.activeConns) ?? 0,
                                 inactiveConnections: a.u32(IPVSGenl.Dest.inactiveConns) ?? 0,
                                 persistentConnections: a.u32(IPVSGenl.Dest.persistConns) ?? 0,
                                 counters: parseCounters(a))
    }
}
