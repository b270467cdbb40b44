import Testing
@testable import Reactor

@Suite struct TimersOnAManualClock {
    @Test func timersFireInDeadlineThenSubmissionOrder() {
        let clock = ManualClock()
        let q = TimerQueue(clock: clock)
        var log: [String] = []
        q.schedule(after: .milliseconds(30)) { log.append("c") }
        q.schedule(after: .milliseconds(10)) { log.append("a") }
        q.schedule(after: .milliseconds(30)) { log.append("d") }
        q.schedule(after: .milliseconds(20)) { log.append("b") }
        clock.advance(by: .milliseconds(25))
        #expect(log == ["a", "b"])
        clock.advance(by: .milliseconds(5))
        #expect(log == ["a", "b", "c", "d"])
        #expect(q.count == 0)
    }

    @Test func eachTimerSeesTheClockAtItsOwnDeadline() {
        let clock = ManualClock()
        let q = TimerQueue(clock: clock)
        var seen: [Instant] = []
        q.schedule(after: .seconds(1)) { seen.append(clock.now) }
        q.schedule(after: .seconds(3)) { seen.append(clock.now) }
        clock.advance(by: .seconds(10))
        #expect(seen == [Instant.zero + .seconds(1), Instant.zero + .seconds(3)])
        #expect(clock.now == Instant.zero + .seconds(10))
    }

    @Test func periodicTimerKeepsItsPhase() {
        let clock = ManualClock()
        let q = TimerQueue(clock: clock)
        var fired: [Int64] = []
        q.schedule(after: .milliseconds(10), every: .milliseconds(10)) { fired.append(clock.now.nanoseconds / 1_000_000) }
        clock.advance(by: .milliseconds(55))
        #expect(fired == [10, 20, 30, 40, 50])
    }

    @Test func aLateQueueFiresAPeriodicTimerOnceAndSkipsAhead() {
        // Driven by hand (as a reactor that slept too long would), not by advance().
        let clock = ManualClock()
        let q = TimerQueue(clock: ManualClockReader(clock))
        var n = 0
        q.schedule(after: .milliseconds(10), every: .milliseconds(10)) { n += 1 }
        clock.advance(by: .milliseconds(95))
        #expect(q.fireDue() == 1)
        #expect(n == 1)
        #expect(q.nextDeadline == Instant.zero + .milliseconds(100))
    }

    @Test func cancelledTimersDoNotFire() {
        let clock = ManualClock()
        let q = TimerQueue(clock: clock)
        var fired = false
        let id = q.schedule(after: .seconds(1)) { fired = true }
        q.cancel(id)
        q.cancel(id)
        clock.advance(by: .seconds(2))
        #expect(!fired)
        #expect(q.nextDeadline == nil)
    }

    @Test func aTimerMayScheduleAndCancelOthers() {
        let clock = ManualClock()
        let q = TimerQueue(clock: clock)
        var log: [String] = []
        var victim: TimerID?
        q.schedule(after: .seconds(1)) {
            log.append("first")
            q.schedule(after: .seconds(1)) { log.append("child") }
            if let v = victim { q.cancel(v) }
        }
        victim = q.schedule(after: .seconds(2)) { log.append("victim") }
        clock.advance(by: .seconds(5))
        #expect(log == ["first", "child"])
    }

    @Test func manyCancelledTimersDoNotAccumulate() {
        let clock = ManualClock()
        let q = TimerQueue(clock: clock)
        for _ in 0..<10_000 {
            let id = q.schedule(after: .seconds(100)) {}
            q.cancel(id)
        }
        #expect(q.count == 0)
        #expect(q.nextDeadline == nil)
    }

    @Test func aReusableTimerFiresAtItsLatestDeadlineOnlyAndCanBeArmedAgain() {
        let clock = ManualClock()
        let q = TimerQueue(clock: clock)
        var fired: [Int64] = []
        let id = q.makeTimer { fired.append(clock.now.nanoseconds / 1_000_000) }
        #expect(!q.isScheduled(id))
        clock.advance(by: .milliseconds(10))
        #expect(fired.isEmpty, "made unarmed")
        q.arm(id, at: clock.now + .milliseconds(30))
        q.arm(id, at: clock.now + .milliseconds(20))
        q.arm(id, at: clock.now + .milliseconds(50))
        clock.advance(by: .milliseconds(100))
        #expect(fired == [60], "only the last deadline counts")
        #expect(!q.isScheduled(id) && q.count == 1, "fired, kept")
        q.arm(id, at: clock.now + .milliseconds(5))
        q.disarm(id)
        clock.advance(by: .milliseconds(10))
        #expect(fired == [60])
        q.arm(id, at: clock.now + .milliseconds(5))
        clock.advance(by: .milliseconds(10))
        #expect(fired == [60, 125])
        q.cancel(id)
        q.arm(id, at: clock.now + .milliseconds(5))
        clock.advance(by: .milliseconds(10))
        #expect(fired == [60, 125] && q.count == 0, "a cancelled timer cannot be armed")
    }

    @Test func reArmingManyTimesLeavesNoPileOfStaleEntries() {
        let clock = ManualClock()
        let q = TimerQueue(clock: clock)
        var n = 0
        let ids = (0..<10).map { _ in q.makeTimer { n += 1 } }
        for round in 0..<10_000 {
            for id in ids { q.arm(id, at: clock.now + .seconds(3 + Int64(round % 7))) }
        }
        #expect(q.pendingEntries <= 64 + 4 * ids.count)
        clock.advance(by: .seconds(20))
        #expect(n == ids.count, "each fired once, at its last deadline")
        #expect(q.nextDeadline == nil)
    }

    @Test func instantArithmetic() {
        let a = Instant(nanoseconds: 1_500_000_000)
        #expect(a + .milliseconds(500) == Instant(nanoseconds: 2_000_000_000))
        #expect((a + .seconds(2)) - a == .seconds(2))
        #expect(Duration.seconds(Int64.max).nanoseconds == Int64.max)
        #expect(a.description == "t+1.500s")
    }
}

/// A clock that reads a ManualClock without being driven by it.
final class ManualClockReader: Clock {
    let base: ManualClock
    init(_ base: ManualClock) { self.base = base }
    var now: Instant { base.now }
}

/// Timers armed with a tolerance fire early when the queue fires anyway,
/// so deadlines close together share one wake-up; never late.
@Suite struct TimerTolerance {
    @Test func tolerantTimersJoinAnEarlierWakeUpWithinTheirTolerance() {
        let clock = ManualClock()
        let q = TimerQueue(clock: clock)
        var fired: [String: Int64] = [:]
        func timer(_ name: String) -> TimerID { q.makeTimer { fired[name] = clock.now.nanoseconds / 1_000_000 } }
        let a = timer("a"), b = timer("b"), c = timer("c"), d = timer("d"), e = timer("e")
        q.arm(a, at: .zero + .milliseconds(1000))
        q.arm(b, at: .zero + .milliseconds(1004), tolerance: .milliseconds(10))
        q.arm(c, at: .zero + .milliseconds(1012), tolerance: .milliseconds(10))
        q.arm(d, at: .zero + .milliseconds(1005))
        q.arm(e, at: .zero + .milliseconds(1001))
        clock.advance(by: .seconds(2))
        #expect(fired["a"] == 1000)
        #expect(fired["b"] == 1000, "4 ms ahead, 10 ms tolerance: with a")
        #expect(fired["e"] == 1001, "no tolerance: at its own deadline")
        #expect(fired["d"] == 1005)
        #expect(fired["c"] == 1005, "beyond a's window, within d's")
    }

    @Test func aTolerantTimerAloneFiresAtItsDeadline() {
        let clock = ManualClock()
        let q = TimerQueue(clock: clock)
        var fired: [Int64] = []
        let t = q.makeTimer { fired.append(clock.now.nanoseconds / 1_000_000) }
        q.arm(t, at: .zero + .milliseconds(1000), tolerance: .milliseconds(10))
        clock.advance(by: .milliseconds(900))
        #expect(fired.isEmpty)
        clock.advance(by: .milliseconds(200))
        #expect(fired == [1000])
    }

    @Test func aTimerReArmedWithinItsToleranceWaitsForTheNextFiring() {
        // Fired early, the action arms it again inside the window: it must not fire again in the same call.
        let clock = ManualClock()
        let q = TimerQueue(clock: ManualClockReader(clock))
        var n = 0
        var id: TimerID!
        id = q.makeTimer {
            n += 1
            q.arm(id, at: clock.now + .milliseconds(2), tolerance: .milliseconds(10))
        }
        let other = q.makeTimer {}
        q.arm(id, at: .zero + .milliseconds(15), tolerance: .milliseconds(10))
        q.arm(other, at: .zero + .milliseconds(10))
        clock.advance(by: .milliseconds(10))
        #expect(q.fireDue() == 2, "the other timer and, 5 ms early, this one")
        #expect(n == 1)
        #expect(q.nextDeadline == .zero + .milliseconds(12))
        #expect(q.fireDue() == 1, "the next call may take it early again")
        #expect(n == 2)
    }
}
