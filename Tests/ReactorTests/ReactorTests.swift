import CShim
import Glibc
import Posix
import Testing
@testable import Reactor

@Suite struct ReactorLoop {
    @Test func readableDescriptorCallsItsHandler() throws {
        let r = try Reactor()
        let p = try makePipe(nonBlocking: true)
        let rfd = p.first.rawValue
        var got: [UInt8] = []
        try r.watch(rfd, for: .readable) { _ in
            var b = [UInt8](repeating: 0, count: 16)
            let n = read(rfd, &b, 16)
            if n > 0 { got += b[0..<n] }
            r.stop()
        }
        try p.second.writeAll([1, 2, 3])
        try r.run()
        #expect(got == [1, 2, 3])
    }

    @Test func realTimersFireThroughTheTimerfd() throws {
        let r = try Reactor()
        let start = r.clock.now
        var order: [Int] = []
        r.schedule(after: .milliseconds(20)) { order.append(2); r.stop() }
        r.schedule(after: .milliseconds(5)) { order.append(1) }
        try r.run()
        #expect(order == [1, 2])
        #expect(r.clock.now - start >= .milliseconds(20))
    }

    @Test func theTimerfdIsNotReadableOnceItsTimersHaveFired() throws {
        // The expiration is never read: re-arming (or disarming) clears it,
        // or every later epoll_wait would return at once.
        let r = try Reactor()
        var fired = 0
        r.schedule(after: .milliseconds(5)) { fired += 1 }
        let later = r.schedule(after: .seconds(30)) { fired += 100 }
        try r.runOnce(timeout: .seconds(5))
        #expect(fired == 1)
        #expect(!timerfdReadable(r), "re-armed for the 30 s timer")
        r.cancel(later)
        r.schedule(after: .milliseconds(5)) { fired += 1 }
        try r.runOnce(timeout: .seconds(5))
        #expect(fired == 2)
        #expect(!timerfdReadable(r), "nothing left: disarmed")
        var turns = 0
        let deadline = r.clock.now + .milliseconds(50)
        while r.clock.now < deadline && turns < 1_000 {
            try r.runOnce(timeout: .milliseconds(10))
            turns += 1
        }
        #expect(turns < 100, "idle turns wait for their timeout instead of spinning (\(turns) turns in 50 ms)")
    }

    private func timerfdReadable(_ r: Reactor) -> Bool {
        var p = pollfd(fd: r.timerDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) == 1
    }

    @Test func signalsArriveAsEvents() throws {
        let r = try Reactor()
        var got: [Int32] = []
        try r.handleSignals([SIGUSR2]) { e in got.append(e.signal); r.stop() }
        // Thread-directed, so no other test thread can take it.
        raise(SIGUSR2)
        try r.run()
        #expect(got == [SIGUSR2])
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGUSR2)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    @Test func unwatchedDescriptorIsNoLongerReported() throws {
        let r = try Reactor()
        let p = try makePipe(nonBlocking: true)
        var calls = 0
        let w = try r.watch(p.first.rawValue, for: .readable) { _ in calls += 1 }
        r.unwatch(w)
        try p.second.writeAll([1])
        try r.runOnce(timeout: .milliseconds(10))
        #expect(calls == 0)
    }

    @Test func reactorOnAManualClockRunsTimersOnlyWhenAdvanced() throws {
        let clock = ManualClock()
        let r = try Reactor(clock: clock)
        var fired = 0
        r.schedule(after: .seconds(5), every: .seconds(5)) { fired += 1 }
        try r.runOnce(timeout: .zero)
        #expect(fired == 0)
        clock.advance(by: .seconds(16))
        #expect(fired == 3)
    }
}

@Suite struct SyscallHelper {
    @Test func interruptedCallIsRetried() throws {
        SyscallFaults.inject(.interrupted, into: "probe-eintr")
        var calls = 0
        let r = try sys("probe-eintr") { () -> Int32 in calls += 1; return 7 }
        #expect(r == 7)
        #expect(calls == 1)  // the injected EINTR happened before the real call
    }

    @Test func failureBecomesATypedError() {
        SyscallFaults.inject(.noBufferSpace, into: "probe-enobufs")
        #expect(throws: SysError(call: "probe-enobufs", errno: .noBufferSpace)) {
            try sys("probe-enobufs") { Int32(0) }
        }
        #expect(throws: SysError.self) { try sys("close(-1)") { close(-1) } }
    }

    @Test func wouldBlockIsAnOutcomeNotAnError() throws {
        let p = try makePipe(nonBlocking: true)
        var b = [UInt8](repeating: 0, count: 4)
        let n = try b.withUnsafeMutableBytes { try p.first.read(into: $0) }
        #expect(n == nil)
    }

    @Test func errnoDescriptionsNameTheError() {
        #expect(Errno.noEntry.description.hasPrefix("ENOENT: "))
        #expect(SysError(call: "open(/x)", errno: .accessDenied).description.hasPrefix("open(/x): EACCES: "))
    }
}
