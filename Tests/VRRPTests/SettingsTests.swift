// Settings derived from the config model with keepalived's defaults and
// clearing rules, and the reload diff.
import ConfigModel
import Testing
@testable import VRRP

private func instance(_ name: String = "VI_1", _ edit: (inout VRRPInstance) -> Void = { _ in }) -> VRRPInstance {
    var c = VRRPInstance(name: name)
    c.virtualRouterId = 51
    c.interface = "eth0"
    c.virtualIpaddress = [vip("10.0.0.100/24")]
    edit(&c)
    return c
}

private func derive(_ c: VRRPInstance, _ g: GlobalDefinitions = GlobalDefinitions()) throws -> (InstanceSettings, [String]) {
    var notes: [String] = []
    let s = try InstanceSettings.derive(from: c, global: g, notes: &notes)
    return (s, notes)
}

@Suite struct SettingsTests {
    @Test func defaultsAreKeepalivedsOwn() throws {
        let (s, notes) = try derive(instance())
        #expect(notes.isEmpty)
        #expect(s.version == .v2 && s.family == .inet && s.priority == 100 && s.advertInterval == .seconds(1))
        #expect(s.multicastGroup == IPAddress("224.0.0.18") && s.downTimerAdverts == 3 && s.accept)
        #expect(s.gratuitous.masterDelay == .seconds(5) && s.gratuitous.masterRepeat == 5)
        #expect(s.gratuitous.masterRefresh == .zero && s.gratuitous.masterRefreshRepeat == 1)
        #expect(s.gratuitous.lowerPriorityDelay == .seconds(5) && s.gratuitous.lowerPriorityRepeat == 5)
        #expect(!s.lowerPriorityNoAdvert && !s.higherPrioritySendAdvert && s.authentication == .none)
    }

    @Test func ipv6InstancesUseVersion3AndTheIPv6Group() throws {
        let (s, notes) = try derive(instance { $0.virtualIpaddress = [vip("fd00::100/64")]; $0.version = 2 })
        #expect(s.version == .v3 && s.family == .inet6 && s.multicastGroup == IPAddress("ff02::12"))
        #expect(notes.count == 1)
    }

    @Test func advertIntervalsAreRoundedPerVersion() throws {
        let (v2, n2) = try derive(instance { $0.advertInt = Interval(seconds: "1.6")! })
        #expect(v2.advertInterval == .seconds(2) && v2.advertIntervalField == 2 && n2.count == 1)
        let (v3, n3) = try derive(instance { $0.version = 3; $0.advertInt = Interval(seconds: "0.1")! })
        #expect(v3.advertInterval == .milliseconds(100) && v3.advertIntervalField == 10 && n3.isEmpty)
        let (v3r, _) = try derive(instance { $0.version = 3; $0.advertInt = Interval(seconds: "0.123")! })
        #expect(v3r.advertIntervalField == 12)
    }

    @Test func authenticationIsTruncatedPaddedAndClearedWhereKeepalivedClearsIt() throws {
        var auth = VRRPAuthentication()
        auth.authType = .pass
        auth.authPass = "longer-than-eight"
        let (p, notes) = try derive(instance { $0.authentication = auth })
        #expect(p.authentication == .password(Array("longer-t".utf8)) && notes.count == 1)
        auth.authType = .ah
        auth.authPass = "abc"
        let (ah, ahNotes) = try derive(instance { $0.authentication = auth; $0.state = .master })
        #expect(ah.authentication == .ipsecAH(key: Array("abc".utf8) + [0, 0, 0, 0, 0]))
        #expect(!ah.initialStateMaster && ahNotes.contains { $0.contains("incompatible with AH") })
        let (v3, _) = try derive(instance { $0.authentication = auth; $0.version = 3 })
        #expect(v3.authentication == .none)
    }

    @Test func nopreemptAndPreemptDelayAreClearedWithStateMasterOrOwner() throws {
        let (a, _) = try derive(instance { $0.nopreempt = true; $0.state = .master })
        #expect(!a.nopreempt)
        let (b, _) = try derive(instance { $0.preemptDelay = .seconds(5); $0.priority = 255 })
        #expect(b.preemptDelay == .zero)
        let (c, _) = try derive(instance { $0.preemptDelay = .seconds(5) })
        #expect(c.preemptDelay == .seconds(5))
        let (d, _) = try derive(instance { $0.preemptDelay = .seconds(5); $0.nopreempt = true })
        #expect(d.preemptDelay == .zero && d.nopreempt)
    }

    @Test func instanceValuesOverrideGlobalOnes() throws {
        var g = GlobalDefinitions()
        g.vrrpVersion = 3
        g.vrrpGarpMasterDelay = 2
        g.vrrpGarpMasterRepeat = 3
        g.vrrpDownTimerAdverts = 5
        g.vrrpMcastGroup4 = IPAddress("224.0.0.99")!
        let (s, _) = try derive(instance { $0.garpMasterRepeat = 7 }, g)
        #expect(s.version == .v3 && s.gratuitous.masterDelay == .seconds(2) && s.gratuitous.masterRepeat == 7)
        #expect(s.downTimerAdverts == 5 && s.multicastGroup == IPAddress("224.0.0.99"))
        g.vrrpMinGarp = true
        let (m, _) = try derive(instance(), g)
        #expect(m.gratuitous.masterRepeat == 1 && m.gratuitous.masterDelay == .zero)
    }

    @Test func oldUnicastChecksumDetectsUnlessConfiguredAndUsesTheGlobalGroup() throws {
        var g = GlobalDefinitions()
        g.vrrpMcastGroup4 = IPAddress("224.0.0.99")!
        #expect(try derive(instance(), g).0.unicastChecksum == .detect)
        let (old, _) = try derive(instance { $0.oldUnicastChecksum = "" }, g)
        #expect(old.unicastChecksum == .old && old.oldChecksumGroup == IPAddress("224.0.0.99"))
        #expect(try derive(instance { $0.oldUnicastChecksum = "never" }, g).0.unicastChecksum == .never)
    }

    @Test func addressesOfTheOtherFamilyAreAddedButNotAdvertised() throws {
        let (s, _) = try derive(instance {
            $0.virtualIpaddress = [vip("10.0.0.100/24"), vip("fd00::1/64")]
            $0.virtualIpaddressExcluded = [vip("10.0.1.1/24")]
        })
        #expect(s.advertisedAddresses == [IPAddress("10.0.0.100")!])
        #expect(s.allAddresses.count == 3)
    }

    @Test func unicastPeersAndTTLLimitsTurnOnSourceChecking() throws {
        var peer = UnicastPeer(address: IPAddress("10.0.0.2")!)
        peer.maxTtl = 200
        let (s, _) = try derive(instance { $0.unicastPeer = [peer]; $0.unicastSrcIp = IPAddress("10.0.0.1") })
        #expect(s.isUnicast && s.checkUnicastSource && s.sourceAddress == IPAddress("10.0.0.1"))
    }

    @Test func anInstanceWithoutAVRIDIsAnErrorAndTheOthersStillRun() {
        var config = KeepalivedConfiguration()
        config.vrrpInstances = [instance("good"), instance("bad") { $0.virtualRouterId = nil }]
        let r = InstanceSettings.deriveAll(config)
        #expect(r.settings.map(\.name) == ["good"])
        #expect(r.errors.map(\.description) == ["vrrp_instance bad: the virtual router id must be set"])
    }
}

@Suite struct ReloadPlanTests {
    private func s(_ name: String, vrid: UInt8, priority: UInt8 = 100, interface: String = "eth0") -> InstanceSettings {
        InstanceSettings(name: name, vrid: vrid, interface: interface, priority: priority,
                         virtualAddresses: [vip("10.0.0.\(vrid)/24")])
    }

    @Test func instancesAreSortedIntoUnchangedChangedRemovedAndAdded() {
        let old = [s("same", vrid: 1), s("prio", vrid: 2), s("gone", vrid: 3), s("moved", vrid: 4)]
        let new = [s("same", vrid: 1), s("prio", vrid: 2, priority: 150), s("moved", vrid: 4, interface: "eth1"),
                   s("fresh", vrid: 5)]
        let plan = ReloadPlan(old: old, new: new)
        #expect(plan.unchanged == ["same"])
        #expect(plan.changed.map(\.name) == ["prio"])
        #expect(Set(plan.removed) == ["gone", "moved"])
        #expect(plan.added.map(\.name) == ["moved", "fresh"])
    }

    @Test func aMasterReconfiguredInPlaceKeepsItsStateAndChangesOnlyTheAddressDifference() {
        var inst = Instance(settings: s("x", vrid: 9, priority: 255))
        _ = inst.handle(.start(localAddress: IPAddress("10.0.0.1")), now: .origin)
        #expect(inst.state == .master)
        var next = s("x", vrid: 9, priority: 255)
        next.virtualAddresses.append(vip("10.0.0.200/24"))
        let actions = inst.handle(.reconfigure(next), now: .at(.seconds(1)))
        #expect(inst.state == .master)
        #expect(actions == [.addAddresses([vip("10.0.0.200/24")]), .sendGratuitous(rounds: 5)])
        // The IP identification continues rather than restarting at 1.
        let id = inst.encoder.ipIdentification
        _ = inst.makeAdvertisement(priority: 255, to: IPAddress("224.0.0.18")!)
        #expect(inst.encoder.ipIdentification == id &+ 1)
    }

    @Test func aPriorityChangeInPlaceProducesNoTransition() {
        var inst = Instance(settings: s("x", vrid: 9, priority: 200))
        _ = inst.handle(.start(localAddress: IPAddress("10.0.0.1")), now: .origin)
        _ = inst.handle(.timerFired(.masterDown), now: .at(.seconds(4)))
        let actions = inst.handle(.reconfigure(s("x", vrid: 9, priority: 150)), now: .at(.seconds(5)))
        #expect(actions.isEmpty && inst.state == .master && inst.effectivePriority == 150)
    }
}
