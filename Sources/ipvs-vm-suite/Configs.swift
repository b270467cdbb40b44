// The configurations the parity cases apply with ours and with keepalived:
// every scheduler the guest kernel offers, every forwarding method, fwmark
// services, IPv6, persistence, thresholds and virtual_server_group. Real
// servers have no checker, so keepalived counts them all up.
import ConfigModel

func addr(_ s: String) -> IPAddress { IPAddress(s)! }

func server(_ a: String, _ port: UInt16, proto: IPVSProtocol? = .tcp, algo: Scheduler? = .rr,
            kind: ForwardingMethod? = ForwardingMethod(.nat), _ servers: [RealServer],
            _ configure: (inout VirtualServer) -> Void = { _ in }) -> VirtualServer {
    var v = VirtualServer(address: .ip(addr(a), port: port))
    v.protocol = proto
    v.lbAlgo = algo
    v.lbKind = kind
    v.realServers = servers
    configure(&v)
    return v
}

func fwmarkServer(_ mark: UInt32, algo: Scheduler = .rr, kind: ForwardingMethod = ForwardingMethod(.dr),
                  _ servers: [RealServer], _ configure: (inout VirtualServer) -> Void = { _ in }) -> VirtualServer {
    var v = VirtualServer(address: .fwmark(mark))
    v.lbAlgo = algo
    v.lbKind = kind
    v.realServers = servers
    configure(&v)
    return v
}

func real(_ a: String, _ port: UInt16?, weight: Int32? = nil, _ configure: (inout RealServer) -> Void = { _ in }) -> RealServer {
    var r = RealServer(address: addr(a), port: port)
    r.weight = weight
    configure(&r)
    return r
}

func tun(_ type: ForwardingMethod.TunnelType? = nil, port: UInt16? = nil, _ csum: ForwardingMethod.TunnelChecksum? = nil) -> ForwardingMethod {
    var m = ForwardingMethod(.tun)
    m.tunnelType = type
    m.tunnelPort = port
    m.tunnelChecksum = csum
    return m
}

func configuration(_ servers: [VirtualServer], groups: [VirtualServerGroup] = [],
                   _ configure: (inout KeepalivedConfiguration) -> Void = { _ in }) -> KeepalivedConfiguration {
    var c = KeepalivedConfiguration()
    c.virtualServers = servers
    c.virtualServerGroups = groups
    configure(&c)
    return c
}

/// Schedulers of Linux 6.1 (the guest's): all of keepalived's but `twos` (6.2+).
let guestSchedulers: [Scheduler] = [.rr, .wrr, .lc, .wlc, .lblc, .lblcr, .dh, .sh, .sed, .nq, .fo, .ovf, .mh]

let parityConfigs: [(String, KeepalivedConfiguration)] = [
    ("schedulers", configuration(guestSchedulers.enumerated().map { i, s in
        server("10.10.0.\(i + 1)", 80, algo: s, [real("10.11.\(i).1", 80, weight: 2), real("10.11.\(i).2", 80)]) {
            switch s {
            case .sh: $0.shPort = true; $0.shFallback = true
            case .mh: $0.mhPort = true; $0.mhFallback = true
            case .wrr: $0.flag1 = true; $0.flag2 = true; $0.flag3 = true
            default: break
            }
        }
    })),
    ("forwarding", configuration([
        server("10.20.0.1", 80, [
            real("10.21.0.1", 8080, weight: 3) { $0.uthreshold = 100; $0.lthreshold = 10 },
            real("10.21.0.2", 8081, weight: 0),
            real("10.21.0.3", 80) { $0.lvsMethod = ForwardingMethod(.dr) },
            real("10.21.0.4", 80) { $0.lvsMethod = tun() },
        ]),
        server("10.20.0.2", 53, proto: .udp, kind: ForwardingMethod(.dr), [
            real("10.21.1.1", 53, weight: 5) { $0.uthreshold = 7 },
            real("10.21.1.2", 53) { $0.lvsMethod = tun(.gue, port: 6080, .csum) },
            real("10.21.1.3", 53) { $0.lvsMethod = tun(.gue, port: 6081, .remcsum) },
            real("10.21.1.4", 53) { $0.lvsMethod = tun(.gre, .csum) },
            real("10.21.1.5", 53) { $0.lvsMethod = tun(.ipip) },
            real("10.21.1.6", 53) { $0.lvsMethod = tun(.gue, port: 6082, .nocsum) },
        ]),
        server("10.20.0.3", 443, proto: .sctp, kind: tun(.gre), [real("10.21.2.1", 443), real("10.21.2.2", 443) { $0.uthreshold = 9; $0.lthreshold = 3 }]),
    ])),
    ("fwmark-and-ipv6", configuration([
        fwmarkServer(1, [real("10.30.0.1", nil), real("10.30.0.2", 0, weight: 4)]),
        fwmarkServer(2, algo: .wlc, kind: ForwardingMethod(.nat), [real("10.30.1.1", 8080)]),
        fwmarkServer(3, [real("2001:db8:30::1", nil)]),
        fwmarkServer(4, kind: tun(), [real("10.30.2.1", 0)]) { $0.ipFamily = .inet6 },
        server("2001:db8:31::1", 80, [real("2001:db8:32::1", 8080), real("2001:db8:32::2", 8080, weight: 7)]),
        server("2001:db8:31::2", 53, proto: .udp, kind: ForwardingMethod(.dr), [real("2001:db8:32::3", 53)]),
        server("2001:db8:31::3", 5060, proto: .sctp, algo: .sh, [real("2001:db8:32::4", 5060)]) { $0.shPort = true },
    ])),
    ("persistence", configuration([
        server("10.40.0.1", 80, [real("10.41.0.1", 80)]) { $0.persistenceTimeout = 600 },
        server("10.40.0.2", 80, [real("10.41.0.2", 80)]) { $0.persistenceTimeout = 120; $0.persistenceGranularity = "255.255.255.0" },
        server("10.40.0.3", 80, [real("10.41.0.3", 80)]) { $0.persistenceGranularity = "255.255.0.0" },
        // (kaconf refuses port 0 without persistence, where keepalived sets 360 s.)
        server("10.40.0.4", 0, kind: ForwardingMethod(.dr), [real("10.41.0.4", 0)]) { $0.persistenceTimeout = 360 },
        server("10.40.0.5", 5060, proto: .udp, [real("10.41.0.5", 5060)]) { $0.persistenceTimeout = 30; $0.persistenceEngine = "sip" },
        server("10.40.0.6", 53, proto: .udp, [real("10.41.0.6", 53)]) { $0.ops = true },
        server("2001:db8:40::1", 443, [real("2001:db8:41::1", 443)]) { $0.persistenceTimeout = 60; $0.persistenceGranularity = "48" },
        fwmarkServer(40, [real("10.41.0.7", nil)]) { $0.persistenceTimeout = 90 },
    ])),
    ("groups", configuration([
        { () -> VirtualServer in
            var v = VirtualServer(address: .group("web4"))
            v.protocol = .tcp; v.lbAlgo = .wrr; v.lbKind = ForwardingMethod(.dr)
            v.realServers = [real("10.51.0.1", 80), real("10.51.0.2", 80, weight: 2)]
            return v
        }(),
        { () -> VirtualServer in
            var v = VirtualServer(address: .group("dns6"))
            v.protocol = .udp; v.lbAlgo = .rr; v.lbKind = ForwardingMethod(.nat)
            v.realServers = [real("2001:db8:51::1", 53)]
            return v
        }(),
        { () -> VirtualServer in
            var v = VirtualServer(address: .group("marks"))
            v.protocol = .tcp; v.lbAlgo = .lc; v.lbKind = ForwardingMethod(.dr)
            v.realServers = [real("10.52.0.1", nil)]
            return v
        }(),
    ], groups: [
        { () -> VirtualServerGroup in
            var g = VirtualServerGroup(name: "web4")
            g.entries = [.range(first: addr("10.50.0.1"), last: addr("10.50.0.1"), port: 80),
                         .range(first: addr("10.50.1.1"), last: addr("10.50.1.3"), port: 80),
                         .prefix(IPPrefix("10.50.2.0/30")!, port: 8080),
                         .range(first: addr("10.50.3.5"), last: addr("10.50.3.5"), port: nil),
                         .fwmark(50, family: nil)]
            return g
        }(),
        { () -> VirtualServerGroup in
            var g = VirtualServerGroup(name: "dns6")
            g.entries = [.range(first: addr("2001:db8:50::1"), last: addr("2001:db8:50::3"), port: 53),
                         .prefix(IPPrefix("2001:db8:50:1::/126")!, port: 53),
                         .fwmark(51, family: .inet6)]
            return g
        }(),
        { () -> VirtualServerGroup in
            var g = VirtualServerGroup(name: "marks")
            g.entries = [.fwmark(52, family: nil), .fwmark(53, family: nil)]
            return g
        }(),
    ])),
    ("sorry-and-quorum-at-start", configuration([
        server("10.60.0.1", 80, [real("10.61.0.1", 80), real("10.61.0.2", 80)]) {
            $0.quorum = 2; $0.sorryServer = SorryServer(address: addr("10.69.0.1"), port: 80); $0.sorryServerInhibit = true
            $0.sorryServerLvsMethod = ForwardingMethod(.dr)
        },
        // Sum 4 at start, below quorum 3 + hysteresis 2: the sorry server comes in at once.
        server("10.60.0.2", 80, [real("10.61.1.1", 80, weight: 2), real("10.61.1.2", 80, weight: 2)]) {
            $0.quorum = 3; $0.hysteresis = 2; $0.sorryServer = SorryServer(address: addr("10.69.0.2"), port: 8080)
        },
        // Quorum at the total weight. (Above it, keepalived lowers it; kaconf refuses.)
        server("10.60.0.3", 80, [real("10.61.2.1", 80, weight: 2), real("10.61.2.2", 80)]) {
            $0.quorum = 3; $0.sorryServer = SorryServer(address: addr("10.69.0.3"), port: 80)
        },
        fwmarkServer(60, kind: ForwardingMethod(.nat), [real("10.61.3.1", 80, weight: 2)]) {
            $0.quorum = 2; $0.hysteresis = 1; $0.sorryServer = SorryServer(address: addr("10.69.0.4"), port: 80)
        },
    ])),
    ("lvs-timeouts", configuration([server("10.70.0.1", 80, [real("10.71.0.1", 80)])]) {
        var t = LVSTimeouts(); t.tcp = 901; t.tcpfin = 121; t.udp = 301
        $0.global.lvsTimeouts = t
    }),
]

/// What the kernel refuses, both ours and keepalived's: `twos` (in
/// keepalived's list, not in the guest's 6.1 kernel), and a lower threshold
/// above the upper one (ERANGE). The rest of the table is applied.
let kernelRefusals = configuration([
    server("10.80.0.1", 80, algo: .twos, [real("10.81.0.1", 80)]),
    server("10.80.0.2", 80, algo: .rr, [real("10.81.0.2", 80), real("10.81.0.3", 80) { $0.lthreshold = 3 }]),
])
