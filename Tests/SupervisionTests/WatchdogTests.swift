import Posix
import Reactor
import Testing
import Wire
@testable import Supervision

/// A supervision driven on a virtual clock: ticks at every wake-up, as the
/// supervisor's timer does.
struct Drive {
    var s: ChildSupervision
    let clock = ManualClock()
    var sent: [SupervisionAction] = []
    var pids: [ProgramName: Int32] = [:]
    var nextPid: Int32 = 100

    init(_ policy: SupervisionPolicy = SupervisionPolicy()) { s = ChildSupervision(policy: policy) }

    /// Carries out spawns at once (a child that starts immediately).
    mutating func apply(_ actions: [SupervisionAction]) {
        for a in actions {
            sent.append(a)
            if case .spawn(let p) = a {
                nextPid += 1
                pids[p] = nextPid
                apply(s.started(p, pid: nextPid, now: clock.now))
            }
        }
    }

    /// Advances time in small steps, ticking when the supervision asks to,
    /// and answering hellos from `answering` children at once.
    mutating func run(for d: Duration, answering: Set<ProgramName>) {
        let end = clock.now + d
        while true {
            guard let next = s.nextWakeup, next <= end else { break }
            if next > clock.now { clock.advance(to: next) }
            let actions = s.tick(now: clock.now)
            apply(actions)
            for case .sendHello(let p, let seq) in actions where answering.contains(p) {
                s.helloReply(p, sequence: seq, now: clock.now)
            }
        }
        clock.advance(to: end)
    }

    var kills: [(ProgramName, KillReason, Instant)] = []
}

@Suite struct WatchdogOnAVirtualClock {
    @Test func helloGoesToEachChildEveryPeriod() {
        var d = Drive()
        d.apply(d.s.start([.vrrpd, .checkd], now: d.clock.now))
        d.run(for: .seconds(21), answering: [.vrrpd, .checkd])
        let hellos = d.sent.filter { if case .sendHello = $0 { return true }; return false }
        #expect(hellos.count == 8)  // at 5, 10, 15, 20 s for each
        #expect(!d.sent.contains { if case .kill = $0 { return true }; return false })
    }

    @Test func aSilentChildIsKilledAsHungWithinTwoPeriods() {
        var d = Drive()
        d.apply(d.s.start([.vrrpd], now: d.clock.now))
        d.run(for: .seconds(12), answering: [.vrrpd])
        // Stopped (SIGSTOP) at t = 12 s: the last answer was at 10 s.
        let stoppedAt = d.clock.now
        d.run(for: .seconds(20), answering: [])
        guard let i = d.sent.firstIndex(where: { if case .kill = $0 { return true }; return false }),
              case .kill(let p, let pid, .hung(let silent)) = d.sent[i] else {
            Issue.record("no kill for a hung child")
            return
        }
        #expect(p == .vrrpd && pid == 101)
        #expect(silent == .seconds(10))
        // Killed at 20 s, 8 s after the stop: within two periods of it.
        let hungKillTime = Instant.zero + .seconds(20)
        #expect(hungKillTime - stoppedAt <= .seconds(10))
    }

    @Test func aKilledHungChildIsRespawnedWhenItsExitIsSeen() {
        var d = Drive()
        d.apply(d.s.start([.checkd], now: d.clock.now))
        d.run(for: .seconds(11), answering: [])
        #expect(d.sent.contains(.kill(.checkd, pid: 101, .hung(silentFor: .seconds(10)))))
        d.apply(d.s.exited(.checkd, pid: 101, status: .signaled(9, coreDumped: false), now: d.clock.now))
        #expect(d.sent.contains(.spawn(.checkd)))
        #expect(d.pids[.checkd] == 102)
        #expect(d.sent.contains { if case .log(.error, let t) = $0 { return t.contains("hung") && t.contains("killed") }; return false })
    }

    @Test func firstCrashIsRespawnedAtOnceThenWithDoublingBackoff() {
        var d = Drive()
        d.apply(d.s.start([.vrrpd], now: d.clock.now))
        var waits: [Duration] = []
        for _ in 0..<5 {
            let pid = d.pids[.vrrpd]!
            let crashed = d.clock.now
            d.apply(d.s.exited(.vrrpd, pid: pid, status: .signaled(11, coreDumped: true), now: d.clock.now))
            while d.pids[.vrrpd] == pid { d.run(for: .milliseconds(100), answering: [.vrrpd]) }
            // Respawns happen on ticks, so round to the 100 ms steps of the drive.
            waits.append(d.clock.now - crashed)
        }
        #expect(waits == [.zero, .seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        #expect(d.s.backoff(failures: 10) == .seconds(30))
        #expect(d.s.children[.vrrpd]?.restarts == 5)
    }

    @Test func aDelayedRespawnHappensAtItsDeadline() {
        var d = Drive()
        d.apply(d.s.start([.vrrpd], now: d.clock.now))
        d.apply(d.s.exited(.vrrpd, pid: 101, status: .exited(3), now: d.clock.now))  // at once
        #expect(d.pids[.vrrpd] == 102)
        d.clock.advance(by: .seconds(2))
        d.apply(d.s.exited(.vrrpd, pid: 102, status: .exited(3), now: d.clock.now))  // second in a row: 1 s
        #expect(d.pids[.vrrpd] == 102)
        #expect(d.s.nextWakeup == d.clock.now + .seconds(1))
        d.run(for: .milliseconds(999), answering: [.vrrpd])
        #expect(d.pids[.vrrpd] == 102)
        d.run(for: .milliseconds(1), answering: [.vrrpd])
        #expect(d.pids[.vrrpd] == 103)
    }

    @Test func aChildThatRanLongEnoughIsRespawnedAtOnceAgain() {
        var d = Drive()
        d.apply(d.s.start([.vrrpd], now: d.clock.now))
        d.apply(d.s.exited(.vrrpd, pid: 101, status: .exited(3), now: d.clock.now))
        d.run(for: .seconds(61), answering: [.vrrpd])
        d.apply(d.s.exited(.vrrpd, pid: 102, status: .exited(3), now: d.clock.now))
        #expect(d.pids[.vrrpd] == 103)
    }

    @Test func withoutRespawnAnEndedChildStopsTheSupervisor() {
        var p = SupervisionPolicy()
        p.respawn = false
        var d = Drive(p)
        d.apply(d.s.start([.vrrpd, .checkd], now: d.clock.now))
        d.apply(d.s.exited(.checkd, pid: 102, status: .signaled(9, coreDumped: false), now: d.clock.now))
        #expect(d.sent.contains { if case .terminate(1, let why) = $0 { return why.contains("not respawning") }; return false })
        #expect(!d.sent.contains(.spawn(.checkd)) || d.sent.filter { $0 == .spawn(.checkd) }.count == 1)
    }

    @Test func aPermanentErrorStatusIsNotRespawned() {
        var d = Drive()
        d.apply(d.s.start([.vrrpd], now: d.clock.now))
        d.apply(d.s.exited(.vrrpd, pid: 101, status: .exited(2), now: d.clock.now))
        #expect(d.sent.contains { if case .terminate(2, _) = $0 { return true }; return false })
        #expect(d.pids[.vrrpd] == 101)
    }

    @Test func aDaemonMissingWhatItNeedsStaysStoppedWhileTheOthersRun() {
        for respawn in [true, false] {
            var p = SupervisionPolicy()
            p.respawn = respawn
            var d = Drive(p)
            d.apply(d.s.start([.vrrpd, .checkd, .ipvsApplier], now: d.clock.now))
            let applier = d.pids[.ipvsApplier]!
            d.apply(d.s.exited(.ipvsApplier, pid: applier, status: .exited(DaemonExitStatus.unavailable), now: d.clock.now))
            #expect(d.sent.contains(.unavailable(.ipvsApplier)))
            #expect(!d.sent.contains { if case .terminate = $0 { return true }; return false }, "-R: \(!respawn)")
            // Never respawned, however long the others run.
            d.run(for: .seconds(300), answering: [.vrrpd, .checkd])
            #expect(d.sent.filter { $0 == .spawn(.ipvsApplier) }.count == 1)
            #expect(d.s.runningChildren.map(\.0) == [.vrrpd, .checkd])
            // A reload starts it again.
            d.apply(d.s.start([.ipvsApplier], now: d.clock.now))
            #expect(d.pids[.ipvsApplier] != applier)
        }
    }

    @Test func deathBySIGSYSIsNamedAsASeccompKill() {
        var d = Drive()
        d.apply(d.s.start([.vrrpd], now: d.clock.now))
        d.apply(d.s.exited(.vrrpd, pid: 101, status: .signaled(31, coreDumped: false), now: d.clock.now))
        #expect(d.sent.contains { if case .log(.error, let t) = $0 { return t.contains("killed by SIGSYS") && t.contains("seccomp") }; return false })
    }

    @Test func anExitOfAStaleChildIsIgnored() {
        var d = Drive()
        d.apply(d.s.start([.vrrpd], now: d.clock.now))
        #expect(d.s.exited(.vrrpd, pid: 999, status: .exited(0), now: d.clock.now).isEmpty)
    }

    @Test func duringAStopNothingIsRespawnedOrKilledAsHung() {
        var d = Drive()
        d.apply(d.s.start([.vrrpd, .checkd], now: d.clock.now))
        d.s.beginStop()
        d.run(for: .seconds(30), answering: [])
        #expect(!d.sent.contains { if case .kill = $0 { return true }; return false })
        d.apply(d.s.exited(.vrrpd, pid: 101, status: .exited(0), now: d.clock.now))
        #expect(d.sent.filter { $0 == .spawn(.vrrpd) }.count == 1)
        #expect(d.s.runningChildren.map(\.0) == [.checkd])
    }

    @Test func stopOrderIsVRRPThenCheckerThenApplier() {
        var d = Drive()
        d.apply(d.s.start([.ipvsApplier, .checkd, .vrrpd], now: d.clock.now))
        #expect(d.s.runningChildren.map(\.0) == [.vrrpd, .checkd, .ipvsApplier])
    }

    @Test func aRetiredChildIsNotReplaced() {
        var d = Drive()
        d.apply(d.s.start([.vrrpd, .checkd], now: d.clock.now))
        d.s.retire(.checkd)
        d.apply(d.s.exited(.checkd, pid: 102, status: .exited(0), now: d.clock.now))
        #expect(d.s.children[.checkd] == nil)
        #expect(d.sent.filter { $0 == .spawn(.checkd) }.count == 1)
    }

    @Test func aMisbehavingChildIsKilledAndReplaced() {
        var d = Drive()
        d.apply(d.s.start([.checkd], now: d.clock.now))
        d.apply(d.s.misbehaved(.checkd, "bad magic"))
        #expect(d.sent.contains(.kill(.checkd, pid: 101, .protocolViolation("bad magic"))))
        d.apply(d.s.exited(.checkd, pid: 101, status: .signaled(9, coreDumped: false), now: d.clock.now))
        #expect(d.pids[.checkd] == 102)
    }
}
