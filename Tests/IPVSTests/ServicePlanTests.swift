// From config to the table with every real server up: keepalived 2.2.7's
// placements and repairs, as observed with `ipvsadm -Sn` in the IPVS guest.
import Testing
import ConfigModel
@testable import IPVS

struct PlanCase: CustomTestStringConvertible, Sendable {
    var name: String
    var config: KeepalivedConfiguration
    var lines: [String]
    var testDescription: String { name }
}

let planCases: [PlanCase] = [
    PlanCase(name: "an address service with NAT servers at their weights and thresholds",
             config: config([vs("10.0.0.1", 80, algo: .wrr, [rs("10.1.0.1", 8080, weight: 3) { $0.uthreshold = 100; $0.lthreshold = 10 },
                                                       rs("10.1.0.2", 8080, weight: 0)])]),
             lines: ["-A tcp 10.0.0.1:80 -s wrr",
                     "-a tcp 10.0.0.1:80 -r 10.1.0.1:8080 fwd masquerade -w 3 -x 100 -y 10",
                     "-a tcp 10.0.0.1:80 -r 10.1.0.2:8080 fwd masquerade -w 0"]),
    PlanCase(name: "sh flags, persistence and a granularity netmask",
             config: config([vs("10.0.0.1", 80, algo: .sh, [rs("10.1.0.1", 80)]) {
                 $0.shPort = true; $0.shFallback = true; $0.persistenceTimeout = 100; $0.persistenceGranularity = "255.255.255.0"
             }]),
             lines: ["-A tcp 10.0.0.1:80 -s sh -p 100 -M 4294967040 flags 0x18",
                     "-a tcp 10.0.0.1:80 -r 10.1.0.1:80 fwd masquerade -w 1"]),
    PlanCase(name: "ops on UDP, DR and TUN servers take the service port, tunnel settings kept",
             config: config([vs("10.0.0.2", 53, proto: .udp, kind: .dr, [
                 rs("10.1.0.3", 53),
                 rs("10.1.0.4", 54) { var m = ForwardingMethod(.tun); m.tunnelType = .gue; m.tunnelPort = 6080; m.tunnelChecksum = .csum; $0.lvsMethod = m },
             ]) { $0.ops = true }]),
             lines: ["-A udp 10.0.0.2:53 -s rr flags 0x4",
                     "-a udp 10.0.0.2:53 -r 10.1.0.3:53 fwd directRoute -w 1",
                     "-a udp 10.0.0.2:53 -r 10.1.0.4:53 fwd tunnel -w 1 tun gue 6080 1"]),
    PlanCase(name: "ops dropped on TCP, sh flags dropped under wrr, hashed has no effect",
             config: config([vs("10.0.0.4", 80, algo: .wrr, [rs("10.1.0.8", 80)]) {
                 $0.ops = true; $0.shPort = true; $0.hashed = true; $0.flag1 = true; $0.flag3 = true
             }]),
             lines: ["-A tcp 10.0.0.4:80 -s wrr flags 0x28",
                     "-a tcp 10.0.0.4:80 -r 10.1.0.8:80 fwd masquerade -w 1"]),
    PlanCase(name: "port 0 forces persistence 360, and a persistence engine",
             config: config([vs("10.0.0.3", 0, algo: .lc, kind: .dr, [rs("10.1.0.7", 0)]) { $0.persistenceEngine = "sip" }]),
             lines: ["-A tcp 10.0.0.3:0 -s lc -p 360 --pe sip",
                     "-a tcp 10.0.0.3:0 -r 10.1.0.7:0 fwd directRoute -w 1"]),
    PlanCase(name: "IPv6 SCTP with a prefix granularity implies persistence 360",
             config: config([vs("2001:db8::1", 443, proto: .sctp, algo: .wlc, [rs("2001:db8::10", 443)]) { $0.persistenceGranularity = "64" }]),
             lines: ["-A sctp [2001:db8::1]:443 -s wlc -p 360 -M 64",
                     "-a sctp [2001:db8::1]:443 -r [2001:db8::10]:443 fwd masquerade -w 1"]),
    PlanCase(name: "a fwmark service takes its family from non-tunnelled servers, DR servers port 0",
             config: config([{
                 var v = VirtualServer(address: .fwmark(10)); v.lbAlgo = .mh; v.mhPort = true; v.lbKind = ForwardingMethod(.dr)
                 v.realServers = [rs("2001:db8:3::1", 0, weight: 2)]
                 v.sorryServer = SorryServer(address: ip("2001:db8:9::9"), port: 80)
                 return v
             }()]),
             lines: ["-A fwmark 10 inet6 -s mh flags 0x10",
                     "-a fwmark 10 inet6 -r [2001:db8:3::1]:0 fwd directRoute -w 2"]),
    PlanCase(name: "ip_family inet6 on a fwmark service with a tunnelled IPv4 server",
             config: config([{
                 var v = VirtualServer(address: .fwmark(11)); v.lbAlgo = .rr; v.lbKind = ForwardingMethod(.tun); v.ipFamily = .inet6
                 v.realServers = [rs("10.3.0.1", 0)]
                 return v
             }()]),
             lines: ["-A fwmark 11 inet6 -s rr",
                     "-a fwmark 11 inet6 -r 10.3.0.1:0 fwd tunnel -w 1 tun ipip 0 0"]),
    PlanCase(name: "a group expands ranges and prefixes address by address; port 0 makes it persistent",
             config: config([{
                 var v = VirtualServer(address: .group("G1")); v.lbAlgo = .rr; v.lbKind = ForwardingMethod(.dr); v.protocol = .tcp
                 v.realServers = [rs("10.1.0.1", 80), rs("10.1.0.2", 80, weight: 2)]
                 return v
             }()], groups: [{
                 var g = VirtualServerGroup(name: "G1")
                 g.entries = [.range(first: ip("10.0.1.1"), last: ip("10.0.1.2"), port: 80),
                              .prefix(IPPrefix("10.0.2.0/31")!, port: 8080),
                              .range(first: ip("10.0.3.5"), last: ip("10.0.3.5"), port: nil),
                              .fwmark(5, family: nil)]
                 return g
             }()]),
             lines: ["-A tcp 10.0.1.1:80 -s rr -p 360", "-a tcp 10.0.1.1:80 -r 10.1.0.1:80 fwd directRoute -w 1", "-a tcp 10.0.1.1:80 -r 10.1.0.2:80 fwd directRoute -w 2",
                     "-A tcp 10.0.1.2:80 -s rr -p 360", "-a tcp 10.0.1.2:80 -r 10.1.0.1:80 fwd directRoute -w 1", "-a tcp 10.0.1.2:80 -r 10.1.0.2:80 fwd directRoute -w 2",
                     "-A tcp 10.0.2.0:8080 -s rr -p 360", "-a tcp 10.0.2.0:8080 -r 10.1.0.1:8080 fwd directRoute -w 1", "-a tcp 10.0.2.0:8080 -r 10.1.0.2:8080 fwd directRoute -w 2",
                     "-A tcp 10.0.2.1:8080 -s rr -p 360", "-a tcp 10.0.2.1:8080 -r 10.1.0.1:8080 fwd directRoute -w 1", "-a tcp 10.0.2.1:8080 -r 10.1.0.2:8080 fwd directRoute -w 2",
                     "-A tcp 10.0.3.5:0 -s rr -p 360", "-a tcp 10.0.3.5:0 -r 10.1.0.1:0 fwd directRoute -w 1", "-a tcp 10.0.3.5:0 -r 10.1.0.2:0 fwd directRoute -w 2",
                     "-A fwmark 5 -s rr -p 360", "-a fwmark 5 -r 10.1.0.1:0 fwd directRoute -w 1", "-a fwmark 5 -r 10.1.0.2:0 fwd directRoute -w 2"]),
    PlanCase(name: "an IPv6 group range crosses no family and keeps NAT ports",
             config: config([{
                 var v = VirtualServer(address: .group("G3")); v.lbAlgo = .rr; v.lbKind = ForwardingMethod(.nat); v.protocol = .udp
                 v.realServers = [rs("2001:db8:2::1", 443)]
                 return v
             }()], groups: [{
                 var g = VirtualServerGroup(name: "G3")
                 g.entries = [.range(first: ip("2001:db8::ffff:ffff:ffff:ffff"), last: ip("2001:db8:0:1::"), port: 443),
                              .fwmark(6, family: .inet6)]
                 return g
             }()]),
             lines: ["-A udp [2001:db8::ffff:ffff:ffff:ffff]:443 -s rr", "-a udp [2001:db8::ffff:ffff:ffff:ffff]:443 -r [2001:db8:2::1]:443 fwd masquerade -w 1",
                     "-A udp [2001:db8:0:1::]:443 -s rr", "-a udp [2001:db8:0:1::]:443 -r [2001:db8:2::1]:443 fwd masquerade -w 1",
                     "-A fwmark 6 inet6 -s rr", "-a fwmark 6 inet6 -r [2001:db8:2::1]:443 fwd masquerade -w 1"]),
    PlanCase(name: "missing lb_algo, lb_kind and protocol default to wlc, NAT and UDP",
             config: config([{
                 var v = VirtualServer(address: .ip(ip("10.0.0.9"), port: 53)); v.realServers = [rs("10.1.0.9", 53)]
                 return v
             }()]),
             lines: ["-A udp 10.0.0.9:53 -s wlc", "-a udp 10.0.0.9:53 -r 10.1.0.9:53 fwd masquerade -w 1"]),
    PlanCase(name: "sorry_server_inhibit keeps the sorry server in at weight 0 with its own method",
             config: config([vs("10.0.0.3", 80, kind: .dr, [rs("10.3.0.1", 80), rs("10.3.0.2", 80)]) {
                 $0.quorum = 2; $0.sorryServer = SorryServer(address: ip("10.9.0.2"), port: 80); $0.sorryServerInhibit = true
                 $0.sorryServerLvsMethod = ForwardingMethod(.nat)
             }]),
             lines: ["-A tcp 10.0.0.3:80 -s rr", "-a tcp 10.0.0.3:80 -r 10.3.0.1:80 fwd directRoute -w 1",
                     "-a tcp 10.0.0.3:80 -r 10.3.0.2:80 fwd directRoute -w 1", "-a tcp 10.0.0.3:80 -r 10.9.0.2:80 fwd masquerade -w 0"]),
    PlanCase(name: "alpha servers start out; inhibited ones start at weight 0; the sorry server comes in",
             config: config([vs("10.0.0.2", 80, [rs("10.2.0.1", 80), rs("10.2.0.2", 80) { $0.inhibitOnFailure = true }]) {
                 $0.alpha = true; $0.sorryServer = SorryServer(address: ip("10.9.0.2"), port: 80)
             }]),
             lines: ["-A tcp 10.0.0.2:80 -s rr", "-a tcp 10.0.0.2:80 -r 10.2.0.2:80 fwd masquerade -w 0",
                     "-a tcp 10.0.0.2:80 -r 10.9.0.2:80 fwd masquerade -w 1"]),
    PlanCase(name: "a server with no checker is up even under alpha",
             config: config([vs("10.0.0.2", 80, [rs("10.2.0.1", 80, checked: false)]) { $0.alpha = true }]),
             lines: ["-A tcp 10.0.0.2:80 -s rr", "-a tcp 10.0.0.2:80 -r 10.2.0.1:80 fwd masquerade -w 1"]),
    PlanCase(name: "a quorum above the total weight is lowered, and hysteresis applies at start",
             config: config([vs("10.0.0.5", 80, [rs("10.5.0.1", 80, weight: 3), rs("10.5.0.2", 80)]) {
                 $0.quorum = 5; $0.sorryServer = SorryServer(address: ip("10.9.0.5"), port: 80)
             }, vs("10.0.0.6", 80, [rs("10.6.0.1", 80, weight: 2), rs("10.6.0.2", 80, weight: 2)]) {
                 $0.quorum = 3; $0.hysteresis = 2; $0.sorryServer = SorryServer(address: ip("10.9.0.6"), port: 80)
             }]),
             lines: ["-A tcp 10.0.0.5:80 -s rr", "-a tcp 10.0.0.5:80 -r 10.5.0.1:80 fwd masquerade -w 3", "-a tcp 10.0.0.5:80 -r 10.5.0.2:80 fwd masquerade -w 1",
                     "-A tcp 10.0.0.6:80 -s rr", "-a tcp 10.0.0.6:80 -r 10.9.0.6:80 fwd masquerade -w 1"]),
]

@Suite struct ServicePlanTests {
    @Test(arguments: planCases)
    func planPlacesEveryServerAsKeepalivedDoes(_ c: PlanCase) {
        var t: [QuorumTransition] = []
        let plan = IPVSPlan(c.config)
        let table = IPVSTable(plan: plan, health: HealthState(plan: plan, transitions: &t))
        #expect(table.lines == c.lines)
    }

    @Test func repairsAreNotedAsKeepalivedWarns() {
        let plan = IPVSPlan(config([vs("10.0.0.3", 0, [rs("10.1.0.7", 0)]) { $0.ops = true }]))
        #expect(plan.notes.contains { $0.contains("zero port only valid for persistent services") })
        #expect(plan.notes.contains { $0.contains("ops only applies to UDP") })
    }

    @Test func anUndefinedGroupIsSkippedWithANote() {
        var v = VirtualServer(address: .group("nope")); v.realServers = [rs("10.1.0.1", 80)]
        let plan = IPVSPlan(config([v]))
        #expect(plan.virtualServers.isEmpty)
        #expect(plan.notes.count == 1)
    }

    @Test func aServiceClaimedTwiceStaysWithTheFirstVirtualServer() {
        let plan = IPVSPlan(config([vs("10.0.0.1", 80, [rs("10.1.0.1", 80)]), vs("10.0.0.1", 80, [rs("10.1.0.2", 80)])]))
        #expect(plan.virtualServers.count == 2)
        #expect(plan.virtualServers[1].services.isEmpty)
    }

    @Test func aHugePrefixIsBounded() {
        var v = VirtualServer(address: .group("big")); v.protocol = .tcp; v.realServers = [rs("10.1.0.1", 80)]
        var g = VirtualServerGroup(name: "big"); g.entries = [.prefix(IPPrefix("10.0.0.0/8")!, port: 80)]
        let plan = IPVSPlan(config([v], groups: [g]))
        #expect(plan.virtualServers[0].services.count == IPVSPlan.maxServicesPerGroup)
    }

    @Test func weightBoundsFollowDynamicCheckers() {
        var tf = TrackFile(name: "t"); tf.weight = 1
        var misc = MiscCheck(); misc.miscDynamic = true
        var file0 = FileCheck(); file0.trackFile = "t"; file0.weight = 0
        var file1 = FileCheck(); file1.trackFile = "t"
        let c = config([vs("10.0.0.1", 80, [
            rs("10.1.0.1", 80, weight: 5),
            rs("10.1.0.2", 80, weight: 5) { $0.checkers = [.misc(misc)] },
            rs("10.1.0.3", 80, weight: 5) { $0.checkers = [.file(file0)] },
            rs("10.1.0.4", 80, weight: 5) { $0.checkers = [.file(file1)] },
        ])]) { $0.trackFiles = [tf] }
        let bounds = IPVSPlan(c).virtualServers[0].realServers.map(\.maxWeight)
        #expect(bounds == [5, 253, 5, UInt32(Int32.max)])
    }

    @Test func lvsGlobalsAreCarried() {
        let c = config([]) {
            var t = LVSTimeouts(); t.tcp = 900; t.udp = 30
            $0.global.lvsTimeouts = t
            $0.global.lvsFlush = true
            $0.global.lvsFlushOnStop = .virtualServers
            var s = LVSSyncDaemon(interface: "eth0"); s.instance = "VI_1"
            $0.global.lvsSyncDaemon = s
            var vi = VRRPInstance(name: "VI_1"); vi.virtualRouterId = 51
            $0.vrrpInstances = [vi]
        }
        let p = IPVSPlan(c)
        #expect(p.timeoutTCP == 900 && p.timeoutTCPFin == nil && p.timeoutUDP == 30)
        #expect(p.flushAtStart && p.flushAtStop == .virtualServers)
        #expect(p.syncDaemon?.syncID == 51 && p.syncDaemon?.port == 8848)
    }
}
