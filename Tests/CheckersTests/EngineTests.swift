import Testing
import Checkers
import ConfigModel

@Suite struct EngineBehaviour {
    @Test func omegaRunsNotifyDownAndQuorumDownOnShutdown() {
        for omega in [true, false] {
            let plan = Conf.plan([Conf.vs([
                Conf.rs(1, [Conf.tcp()]) { $0.notifyDown = Conf.script(6) },
                Conf.rs(2, [Conf.tcp()]) { $0.notifyDown = Conf.script(7) },
            ]) { $0.omega = omega; $0.quorumDown = Conf.script(5); $0.quorumUp = Conf.script(4) }])
            var sim = Simulation(plan) { _, _, _, _ in .pass(.connected) }
            sim.run(until: 5)
            let before = sim.scripts.count
            sim.record(sim.engine.shutdown())
            let atShutdown = sim.scripts.dropFirst(before).map(\.id)
            #expect(atShutdown == (omega ? [6, 7, 5] : []), "omega \(omega)")
            if omega {
                #expect(sim.fifo.suffix(3) == ["RS [192.168.0.1]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n",
                                               "RS [192.168.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n",
                                               "VS [10.0.0.1]:tcp:80 DOWN\n"])
            }
        }
    }

    @Test func hysteresisPreventsQuorumFlapping() {
        // Three servers of weight 1, quorum 2: .2 stays down, .3 flaps every check.
        func transitions(hysteresis: UInt32) -> Int {
            let plan = Conf.plan([Conf.vs((1...3).map { Conf.rs($0, [Conf.tcp(retry: 0)]) }) {
                $0.quorum = 2; $0.hysteresis = hysteresis
            }])
            var sim = Simulation(plan) { rs, _, _, t in
                if rs.contains(".2]") { return t > 5 ? .fail(.refused) : .pass(.connected) }
                if rs.contains(".3]") { return Int(t / 10) % 2 == 1 ? .fail(.refused) : .pass(.connected) }
                return .pass(.connected)
            }
            sim.run(until: 100)
            return sim.logs.filter { $0.hasPrefix("Gained quorum") || $0.hasPrefix("Lost quorum") }.count
        }
        #expect(transitions(hysteresis: 0) > 5)
        #expect(transitions(hysteresis: 1) == 1)  // only the initial "Gained quorum"
    }

    @Test func fifoLinesFollowKeepalivedsFormat() {
        let plan = Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 0)])])])
        var sim = Simulation(plan) { _, _, _, t in t < 5 ? .fail(.refused) : .pass(.connected) }
        sim.run(until: 12)
        #expect(sim.fifo == ["VS [10.0.0.1]:tcp:80 UP\n",
                             "RS [192.168.0.1]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n", "VS [10.0.0.1]:tcp:80 DOWN\n",
                             "RS [192.168.0.1]:tcp:80 [10.0.0.1]:tcp:80 UP\n", "VS [10.0.0.1]:tcp:80 UP\n"])
    }

    @Test func verdictsForIPVSApplierAreSentOnlyOnChanges() {
        let plan = Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 0)]), Conf.rs(2, [Conf.tcp(retry: 0)])]) {
            $0.quorum = 2; $0.sorryServer = SorryServer(address: IPAddress("192.168.9.9")!)
        }])
        var sim = Simulation(plan) { rs, _, _, t in rs.contains(".2]") && (20..<40).contains(t) ? .fail(.timeout) : .pass(.connected) }
        sim.run(until: 60)
        let msgs = sim.actions.compactMap { a -> String? in
            switch a.action {
            case .realServer(let h): return "\(a.at) rs\(h.realServer) \(h.up ? "up \(h.weight)" : "down")"
            case .virtualServer(let v): return "\(a.at) vs quorum \(v.quorumUp) sorry \(v.sorryServerActive)"
            default: return nil
            }
        }
        // A real server is first reported once checked (at 1.0), not at start:
        // the applier starts from the same assumption, and a respawned checkd
        // must not undo what the one before it reported.
        #expect(msgs == ["0.0 vs quorum true sorry false", "1.0 rs0 up 1", "1.0 rs1 up 1",
                         "21.0 rs1 down", "21.0 vs quorum false sorry true",
                         "41.0 rs1 up 1", "41.0 vs quorum true sorry false"])
        let full = sim.engine.fullWireState()
        #expect(full.realServers.map(\.up) == [true, true])
        #expect(full.virtualServers.map(\.quorumUp) == [true])
    }

    @Test func haSuspendPausesChecksWhileTheAddressIsAbsent() {
        let plan = Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp()])]) { $0.haSuspend = true }])
        var sim = Simulation(plan) { _, _, _, _ in .pass(.connected) }
        sim.run(until: 30)
        #expect(sim.attempts.isEmpty)
        sim.record(sim.engine.addressPresence(virtualServer: 0, present: true))
        sim.run(until: 45)
        #expect(sim.attemptTimes() == [31, 41])
        sim.record(sim.engine.addressPresence(virtualServer: 0, present: false))
        sim.run(until: 80)
        #expect(sim.attemptTimes() == [31, 41])
        #expect(sim.logs.contains("Suspending healthchecker for service [10.0.0.1]:tcp:80"))
    }

    @Test func fileCheckWeightsAndFaults() {
        var tf = TrackFile(name: "tf")
        tf.file = "/tmp/x"
        tf.weight = 2
        var fc = FileCheck()
        fc.trackFile = "tf"
        let plan = Conf.plan([Conf.vs([Conf.rs(1, [.file(fc)]) { $0.weight = 10 }])]) { $0.trackFiles = [tf] }
        var sim = Simulation(plan, trackFiles: [3]) { _, _, _, _ in .pass(.connected) }
        #expect(sim.tableWeight(rs: 0) == .some(16))
        sim.record(sim.engine.trackFileChanged(0, value: -2, now: .seconds(1)))
        #expect(sim.tableWeight(rs: 0) == .some(6))
        sim.record(sim.engine.trackFileChanged(0, value: -20, now: .seconds(2)))
        #expect(sim.tableWeight(rs: 0) == .some(0))  // clamped at 0, still alive
        #expect(sim.engine.isAlive(virtualServer: 0, realServer: 0))
    }

    @Test func fileCheckWithWeightZeroFailsOnNonZero() {
        var tf = TrackFile(name: "tf")
        tf.file = "/tmp/x"
        tf.weight = 0
        var fc = FileCheck()
        fc.trackFile = "tf"
        let plan = Conf.plan([Conf.vs([Conf.rs(1, [.file(fc)])])]) { $0.trackFiles = [tf] }
        var sim = Simulation(plan, trackFiles: [0]) { _, _, _, _ in .pass(.connected) }
        #expect(sim.tableWeight(rs: 0) == .some(1))
        sim.record(sim.engine.trackFileChanged(0, value: 1, now: .seconds(1)))
        #expect(sim.tableWeight(rs: 0) == .some(nil))
        sim.record(sim.engine.trackFileChanged(0, value: 0, now: .seconds(2)))
        #expect(sim.tableWeight(rs: 0) == .some(1))
    }

    @Test func fileCheckStatusTable() {
        let rows: [(Int64, Int64, Bool, FileCheckStatus)] = [
            (0, 0, false, .weight(0)), (5, 0, false, .fault), (0, 0, true, .fault), (5, 0, true, .weight(0)),
            (3, 2, false, .weight(6)), (3, 2, true, .weight(-6)), (Int64(Int32.max), 4, false, .weight(Int64(Int32.max))),
            (Int64(Int32.min), 1, false, .fault), (-(1 << 40), 1 << 30, false, .fault),
        ]
        for (v, w, rev, want) in rows { #expect(FileCheckStatus.of(value: v, weight: w, reverse: rev) == want, "\(v) \(w) \(rev)") }
    }

    @Test func fileValueParsesLikeStrtol() {
        let rows: [(String, Int64?)] = [("", 0), ("12\n", 12), ("  -7", -7), ("0x1f", 31), ("010", 8), ("abc", 0),
                                        ("2147483648", 2147483648), ("2147483649", nil), ("-2147483648", -2147483648), ("+5x", 5)]
        for (text, want) in rows { #expect(FileCheckValue.parse(Array(text.utf8)) == want, "\(text)") }
    }

    @Test func reloadKeepsUnchangedServersOnTheirScheduleWithNoFlap() {
        let vsA = Conf.vs([Conf.rs(1, [Conf.tcp(retry: 0)]), Conf.rs(2, [Conf.tcp(retry: 0)])], port: 80)
        let vsB = Conf.vs([Conf.rs(3, [Conf.tcp(retry: 0)])], port: 81)
        var sim = Simulation(Conf.plan([vsA, vsB]), random: [0]) { rs, _, _, t in
            rs.contains(".2]") && t > 12 ? .fail(.refused) : .pass(.connected)
        }
        sim.run(until: 25.5)
        let scheduleBefore = sim.engine.schedule()
        let idsBefore = sim.engine.checkerIDs(virtualServer: 0, realServer: 0) + sim.engine.checkerIDs(virtualServer: 0, realServer: 1)
        let ipvsBefore = sim.ipvs.count
        let actionsBefore = sim.actions.count
        // Change only vsB: a new real server.
        var vsB2 = vsB
        vsB2.realServers.append(Conf.rs(4, [Conf.tcp(retry: 0)]))
        var random = FixedRandom([0])
        sim.record(sim.engine.reload(Conf.plan([vsA, vsB2]), now: sim.now, random: &random))
        let after = sim.engine.schedule()
        for id in idsBefore { #expect(after[id] == scheduleBefore[id], "checker \(id) keeps its schedule") }
        #expect(sim.engine.checkerIDs(virtualServer: 0, realServer: 0) + sim.engine.checkerIDs(virtualServer: 0, realServer: 1) == idsBefore)
        // Only the new real server produced a table row; rs .2 stays out, rs .1 stays in.
        let newRows = sim.ipvs.dropFirst(ipvsBefore).map(\.update)
        #expect(newRows == [IPVSUpdate(virtualServer: 1, destination: .realServer(1), weight: 1)])
        let verdictsAfter = sim.actions.dropFirst(actionsBefore).compactMap { a -> RealServerHealth? in
            if case .realServer(let h) = a.action { return h }; return nil
        }
        // The new real server is reported once checked, the others not at all.
        #expect(verdictsAfter.isEmpty)
        #expect(!sim.engine.isAlive(virtualServer: 0, realServer: 1))
        sim.run(until: 40)
        #expect(sim.ipvs.dropFirst(ipvsBefore + 1).isEmpty, "no flap after the reload")
        let checked = sim.actions.dropFirst(actionsBefore).compactMap { a -> String? in
            if case .realServer(let h) = a.action { return "\(h.virtualServer)/\(h.realServer) \(h.up)" }; return nil
        }
        #expect(checked == ["1/1 true"])
    }

    @Test func reloadMigratesAChangedCheckerTimingWithoutRestartingIt() {
        let plan1 = Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 0)])])])
        let plan2 = Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp(retry: 2)])])])
        var sim = Simulation(plan1) { _, _, _, t in t > 5 ? .fail(.refused) : .pass(.connected) }
        sim.run(until: 12)
        #expect(!sim.engine.isAlive(virtualServer: 0, realServer: 0))
        var random = FixedRandom([0])
        let actions = sim.engine.reload(plan2, now: sim.now, random: &random)
        #expect(!actions.contains { if case .ipvs = $0 { return true }; return false })
        #expect(!sim.engine.isAlive(virtualServer: 0, realServer: 0))
    }

    @Test func inFlightChecksOfRemovedCheckersAreIgnored() {
        var engine = HealthEngine(plan: Conf.plan([Conf.vs([Conf.rs(1, [Conf.tcp()])])]))
        var random = FixedRandom([0])
        _ = engine.start(now: .zero, random: &random)
        let reqs = engine.due(.seconds(1))
        #expect(reqs.count == 1)
        _ = engine.reload(Conf.plan([Conf.vs([Conf.rs(2, [Conf.tcp()])])]), now: .seconds(1), random: &random)
        #expect(engine.finished(reqs[0].id, .fail(.refused), now: .seconds(1.5)).isEmpty)
    }

    @Test func inheritanceFollowsTheReference() {
        var vs = Conf.vs([
            Conf.rs(1, [.tcp(CheckerCommon()), .dns(DNSCheck()), .misc({ var m = MiscCheck(); m.miscPath = Conf.script(1); return m }()),
                        Conf.http(["/"], retry: nil, dbr: nil)]),
            Conf.rs(2, [.tcp(CheckerCommon())]) { $0.retry = 5; $0.delayLoop = .seconds(7) },
        ], delayLoop: 20)
        vs.connectTimeout = .seconds(3)
        let plan = Conf.plan([vs])
        let c = plan.virtualServers[0].realServers[0].checkers
        #expect(c[0].timing == CheckerTiming(delayLoop: .seconds(20), retry: 1, delayBeforeRetry: .seconds(1), warmup: .seconds(20), connectTimeout: .seconds(3)))
        #expect(c[1].timing.retry == 3)
        #expect(c[1].timing.delayBeforeRetry == .seconds(20))
        #expect(c[2].timing.retry == 0)
        if case .misc(let m) = c[2].probe { #expect(m.timeout == .seconds(20)) } else { Issue.record("misc") }
        #expect(c[3].timing.delayBeforeRetry == .seconds(3))
        #expect(c[3].timing.warmup == .zero)
        let c2 = plan.virtualServers[0].realServers[1].checkers[0]
        #expect(c2.timing.retry == 5)
        #expect(c2.timing.delayLoop == .seconds(7))
        #expect(c2.timing.warmup == .seconds(7))
    }

    @Test func httpHostHeaderAndSNIFollowVirtualhostPrecedence() {
        var h = HTTPCheck()
        var u1 = HTTPURL(); u1.path = "/a"; u1.virtualhost = "url.example"
        var u2 = HTTPURL(); u2.path = "/b"
        h.urls = [u1, u2]
        h.enableSni = true
        h.virtualhost = "checker.example"
        let plan = Conf.plan([Conf.vs([Conf.rs(1, [.ssl(h)])]) { $0.virtualhost = "vs.example" }])
        guard case .http(let spec) = plan.virtualServers[0].realServers[0].checkers[0].probe else { Issue.record("no http"); return }
        #expect(spec.tls)
        #expect(spec.urls.map(\.host) == ["url.example", "checker.example"])
        #expect(spec.sniName == "url.example")
        var bare = HTTPCheck(); bare.urls = [u2]
        let plan2 = Conf.plan([Conf.vs([Conf.rs(1, [.http(bare)])])])
        guard case .http(let spec2) = plan2.virtualServers[0].realServers[0].checkers[0].probe else { return }
        #expect(spec2.urls[0].host == "192.168.0.1:80")
        #expect(spec2.sniName == nil)
    }

    @Test func deadlineQueueRunsInTimeThenInsertionOrder() {
        var q = DeadlineQueue<Int>()
        for (i, t) in [5, 1, 3, 1, 9, 3].enumerated() { q.insert(i, at: .seconds(Double(t))) }
        var out: [Int] = []
        while let (_, i) = q.popDue(.seconds(100)) { out.append(i) }
        #expect(out == [1, 3, 2, 5, 0, 4])
    }
}
