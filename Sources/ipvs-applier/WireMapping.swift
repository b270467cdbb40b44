// Between the wire's names for virtual and real servers (by value, as in the
// config) and the plan's. A name the plan does not know maps to a reference
// that admission then refuses as unknown: the mapping never decides trust.
import ConfigModel
import IPVS
import IPVSNetlink
import Wire

struct WireNames {
    /// Group virtual servers are named by group alone on the wire.
    private var groups: [String: VirtualServerRef] = [:]
    private var fwmarkFamilies: [UInt32: AddressFamily] = [:]

    init(_ plan: IPVSPlan) {
        for vs in plan.virtualServers {
            switch vs.ref.address {
            case .group(let g): groups[g] = vs.ref
            case .fwmark(let m): fwmarkFamilies[m] = vs.services.first?.family
            case .ip: break
            }
        }
    }

    static func address(_ w: WireAddress) -> IPAddress? {
        let b = w.bytes
        if b.count == 4 { return .v4(IPv4Address(b[0], b[1], b[2], b[3])) }
        return IPv6Address(bytes: b).map { .v6($0) }
    }

    static func wire(_ a: IPAddress) -> WireAddress { WireAddress(bytes: a.bytes)! }

    static func transport(_ p: TransportProtocol) -> IPVSTransport {
        switch p {
        case .tcp: return .tcp
        case .udp: return .udp
        case .sctp: return .sctp
        }
    }

    /// nil: a name no configuration could have (a malformed address); else a
    /// reference, known or not.
    func ref(_ k: VirtualServerKey) -> VirtualServerRef? {
        switch k {
        case .endpoint(let a, let port, let p):
            guard let addr = Self.address(a) else { return nil }
            return VirtualServerRef(.ip(addr, port: port), Self.transport(p))
        case .fwmark(let m, let v6):
            // The family must agree with the configured service's.
            if let f = fwmarkFamilies[m], (f == .inet6) != v6 { return VirtualServerRef(.fwmark(m), .tcp) }
            return VirtualServerRef(.fwmark(m), nil)
        case .group(let g):
            return groups[g] ?? VirtualServerRef(.group(g), nil)
        }
    }

    static func key(_ r: VirtualServerRef, _ plan: VirtualServerPlan) -> VirtualServerKey {
        switch r.address {
        case .ip(let a, let port):
            let p: TransportProtocol
            switch r.transport ?? .udp {
            case .tcp: p = .tcp
            case .udp: p = .udp
            case .sctp: p = .sctp
            }
            return .endpoint(address: wire(a), port: port, protocol: p)
        case .fwmark(let m): return .fwmark(m, ipv6: plan.services.first?.family == .inet6)
        case .group(let g): return .group(g)
        }
    }

    func verdict(_ v: Wire.RealServerVerdict) -> IPVS.RealServerVerdict? {
        guard let vs = ref(v.virtualServer), let addr = Self.address(v.realServer.address) else { return nil }
        return IPVS.RealServerVerdict(generation: v.generation.value, virtualServer: vs,
                                      realServer: RealServerRef(addr, v.realServer.port), up: v.up, weight: Int64(v.weight))
    }
}

extension Wire.IPVSCounters {
    init(_ c: IPVSNetlink.IPVSCounters, active: UInt32 = 0, inactive: UInt32 = 0) {
        self.init()
        connections = c.connections
        inPackets = c.inPackets
        outPackets = c.outPackets
        inBytes = c.inBytes
        outBytes = c.outBytes
        activeConnections = active
        inactiveConnections = inactive
    }
}
