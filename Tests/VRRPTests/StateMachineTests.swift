// The state machine on a virtual clock: election, master-down timing to the
// microsecond, preemption, nopreempt, preempt_delay, the address owner,
// equal-priority tie-break, priority 0, fault and recovery.
import ConfigModel
import Testing
@testable import VRRP

private func router(_ name: String, priority: UInt8, version: VRRPVersion = .v2,
                    interval: Duration = .seconds(1), nopreempt: Bool = false,
                    preemptDelay: Duration = .zero, initialMaster: Bool = false) -> InstanceSettings {
    InstanceSettings(name: name, vrid: 51, version: version, priority: priority, advertInterval: interval,
                     initialStateMaster: initialMaster, nopreempt: nopreempt, preemptDelay: preemptDelay,
                     virtualAddresses: [vip("10.0.0.100/24")])
}

private func seconds(_ s: Double) -> Instant { .at(.microseconds(Int64(s * 1_000_000))) }

@Suite struct StateMachineTests {
    @Test func masterDownIntervalIsThreeIntervalsPlusSkewToTheMicrosecond() {
        let table: [(VRRPVersion, Duration, UInt8, Duration)] = [
            (.v2, .seconds(1), 100, .microseconds(3_609_375)),   // keepalived: 3,609.4 ms
            (.v2, .seconds(1), 200, .microseconds(3_218_750)),
            (.v2, .seconds(1), 254, .microseconds(3_007_812)),
            (.v3, .milliseconds(100), 100, .microseconds(360_937)),  // keepalived: 360.9 ms
            (.v3, .milliseconds(1000), 100, .microseconds(3_609_375)),
            (.v3, .milliseconds(50), 1, .microseconds(199_804)),
        ]
        for (v, interval, prio, expected) in table {
            #expect(VRRPTiming.masterDown(priority: prio, masterAdvertInterval: interval, version: v,
                                          downTimerAdverts: 3) == expected, "\(v) \(interval) \(prio)")
        }
    }

    @Test func highestPriorityWinsTheElectionAndAloneHoldsTheAddresses() {
        var seg = SimulatedSegment()
        seg.add(router("a", priority: 100), address: "10.0.0.1")
        seg.add(router("b", priority: 150), address: "10.0.0.2")
        seg.add(router("c", priority: 200), address: "10.0.0.3")
        for i in 0..<3 { seg.start(i) }
        seg.run(for: .seconds(10))
        #expect(seg.masters == [2])
        #expect(seg.addressHolders == [2])
        #expect(seg.becameMaster(2) == seconds(3.21875))
        #expect(seg.state(0) == .backup && seg.state(1) == .backup)
        // Steady state: one advert a second from the master only.
        let adverts = seg.wire.filter { $0.time > seconds(4) }
        #expect(adverts.allSatisfy { $0.from == 2 } && adverts.count == 6)
    }

    @Test func backupTakesOverExactlyOneMasterDownIntervalAfterTheLastAdvert() {
        for (version, interval, expected) in [(VRRPVersion.v2, Duration.seconds(1), Duration.microseconds(3_609_375)),
                                              (.v3, .milliseconds(100), .microseconds(360_937))] {
            var seg = SimulatedSegment()
            seg.add(router("m", priority: 200, version: version, interval: interval), address: "10.0.0.2")
            seg.add(router("b", priority: 100, version: version, interval: interval), address: "10.0.0.1")
            seg.start(0)
            seg.start(1)
            seg.run(for: .seconds(8))
            #expect(seg.masters == [0])
            seg.kill(0)
            let last = seg.lastAdvert(from: 0)!
            seg.run(for: .seconds(8))
            #expect(seg.becameMaster(1).map { $0 - last } == expected, "\(version)")
            #expect(seg.firstAdvert(from: 1, after: last)?.time == last + expected)
            #expect(seg.routers[1].gratuitous.first?.0 == last + expected)
        }
    }

    @Test func v3BackupAdoptsTheMastersAdvertisedInterval() {
        var seg = SimulatedSegment()
        seg.add(router("m", priority: 200, version: .v3, interval: .seconds(1)), address: "10.0.0.2")
        seg.add(router("b", priority: 100, version: .v3, interval: .milliseconds(100)), address: "10.0.0.1")
        seg.start(0)
        seg.run(for: .seconds(5))
        seg.start(1)
        seg.run(for: .seconds(5))
        #expect(seg.masters == [0])
        #expect(seg.routers[1].instance.masterAdvertInterval == .seconds(1))
        seg.kill(0)
        let last = seg.lastAdvert(from: 0)!
        seg.run(for: .seconds(5))
        #expect(seg.becameMaster(1).map { $0 - last } == .microseconds(3_609_375))
        // Once master, it advertises at its own configured interval.
        let own = seg.wire.filter { $0.from == 1 }.map(\.time)
        #expect(own.count >= 2 && own[1] - own[0] == .milliseconds(100))
    }

    @Test func higherPriorityRouterPreemptsALowerMaster() {
        var seg = SimulatedSegment()
        seg.add(router("low", priority: 100), address: "10.0.0.1")
        seg.add(router("high", priority: 200), address: "10.0.0.2")
        seg.start(0)
        seg.run(for: .seconds(5))
        #expect(seg.masters == [0])
        let joined = seg.now
        seg.start(1)
        seg.run(for: .seconds(10))
        #expect(seg.masters == [1] && seg.addressHolders == [1])
        // It discards the lower adverts, so its own down timer runs out.
        #expect(seg.becameMaster(1) == joined + .microseconds(3_218_750))
        #expect(seg.routers[1].instance.counters.lowerPriorityDiscarded == 3)
        let yielded = seg.routers[0].changes.last!
        #expect(yielded.1.to == .backup && yielded.0 == joined + .microseconds(3_218_750))
        #expect(yielded.1.reason == .higherPriorityAdvert(from: IPAddress("10.0.0.2")!, priority: 200))
    }

    @Test func nopreemptRouterLeavesALowerMasterInPlace() {
        var seg = SimulatedSegment()
        seg.add(router("low", priority: 100), address: "10.0.0.1")
        seg.add(router("high", priority: 200, nopreempt: true), address: "10.0.0.2")
        seg.start(0)
        seg.run(for: .seconds(5))
        seg.start(1)
        seg.run(for: .seconds(30))
        #expect(seg.masters == [0] && seg.state(1) == .backup)
        // It still takes over when the master dies.
        seg.kill(0)
        let last = seg.lastAdvert(from: 0)!
        seg.run(for: .seconds(5))
        #expect(seg.becameMaster(1) == last + .microseconds(3_218_750))
    }

    @Test func preemptDelayHoldsTheReturningRouterBackForTheDelay() {
        var seg = SimulatedSegment()
        seg.add(router("low", priority: 100), address: "10.0.0.1")
        seg.add(router("high", priority: 200, preemptDelay: .seconds(10)), address: "10.0.0.2")
        seg.start(0)
        seg.run(for: .seconds(5))
        let joined = seg.now
        seg.start(1)
        seg.run(for: .seconds(30))
        #expect(seg.masters == [1])
        let took = seg.becameMaster(1)!
        #expect(took >= joined + .seconds(10))
        // The last advert accepted inside the delay starts the final down interval.
        let lastAccepted = seg.wire.filter { $0.from == 0 && $0.time < joined + .seconds(10) }.last!.time
        #expect(took == lastAccepted + .microseconds(3_218_750))
    }

    @Test func addressOwnerBecomesMasterAtOnce() {
        var seg = SimulatedSegment()
        seg.add(router("backup", priority: 100), address: "10.0.0.1")
        seg.add(router("owner", priority: 255), address: "10.0.0.2")
        seg.start(0)
        seg.run(for: .seconds(5))
        #expect(seg.masters == [0])
        let at = seg.now
        seg.start(1)
        #expect(seg.masters == [1])
        #expect(seg.becameMaster(1) == at)
        #expect(seg.routers[1].changes.first?.1.reason == .addressOwner)
        // The old master yields to the owner's very first advert.
        #expect(seg.state(0) == .backup && seg.addressHolders == [1])
    }

    @Test func twoOwnersIsAConfigurationErrorAndOneStepsDown() {
        var seg = SimulatedSegment()
        seg.add(router("o1", priority: 255), address: "10.0.0.1")
        seg.add(router("o2", priority: 255), address: "10.0.0.2")
        seg.start(0)
        seg.start(1)
        seg.run(for: .seconds(10))
        #expect(seg.masters.count == 1)
        #expect(seg.routers.contains { $0.logs.contains { $0.contains("also the address owner") } })
    }

    @Test func equalPrioritiesAreBrokenByTheHigherSourceAddress() {
        var seg = SimulatedSegment()
        seg.add(router("a", priority: 100), address: "10.0.0.10")
        seg.add(router("b", priority: 100), address: "10.0.0.9")
        // A partition: both time out and both claim MASTER.
        seg.deliver = false
        seg.start(0)
        seg.start(1)
        seg.run(for: .seconds(5))
        #expect(seg.masters == [0, 1])
        // Healed: at the next advert the lower source address (10.0.0.9) yields.
        seg.deliver = true
        seg.run(for: .seconds(2))
        #expect(seg.masters == [0] && seg.addressHolders == [0])
        #expect(seg.routers[1].changes.map(\.1.to) == [.backup, .master, .backup])
        // A backup with equal priority does not preempt the master.
        seg.run(for: .seconds(30))
        #expect(seg.masters == [0])
    }

    @Test func gracefulStopSendsPriorityZeroAndTheBackupTakesOverAfterSkew() {
        var seg = SimulatedSegment()
        seg.add(router("m", priority: 200), address: "10.0.0.2")
        seg.add(router("b", priority: 100), address: "10.0.0.1")
        seg.start(0)
        seg.start(1)
        seg.run(for: .seconds(6))
        let stop = seg.now
        seg.send(0, .shutdown(releaseAddresses: true))
        #expect(seg.wire.last == WireAdvert(time: stop, from: 0, priority: 0))
        #expect(seg.state(0) == .stopped && !seg.routers[0].holdsAddresses)
        seg.kill(0)
        seg.run(for: .seconds(2))
        // keepalived: SIGTERM to takeover 614 ms with skew 609 ms (v2, priority 100).
        #expect(seg.becameMaster(1) == stop + .microseconds(609_375))
        #expect(seg.routers[1].instance.counters.priorityZeroReceived == 1)
        #expect(seg.routers[0].instance.counters.priorityZeroSent == 1)
    }

    @Test func stopWithoutReleaseKeepsTheAddresses() {
        var inst = Instance(settings: router("m", priority: 255))
        _ = inst.handle(.start(localAddress: IPAddress("10.0.0.1")), now: .origin)
        let actions = inst.handle(.shutdown(releaseAddresses: false), now: seconds(1))
        #expect(actions.contains(.sendAdvertisement(priority: 0)))
        #expect(!actions.contains { if case .removeAddresses = $0 { return true } else { return false } })
    }

    @Test func masterAnswersAPriorityZeroAdvertAtOnce() {
        var seg = SimulatedSegment()
        seg.add(router("m", priority: 200), address: "10.0.0.2")
        seg.add(router("b", priority: 100), address: "10.0.0.1")
        seg.start(0)
        seg.run(for: .seconds(5))
        seg.start(1)
        seg.run(for: .milliseconds(500))
        // A backup that leaves sends nothing; a master that hears priority 0 re-advertises.
        var bytes = seg.routers[1].instance
        let zero = bytes.makeAdvertisement(priority: 0, to: IPAddress("224.0.0.18")!)!
        let p = try! ParsedPacket.parse(InboundPacket(family: .inet, bytes: zero)).get()
        let t = seg.now
        seg.send(0, .packet(p))
        #expect(seg.wire.last == WireAdvert(time: t, from: 0, priority: 200))
        #expect(seg.routers[0].timers[.advertisement] == t + .seconds(1))
    }

    @Test func masterForcesANewElectionOnALowerPriorityAdvert() {
        var m = Instance(settings: router("m", priority: 200))
        _ = m.handle(.start(localAddress: IPAddress("10.0.0.2")), now: .origin)
        _ = m.handle(.timerFired(.masterDown), now: seconds(3.21875))
        #expect(m.state == .master)
        var low = Instance(settings: router("l", priority: 100))
        _ = low.handle(.start(localAddress: IPAddress("10.0.0.1")), now: .origin)
        let bytes = low.makeAdvertisement(priority: 100, to: IPAddress("224.0.0.18")!)!
        let p = try! ParsedPacket.parse(InboundPacket(family: .inet, bytes: bytes)).get()
        let actions = m.handle(.packet(p), now: seconds(4))
        #expect(actions.contains(.sendAdvertisement(priority: 200)))
        #expect(actions.contains(.sendGratuitous(rounds: 5)))
        #expect(actions.contains(.armTimer(.gratuitousDelayed, at: seconds(9))))
        #expect(m.state == .master)
    }

    @Test func interfaceDownPutsTheMasterInFaultAndTheBackupTakesOver() {
        var seg = SimulatedSegment()
        seg.add(router("m", priority: 200), address: "10.0.0.2")
        seg.add(router("b", priority: 100), address: "10.0.0.1")
        seg.start(0)
        seg.start(1)
        seg.run(for: .seconds(6))
        let down = seg.now
        seg.send(0, .faultRaised(.interfaceDown("eth0")))
        #expect(seg.state(0) == .fault && !seg.routers[0].holdsAddresses)
        #expect(seg.wire.last == WireAdvert(time: down, from: 0, priority: 0))
        #expect(seg.routers[0].timers.isEmpty)
        seg.run(for: .seconds(5))
        #expect(seg.masters == [1])
        #expect(seg.becameMaster(1) == down + .microseconds(609_375))
        // In FAULT, adverts are ignored and nothing is sent.
        #expect(seg.wire.filter { $0.from == 0 && $0.time > down }.isEmpty)
        // Interface up: back through BACKUP, then it preempts the lower master.
        let up = seg.now
        seg.send(0, .faultCleared(.interfaceDown("eth0")))
        #expect(seg.state(0) == .backup)
        #expect(seg.routers[0].changes.last?.1.reason == .faultCleared)
        seg.run(for: .seconds(10))
        #expect(seg.masters == [0])
        #expect(seg.becameMaster(0) == up + .microseconds(3_218_750))
    }

    @Test func faultLastsWhileAnyReasonRemains() {
        var inst = Instance(settings: router("x", priority: 100))
        _ = inst.handle(.start(localAddress: IPAddress("10.0.0.1")), now: .origin)
        _ = inst.handle(.faultRaised(.interfaceDown("eth0")), now: seconds(1))
        _ = inst.handle(.faultRaised(.trackScript("chk")), now: seconds(1))
        _ = inst.handle(.faultCleared(.interfaceDown("eth0")), now: seconds(2))
        #expect(inst.state == .fault)
        _ = inst.handle(.faultCleared(.trackScript("chk")), now: seconds(3))
        #expect(inst.state == .backup)
    }

    @Test func anInstanceWithoutASourceAddressStartsInFault() {
        var inst = Instance(settings: router("x", priority: 100))
        let actions = inst.handle(.start(localAddress: nil), now: .origin)
        #expect(inst.state == .fault)
        #expect(actions.contains { if case .stateChanged(let c) = $0 { return c.reason == .fault(.noSourceAddress) } else { return false } })
        _ = inst.handle(.localAddressChanged(IPAddress("10.0.0.1")), now: seconds(1))
        #expect(inst.state == .backup)
    }

    @Test func trackingWeightMovesTheEffectivePriorityWithinBounds() {
        var inst = Instance(settings: router("x", priority: 100))
        _ = inst.handle(.trackingWeightChanged(-150), now: .origin)
        #expect(inst.effectivePriority == 1)
        _ = inst.handle(.trackingWeightChanged(200), now: .origin)
        #expect(inst.effectivePriority == 254)
        var owner = Instance(settings: router("o", priority: 255))
        _ = owner.handle(.trackingWeightChanged(-50), now: .origin)
        #expect(owner.effectivePriority == 255)
    }

    @Test func staleTimerFiringsAreIgnored() {
        var inst = Instance(settings: router("x", priority: 100))
        _ = inst.handle(.start(localAddress: IPAddress("10.0.0.1")), now: .origin)
        #expect(inst.handle(.timerFired(.masterDown), now: seconds(1)).isEmpty)
        #expect(inst.handle(.timerFired(.advertisement), now: seconds(5)).isEmpty)
        #expect(inst.state == .backup)
    }

    @Test func masterSchedulesTheSecondGratuitousBurstAndRefresh() {
        var s = router("x", priority: 255)
        s.gratuitous.masterRefresh = .seconds(30)
        s.gratuitous.masterRefreshRepeat = 2
        var inst = Instance(settings: s)
        let actions = inst.handle(.start(localAddress: IPAddress("10.0.0.1")), now: .origin)
        #expect(Array(actions.prefix(4)) == [
            .sendAdvertisement(priority: 255), .armTimer(.advertisement, at: seconds(1)),
            .addAddresses([vip("10.0.0.100/24")]), .sendGratuitous(rounds: 5),
        ])
        #expect(actions.contains(.armTimer(.gratuitousDelayed, at: seconds(5))))
        #expect(actions.contains(.armTimer(.gratuitousRefresh, at: seconds(30))))
        #expect(inst.handle(.timerFired(.gratuitousDelayed), now: seconds(5)) == [.sendGratuitous(rounds: 5)])
        #expect(inst.handle(.timerFired(.gratuitousRefresh), now: seconds(30))
                == [.sendGratuitous(rounds: 2), .armTimer(.gratuitousRefresh, at: seconds(60))])
    }

    @Test func configuredStateMasterStillWaitsTheDownInterval() {
        var inst = Instance(settings: router("x", priority: 150, initialMaster: true))
        let actions = inst.handle(.start(localAddress: IPAddress("10.0.0.1")), now: .origin)
        #expect(inst.state == .backup)
        #expect(actions.contains(.armTimer(.masterDown, at: .at(.microseconds(3_414_062)))))
    }
}

/// A master's advert timer may fire up to 1 % of the interval early, so
/// that vrrpd sends the adverts of instances due close together in one
/// wake-up; every other timer fires only at its deadline.
@Suite struct AdvertTimerTolerance {
    private func master(interval: Duration = .seconds(1)) -> (Instance, Instant) {
        var i = Instance(settings: router("m", priority: 255, interval: interval))
        var out: [Action] = []
        i.handle(.start(localAddress: v4("10.0.0.1")), now: .origin, into: &out)
        #expect(i.state == .master)
        return (i, i.deadline(.advertisement)!)
    }

    private func adverts(_ out: [Action]) -> Int {
        out.filter { if case .sendAdvertisement = $0 { return true } else { return false } }.count
    }

    @Test func toleranceIsOnePercentOfTheInterval() {
        #expect(router("a", priority: 100).advertTolerance == .milliseconds(10))
        #expect(router("a", priority: 100, version: .v3, interval: .milliseconds(100)).advertTolerance == .milliseconds(1))
        let (m, _) = master()
        #expect(m.earliness(.advertisement) == .milliseconds(10))
        #expect(m.earliness(.masterDown) == .zero)
    }

    @Test func anAdvertFiredWithinItsToleranceIsSentAndTheCadenceFollows() {
        var (m, due) = master()
        var out: [Action] = []
        m.handle(.timerFired(.advertisement), now: due - .milliseconds(7), into: &out)
        #expect(adverts(out) == 1)
        #expect(m.deadline(.advertisement) == due - .milliseconds(7) + .seconds(1),
                "the cadence moves to the early send, so the instance keeps sharing that wake-up")
    }

    @Test func anAdvertFiredEarlierThanItsToleranceIsIgnored() {
        var (m, due) = master()
        var out: [Action] = []
        m.handle(.timerFired(.advertisement), now: due - .milliseconds(11), into: &out)
        #expect(adverts(out) == 0)
        #expect(m.deadline(.advertisement) == due)
        m.handle(.timerFired(.advertisement), now: due, into: &out)
        #expect(adverts(out) == 1)
        #expect(m.deadline(.advertisement) == due + .seconds(1))
    }

    @Test func aLateAdvertKeepsTheScheduleOnTime() {
        var (m, due) = master()
        var out: [Action] = []
        m.handle(.timerFired(.advertisement), now: due + .milliseconds(3), into: &out)
        #expect(adverts(out) == 1)
        #expect(m.deadline(.advertisement) == due + .seconds(1))
    }

    @Test func theMasterDownTimerNeverFiresEarly() {
        var b = Instance(settings: router("b", priority: 100))
        var out: [Action] = []
        b.handle(.start(localAddress: v4("10.0.0.2")), now: .origin, into: &out)
        let due = b.deadline(.masterDown)!
        b.handle(.timerFired(.masterDown), now: due - .microseconds(1), into: &out)
        #expect(b.state == .backup)
        b.handle(.timerFired(.masterDown), now: due, into: &out)
        #expect(b.state == .master)
    }
}
