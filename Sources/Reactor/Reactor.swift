// One thread, one loop: epoll over the descriptors the program watches, a
// timerfd armed for the earliest timer, a signalfd for the signals it
// handles, and pidfds for its child processes. Handlers run on this thread,
// one at a time, to completion.
import CShim
import Glibc
import Posix

public struct IOEvents: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let readable = IOEvents(rawValue: EPOLLIN.rawValue)
    public static let writable = IOEvents(rawValue: EPOLLOUT.rawValue)
    /// The peer hung up or the descriptor is in error (always reported).
    public static let hangup = IOEvents(rawValue: EPOLLHUP.rawValue | EPOLLRDHUP.rawValue)
    public static let error = IOEvents(rawValue: EPOLLERR.rawValue)
}

public struct WatchID: Hashable, Sendable {
    let value: UInt64
}

public final class Reactor {
    public let clock: any Clock
    public let timers: TimerQueue
    private let epoll: Descriptor
    /// Armed at the earliest deadline when the clock is the real one.
    private let timerFD: Descriptor
    private var armedDeadline: Instant?
    /// The timerfd has expired and nothing has set it since: it stays
    /// readable until timerfd_settime, which the next `armTimer` must call.
    private var timerExpired = false
    /// For tests: the timerfd.
    var timerDescriptor: Int32 { timerFD.rawValue }
    /// The clock is the real one (timerfd armed); tested once, not per loop.
    private let realClock: Bool
    /// epoll_wait's buffer, kept between turns of the loop.
    private var eventBuffer = [epoll_event](repeating: epoll_event(), count: 64)
    private var watches: [UInt64: Watch] = [:]
    private var nextWatch: UInt64 = 1
    private var stopping = false
    private var signalSource: SignalSource?
    private var children: [ObjectIdentifier: ChildWatch] = [:]

    private struct Watch {
        var fd: Int32
        var events: IOEvents
        var handler: (IOEvents) -> Void
    }

    /// Reserved watch ids for the reactor's own descriptors.
    private static let timerWatch: UInt64 = 0

    public init(clock: any Clock = MonotonicClock()) throws(SysError) {
        self.clock = clock
        realClock = clock is MonotonicClock
        timers = TimerQueue(clock: clock)
        epoll = Descriptor(owning: try sys("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) })
        timerFD = Descriptor(owning: try sys("timerfd_create(CLOCK_MONOTONIC)") {
            timerfd_create(CLOCK_MONOTONIC, Int32(TFD_CLOEXEC | TFD_NONBLOCK))
        })
        try control(EPOLL_CTL_ADD, fd: timerFD.rawValue, events: .readable, id: Reactor.timerWatch)
    }

    // MARK: Descriptors

    /// Calls `handler` with the ready events whenever `fd` is ready for
    /// `events` (level-triggered). The caller keeps owning `fd` and must
    /// `unwatch` before closing it.
    @discardableResult
    public func watch(_ fd: Int32, for events: IOEvents, _ handler: @escaping (IOEvents) -> Void) throws(SysError) -> WatchID {
        let id = nextWatch
        nextWatch += 1
        try control(EPOLL_CTL_ADD, fd: fd, events: events, id: id)
        watches[id] = Watch(fd: fd, events: events, handler: handler)
        return WatchID(value: id)
    }

    /// Changes the events a watch waits for (e.g. adds `.writable` while output is queued).
    public func modify(_ id: WatchID, events: IOEvents) throws(SysError) {
        guard var w = watches[id.value], w.events != events else { return }
        try control(EPOLL_CTL_MOD, fd: w.fd, events: events, id: id.value)
        w.events = events
        watches[id.value] = w
    }

    /// Stops watching; harmless for an unknown id.
    public func unwatch(_ id: WatchID) {
        guard let w = watches.removeValue(forKey: id.value) else { return }
        var ev = epoll_event()
        _ = epoll_ctl(epoll.rawValue, EPOLL_CTL_DEL, w.fd, &ev)
    }

    private func control(_ op: Int32, fd: Int32, events: IOEvents, id: UInt64) throws(SysError) {
        var ev = epoll_event()
        ev.events = events.rawValue | EPOLLRDHUP.rawValue
        ev.data.u64 = id
        let epfd = epoll.rawValue
        _ = try sys("epoll_ctl(\(op == EPOLL_CTL_ADD ? "ADD" : "MOD"), \(fd))") { epoll_ctl(epfd, op, fd, &ev) }
    }

    // MARK: Timers

    /// Runs `action` after `delay` (and every `period` after that, if given).
    @discardableResult
    public func schedule(after delay: Duration, every period: Duration? = nil, _ action: @escaping () -> Void) -> TimerID {
        timers.schedule(after: delay, every: period, action)
    }

    public func cancel(_ id: TimerID) { timers.cancel(id) }

    /// Arms the timerfd for the earliest deadline (absolute, so a late wake-up
    /// never pushes the schedule back).
    private func armTimer() throws(SysError) {
        guard realClock else { return }
        let next = timers.nextDeadline
        guard next != armedDeadline || timerExpired else { return }
        armedDeadline = next
        timerExpired = false
        var spec = itimerspec()
        if let next {
            // A zero it_value disarms; a deadline at or before the origin still fires.
            let ns = max(next.nanoseconds, 1)
            spec.it_value.tv_sec = Int(ns / 1_000_000_000)
            spec.it_value.tv_nsec = Int(ns % 1_000_000_000)
        }
        let fd = timerFD.rawValue
        _ = try sys("timerfd_settime") { timerfd_settime(fd, Int32(TFD_TIMER_ABSTIME), &spec, nil) }
    }

    // MARK: Signals

    /// Blocks `signals` and delivers them through a signalfd to `handler`.
    /// Call before any thread exists: the mask is per thread and inherited.
    public func handleSignals(_ signals: [Int32], _ handler: @escaping (SignalEvent) -> Void) throws(SysError) {
        precondition(signalSource == nil, "signals are set up once")
        let source = try SignalSource(signals: signals)
        let fd = source.fd
        signalSource = source
        try watch(fd, for: .readable) { [unowned self] _ in
            while let e = self.signalSource?.next() { handler(e) }
        }
    }

    // MARK: Children

    /// Reports `child`'s exit to `handler` (reaped through its pidfd). With a
    /// `timeout`, the child (and its process group, if it leads one) is killed
    /// with SIGKILL when it overruns, and the exit reports `timedOut`.
    public func watch(child: ChildProcess, timeout: Duration? = nil,
                      _ handler: @escaping (ChildExit) -> Void) throws(SysError) {
        let key = ObjectIdentifier(child)
        var cw = ChildWatch(child: child, handler: handler)
        if let timeout {
            cw.timer = timers.schedule(after: timeout) { [unowned self] in
                guard self.children[key] != nil else { return }
                self.children[key]?.timedOut = true
                child.kill(SIGKILL)
            }
        }
        cw.watch = try watch(child.pidfd, for: .readable) { [unowned self] _ in
            self.reap(key)
        }
        children[key] = cw
    }

    private func reap(_ key: ObjectIdentifier) {
        guard let cw = children[key] else { return }
        guard let status = cw.child.tryReap() else { return }
        children[key] = nil
        if let w = cw.watch { unwatch(w) }
        if let t = cw.timer { timers.cancel(t) }
        cw.handler(ChildExit(pid: cw.child.pid, status: status, timedOut: cw.timedOut))
    }

    private struct ChildWatch {
        var child: ChildProcess
        var handler: (ChildExit) -> Void
        var watch: WatchID?
        var timer: TimerID?
        var timedOut = false
    }

    // MARK: The loop

    /// Runs until `stop()` is called from a handler.
    public func run() throws(SysError) {
        stopping = false
        while !stopping {
            try runOnce(timeout: nil)
        }
    }

    /// Asks `run()` to return after the current handler.
    public func stop() { stopping = true }

    /// Waits for at most `timeout` (forever if nil, until the next timer
    /// in any case), then handles what is ready. Due timers fire first.
    public func runOnce(timeout: Duration?) throws(SysError) {
        // With the timerfd armed at the earliest deadline nothing can be due
        // before it fires; only a timer scheduled since, earlier than that,
        // needs the clock read here (a system call where the clock source
        // has no vDSO, as in the emulated guest).
        if !realClock {
            timers.fireDue()
        } else if let next = timers.nextDeadline, armedDeadline.map({ next < $0 }) ?? true {
            timers.fireDue()
        }
        if stopping { return }
        try armTimer()
        var ms: Int32 = -1
        if let timeout { ms = Int32(clamping: max(0, timeout.nanoseconds / 1_000_000)) }
        if !realClock, let next = timers.nextDeadline, next <= clock.now { ms = 0 }
        // Taken out while in use, so a handler that runs the loop itself gets a buffer of its own.
        var events: [epoll_event] = []
        swap(&events, &eventBuffer)
        if events.isEmpty { events = [epoll_event](repeating: epoll_event(), count: 64) }
        defer { swap(&events, &eventBuffer) }
        let epfd = epoll.rawValue
        let n: Int32
        do {
            n = try sys("epoll_wait", retryEINTR: false) { epoll_wait(epfd, &events, 64, ms) }
        } catch {
            if error.errno == .interrupted { return }
            throw error
        }
        for i in 0..<Int(n) {
            let id = events[i].data.u64
            let ready = IOEvents(rawValue: events[i].events)
            if id == Reactor.timerWatch {
                // Not read: timerfd_settime, which armTimer calls below whatever
                // is left (disarming when nothing is), clears the expiration
                // and with it the readiness (one system call fewer per wake-up).
                armedDeadline = nil
                timerExpired = true
                timers.fireDue()
                // Armed for what is left now, so the next turn need not read the clock again.
                try armTimer()
            } else if let w = watches[id] {
                w.handler(ready)
            }
            if stopping { return }
        }
    }
}
