// Defaults and inheritance (reference §5.1, §2.4): what daemons see once
// keepalived's fallbacks apply.
import Testing
@testable import ConfigModel

@Suite struct EffectiveCheckerValues {
    let rs = RealServer(address: IPAddress("10.0.1.1")!, port: 80)
    let vs = VirtualServer(address: .ip(IPAddress("10.0.0.1")!, port: 80))

    @Test(arguments: [
        (Checker.tcp(CheckerCommon()), 1, Interval.seconds(1)),
        (.http(HTTPCheck()), 1, .seconds(3)),
        (.ssl(HTTPCheck()), 1, .seconds(3)),
        (.misc(MiscCheck()), 0, .seconds(1)),
        (.dns(DNSCheck()), 3, .seconds(60)),
        (.udp(UDPCheck()), 1, .seconds(1)),
        (.ping(CheckerCommon()), 1, .seconds(1)),
        (.smtp(SMTPCheck()), 1, .seconds(1)),
    ])
    func eachCheckerTypeHasKeepalivedsDefaults(_ c: Checker, _ retry: Int, _ delay: Interval) {
        let e = vs.effectiveChecking(of: c, on: rs)
        #expect(e.retry == retry)
        #expect(e.delayBeforeRetry == delay)
        #expect(e.delayLoop == .seconds(60))
        #expect(e.connectTimeout == .seconds(5))
        #expect(e.warmup == .seconds(60), "warmup defaults to delay_loop")
        #expect(e.connectIp == IPAddress("10.0.1.1")! && e.connectPort == 80)
    }

    @Test func checkerOverridesRealServerOverridesVirtualServer() {
        var vs = self.vs
        vs.delayLoop = .seconds(10)
        vs.retry = 5
        vs.connectTimeout = .seconds(7)
        vs.warmup = .seconds(2)
        var rs = self.rs
        rs.delayLoop = .seconds(20)
        rs.connectTimeout = .seconds(4)
        var common = CheckerCommon()
        common.delayLoop = .seconds(30)
        let e = vs.effectiveChecking(of: .tcp(common), on: rs)
        #expect(e.delayLoop == .seconds(30))
        #expect(e.connectTimeout == .seconds(4))
        #expect(e.retry == 5)
        #expect(e.warmup == .seconds(2))
        let plain = vs.effectiveChecking(of: .tcp(CheckerCommon()), on: rs)
        #expect(plain.delayLoop == .seconds(20))
        #expect(plain.warmup == .seconds(2))
    }

    @Test func dnsDelayBeforeRetryFollowsTheEffectiveDelayLoop() {
        var r = rs
        r.delayLoop = .seconds(9)
        #expect(vs.effectiveChecking(of: .dns(DNSCheck()), on: r).delayBeforeRetry == .seconds(9))
    }

    @Test func connectKeysPortsAndWeightsInherit() {
        var vs = self.vs
        vs.weight = 4
        var rs = RealServer(address: IPAddress("10.0.1.2")!)
        var common = CheckerCommon()
        common.connectPort = 8080
        #expect(vs.effectivePort(of: rs) == 80)
        #expect(vs.effectiveWeight(of: rs) == 4)
        #expect(vs.effectiveChecking(of: .tcp(common), on: rs).connectPort == 8080)
        rs.weight = 0
        #expect(vs.effectiveWeight(of: rs) == 0)
        #expect(vs.effectiveMethod(of: rs).kind == .nat)
    }

    @Test func servicesFallBackAsKeepalivedDoes() {
        var vs = VirtualServer(address: .ip(IPAddress("10.0.0.1")!, port: 0))
        #expect(vs.effectiveScheduler == .wlc)
        #expect(vs.effectiveProtocol == .udp)
        #expect(vs.effectivePersistenceTimeout == 360, "port 0 forces persistence")
        vs.address = .ip(IPAddress("10.0.0.1")!, port: 80)
        #expect(vs.effectivePersistenceTimeout == nil)
        vs.persistenceGranularity = "255.255.255.0"
        #expect(vs.effectivePersistenceTimeout == 360)
    }

    @Test func urlsPassOn2xxUnlessConfigured() {
        var u = HTTPURL()
        #expect(u.effectiveStatusCodes == [200...299])
        u.statusCode = [301...302]
        #expect(u.effectiveStatusCodes == [301...302])
    }
}

@Suite struct EffectiveVRRPValues {
    @Test func versionIsTheInstancesElseThreeForIPv6ElseTheGlobal() {
        var g = GlobalDefinitions()
        var vi = VRRPInstance(name: "VI")
        vi.virtualIpaddress = [AddressEntry(prefix: IPPrefix("10.0.0.1")!)]
        #expect(vi.effectiveVersion(g) == 2)
        g.vrrpVersion = 3
        #expect(vi.effectiveVersion(g) == 3)
        vi.version = 2
        #expect(vi.effectiveVersion(g) == 2)
        var v6 = VRRPInstance(name: "V6")
        v6.virtualIpaddress = [AddressEntry(prefix: IPPrefix("fe80::1")!)]
        #expect(v6.effectiveVersion(GlobalDefinitions()) == 3)
        #expect(v6.family == .inet6)
        #expect(v6.effectiveMcastDstIp(GlobalDefinitions()) == IPAddress("ff02::12")!)
        #expect(vi.effectiveMcastDstIp(GlobalDefinitions()) == IPAddress("224.0.0.18")!)
    }

    @Test func garpSettingsFallBackToGlobalAndLowerPrioToMaster() {
        var g = GlobalDefinitions()
        g.vrrpGarpMasterDelay = 8
        g.vrrpGarpMasterRepeat = 2
        var vi = VRRPInstance(name: "VI")
        vi.interface = "eth0"
        var e = vi.effectiveGarp(g)
        #expect(e.masterDelay == 8 && e.masterRepeat == 2)
        #expect(e.lowerPrioDelay == 8 && e.lowerPrioRepeat == 2)
        #expect(e.masterRefresh == 0 && e.masterRefreshRepeat == 1)
        vi.garpMasterRepeat = 4
        vi.garpLowerPrioDelay = 1
        e = vi.effectiveGarp(g)
        #expect(e.masterRepeat == 4 && e.lowerPrioRepeat == 4 && e.lowerPrioDelay == 1)
        var group = GarpGroup()
        group.interfaces = ["eth0"]
        group.garpInterval = .milliseconds(10)
        #expect(vi.effectiveGarp(g, garpGroups: [group]).interval == .milliseconds(10))
    }

    @Test func strictModeTurnsOffAcceptForNonOwnersAndLowerPrioAdvertsOn() {
        var g = GlobalDefinitions()
        var vi = VRRPInstance(name: "VI")
        #expect(vi.effectiveAccept(g))
        #expect(!vi.effectiveLowerPrioNoAdvert(g))
        g.vrrpStrict = true
        #expect(!vi.effectiveAccept(g))
        #expect(vi.effectiveLowerPrioNoAdvert(g))
        vi.priority = 255
        #expect(vi.effectiveAccept(g))
        vi.accept = false
        #expect(!vi.effectiveAccept(g))
    }

    @Test func nopreemptAndPreemptDelayAreClearedWhereKeepalivedClearsThem() {
        let g = GlobalDefinitions()
        var vi = VRRPInstance(name: "VI")
        vi.nopreempt = true
        #expect(!vi.effectivePreempt)
        vi.state = .master
        #expect(vi.effectivePreempt)
        vi.state = .backup
        vi.nopreempt = false
        vi.preemptDelay = .seconds(30)
        #expect(vi.effectivePreemptDelay(g) == .seconds(30))
        vi.priority = 255
        #expect(vi.effectivePreemptDelay(g) == .zero)
    }

    @Test func unicastSourceCheckingIsImpliedByPeerTTLLimits() {
        var vi = VRRPInstance(name: "VI")
        var p = UnicastPeer(address: IPAddress("10.0.0.2")!)
        vi.unicastPeer = [p]
        #expect(!vi.effectiveCheckUnicastSrc(GlobalDefinitions()))
        p.minTtl = 250
        vi.unicastPeer = [p]
        #expect(vi.effectiveCheckUnicastSrc(GlobalDefinitions()))
        #expect(vi.family == .inet)
    }

    @Test func smtpAlertFallsBackThroughTheGlobals() {
        var g = GlobalDefinitions()
        let vi = VRRPInstance(name: "VI")
        #expect(!vi.effectiveSmtpAlert(g))
        g.smtpAlert = true
        #expect(vi.effectiveSmtpAlert(g))
        g.smtpAlertVrrp = false
        #expect(!vi.effectiveSmtpAlert(g))
    }
}

@Suite struct ModelValues {
    @Test(arguments: [("1", Int64(1_000_000)), ("0.5", 500_000), ("3.000001", 3_000_001), ("0", 0)])
    func intervalsReadDecimalSeconds(_ text: String, _ us: Int64) {
        #expect(Interval(seconds: text)?.microseconds == us)
        #expect(Interval(microseconds: us).description == text)
    }

    @Test(arguments: ["", ".", "1.0000001", "-1", "1e3", "1.2.3", "0x10"])
    func badIntervalsAreRefused(_ text: String) {
        #expect(Interval(seconds: text) == nil)
    }

    @Test(arguments: [("10.0.0.1/24", "10.0.0.1/24"), ("fe80::1", "fe80::1/128"), ("10.0.0.1", "10.0.0.1/32"),
                      ("2001:db8:0:0:0:0:0:1/64", "2001:db8::1/64")])
    func prefixesParseAndPrint(_ text: String, _ shown: String) {
        #expect(IPPrefix(text)?.description == shown)
    }

    @Test(arguments: ["10.0.0.1/33", "10.0.0/24", "fe80::1/129", "10.0.0.1/-1", "10.0.0.1/+8", "::1::2"])
    func badPrefixesAreRefused(_ text: String) {
        #expect(IPPrefix(text) == nil)
    }
}
