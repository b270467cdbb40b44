// Runs probes on the reactor: one socket per attempt (no keep-alive, as
// keepalived), a non-blocking connect, the probe fed with every event, and
// connect_timeout re-armed on each bit of progress. Each attempt ends in
// exactly one completion.
//
// Thousands of attempts a second, so each costs as few system calls and
// allocations as it can (scripts/bench.d/checkd.sh measures it):
// - probe sockets live in an epoll set of the runner's own, which the
//   reactor watches as one descriptor. A socket is added once, edge-triggered
//   for input and output, so moving from connecting to sending to reading
//   needs no EPOLL_CTL_MOD, and close() takes it out with no EPOLL_CTL_DEL.
//   A TCP_CHECK is socket, connect, epoll_ctl, close.
// - EPOLLOUT without EPOLLERR/EPOLLHUP means the connect succeeded; SO_ERROR
//   is read only when it failed, for the reason.
// - attempts run in pooled sessions found by slot from the event itself
//   (slot and generation in the event's data): no allocation, closure or
//   dictionary per attempt.
// - the time is read once per batch of events (clock_gettime is a real
//   system call where the clock source has no vDSO, as under emulation).
// - timeouts are a heap of the runner's own; an attempt that progresses only
//   moves its deadline, and its entry is re-filed if it comes up early.
//   One reactor timer waits for the earliest live deadline and is moved only
//   when an earlier one arrives.
import Checkers
import CShim
import Glibc
import Posix
import Reactor

public final class ProbeRunner {
    let reactor: Reactor
    private let epoll: Descriptor
    private var watch: WatchID?
    /// One receive buffer for every session: the reactor runs one handler at a time.
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var slots: [ProbeSession] = []
    private var freeSlots: [Int32] = []
    public private(set) var active = 0
    /// Sessions allocated so far (in use or free for the next attempt).
    public var pooled: Int { slots.count }
    private var timeouts = DeadlineQueue<TimeoutEntry>()
    /// Made once and re-armed (no allocation per move).
    private var timer: TimerID!
    private var timerAt: Instant?
    private var events = [epoll_event](repeating: epoll_event(), count: 256)

    /// Where attempts started with a tag report (the checks' one handler).
    public var onFinish: (_ tag: UInt64, _ verdict: Verdict, _ at: Instant) -> Void = { _, _, _ in }

    /// Timeouts due within this of each other fire in one wake-up.
    static let slack = Duration.milliseconds(5)

    public init(reactor: Reactor) throws(SysError) {
        self.reactor = reactor
        epoll = Descriptor(owning: try sys("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) })
        watch = try reactor.watch(epoll.rawValue, for: .readable) { [unowned self] _ in self.dispatch() }
        timer = reactor.timers.makeTimer { [unowned self] in
            self.timerAt = nil
            self.expire(self.reactor.timers.firedAt ?? self.reactor.clock.now)
        }
    }

    deinit {
        if let watch { reactor.unwatch(watch) }
        if let timer { reactor.cancel(timer) }
        for s in slots where s.inUse { Glibc.close(s.fd) }
    }

    /// Starts `probe`; `onFinish` gets `tag` and the verdict, possibly before
    /// `start` returns (e.g. a socket that cannot be opened). `now` is the
    /// caller's reading of the reactor's clock, if it has one.
    public func start(_ probe: any Probe, timeout: Duration, now: Instant? = nil, tag: UInt64) {
        begin(probe, timeout: timeout, now: now ?? reactor.clock.now, completion: .tag(tag))
    }

    /// Starts `probe`; `completion` runs once with the verdict, possibly
    /// before `start` returns.
    public func start(_ probe: any Probe, timeout: Duration, now: Instant? = nil, completion: @escaping (Verdict) -> Void) {
        begin(probe, timeout: timeout, now: now ?? reactor.clock.now, completion: .closure(completion))
    }

    // MARK: Sessions

    private func acquire() -> ProbeSession {
        active += 1
        if let i = freeSlots.popLast() { return slots[Int(i)] }
        let s = ProbeSession(slot: Int32(slots.count))
        slots.append(s)
        return s
    }

    private func begin(_ probe: any Probe, timeout: Duration, now: Instant, completion: ProbeSession.Completion) {
        let s = acquire()
        s.inUse = true
        s.probe = probe
        s.completion = completion
        s.timeout = timeout
        s.deadline = now + timeout
        let transport = probe.transport
        if case .stream = transport { s.stream = true } else { s.stream = false }
        s.watchingOutput = s.stream
        let start: ConnectStart
        do {
            (s.fd, start) = try ProbeSocket.open(transport)
        } catch {
            switch error {
            case .setup(let why): return finish(s, .fail(.socketError(why)), now)
            case .failure(let f): return finish(s, s.probe!.failed(f), now)
            }
        }
        // Streams wait for the connect (EPOLLOUT), replies and room to send;
        // datagram sockets only for replies (and ICMP errors, EPOLLERR).
        if !register(s, EPOLL_CTL_ADD, output: s.stream, now) { return }
        file(s, at: s.deadline)
        switch start {
        case .connected:
            s.connecting = false
            apply(s, s.generation, s.probe!.connected(), now)
        case .inProgress:
            s.connecting = true
        }
    }

    /// Adds `s`'s socket to the runner's epoll set (or changes what it waits
    /// for), tagged with its slot and generation; on failure the attempt ends.
    private func register(_ s: ProbeSession, _ op: Int32, output: Bool, _ now: Instant) -> Bool {
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue | (output ? EPOLLOUT.rawValue : 0)
        ev.data.u64 = UInt64(UInt32(bitPattern: s.slot)) | UInt64(s.generation) << 32
        guard epoll_ctl(epoll.rawValue, op, s.fd, &ev) == 0 else {
            finish(s, .fail(.socketError("epoll_ctl(\(op == EPOLL_CTL_ADD ? "ADD" : "MOD")): \(Errno.current)")), now)
            return false
        }
        return true
    }

    private func finish(_ s: ProbeSession, _ v: Verdict, _ now: Instant) {
        guard s.inUse else { return }
        s.inUse = false
        s.generation &+= 1
        if s.fd >= 0 { Glibc.close(s.fd); s.fd = -1 }  // also leaves the epoll set
        s.probe = nil
        s.pending.removeAll(keepingCapacity: true)
        s.sent = 0
        let completion = s.completion
        s.completion = .none
        freeSlots.append(s.slot)
        active -= 1
        switch completion {
        case .tag(let t): onFinish(t, v, now)
        case .closure(let c): c(v)
        case .none: break
        }
    }

    // MARK: Events

    /// The runner's epoll set is readable: handle every ready socket.
    private func dispatch() {
        let now = reactor.clock.now
        while true {
            let n = events.withUnsafeMutableBufferPointer { epoll_wait(epoll.rawValue, $0.baseAddress, Int32($0.count), 0) }
            guard n > 0 else { break }  // nothing (or EINTR): the reactor calls again while it is readable
            for i in 0..<Int(n) {
                let data = events[i].data.u64
                let slot = Int(truncatingIfNeeded: data & 0xFFFF_FFFF)
                guard slot < slots.count else { continue }
                let s = slots[slot]
                // A socket finished earlier in this batch (its slot maybe reused) is not this one.
                guard s.inUse, s.generation == UInt32(truncatingIfNeeded: data >> 32) else { continue }
                handle(s, events[i].events, now)
            }
            if Int(n) < events.count { break }
        }
        armTimer()
    }

    /// `gen` below is the attempt being handled: a completion may start
    /// another attempt in the same (pooled) session, which is not this one.
    private func handle(_ s: ProbeSession, _ ev: UInt32, _ now: Instant) {
        let gen = s.generation
        if s.connecting {
            // A failed connect reports EPOLLERR (and EPOLLHUP); only then is SO_ERROR worth a call.
            if ev & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0, let f = ProbeSocket.pendingError(s.fd) {
                return finish(s, s.probe!.failed(f), now)
            }
            guard ev & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
            s.connecting = false
            let out = s.probe!.connected()
            // TCP_CHECK ends here.
            if let v = out.verdict, out.send.isEmpty { return finish(s, v, now) }
            s.deadline = now + s.timeout
            apply(s, gen, out, now)
            if s.generation != gen { return }
        }
        if ev & EPOLLOUT.rawValue != 0 && s.sent < s.pending.count {
            flush(s, gen, now)
            if s.generation != gen { return }
        }
        if ev & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            receive(s, gen, peerClosing: ev & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0, now)
        }
    }

    /// Reads what is there (edge-triggered: until the socket is drained).
    private func receive(_ s: ProbeSession, _ gen: UInt32, peerClosing: Bool, _ now: Instant) {
        while s.generation == gen {
            switch ProbeSocket.receive(s.fd, into: &buffer) {
            case .failure(let f):
                return finish(s, s.probe!.failed(f), now)
            case .success(nil):
                return
            case .success(0?):
                if s.stream { return finish(s, s.probe!.peerClosed(), now) }
                // An empty datagram is still a reply (not progress: the probe
                // may skip it, and skipped datagrams must not extend the wait).
                apply(s, gen, s.probe!.received([]), now)
            case .success(let n?):
                let bytes = Array(buffer[0..<n])
                if s.stream {
                    s.deadline = now + s.timeout
                    apply(s, gen, s.probe!.received(bytes), now)
                    // A short read emptied the queue: new data is a new edge. Only an
                    // end of stream already signalled is worth reading for now.
                    if n < buffer.count && !peerClosing { return }
                } else {
                    apply(s, gen, s.probe!.received(bytes), now)
                }
            }
        }
    }

    private func apply(_ s: ProbeSession, _ gen: UInt32, _ out: ProbeOutput, _ now: Instant) {
        guard s.generation == gen else { return }
        if !out.send.isEmpty {
            if s.sent == s.pending.count {
                s.pending.removeAll(keepingCapacity: true)
                s.sent = 0
            }
            s.pending += out.send
            flush(s, gen, now)
            if s.generation != gen { return }
        }
        if let v = out.verdict { finish(s, v, now) }
        // Otherwise wait: the socket's registration already covers every event.
    }

    /// Sends what it can; the rest waits for the next EPOLLOUT edge.
    private func flush(_ s: ProbeSession, _ gen: UInt32, _ now: Instant) {
        while s.generation == gen && s.sent < s.pending.count {
            switch ProbeSocket.send(s.fd, s.pending[s.sent...]) {
            case .failure(let f):
                return finish(s, s.probe!.failed(f), now)
            case .success(0):
                // A full send buffer. Streams always wait for EPOLLOUT; a datagram
                // socket (rarely full) starts to now, so the request is not lost.
                if !s.stream && !s.watchingOutput {
                    s.watchingOutput = register(s, EPOLL_CTL_MOD, output: true, now)
                }
                return
            case .success(let n):
                s.sent += n
                if s.stream { s.deadline = now + s.timeout }
            }
        }
    }

    // MARK: Timeouts

    private struct TimeoutEntry: Sendable {
        var slot: Int32
        var generation: UInt32
    }

    private static func moment(_ i: Instant) -> Moment { Moment(microseconds: i.nanoseconds / 1000) }
    private static func instant(_ m: Moment) -> Instant { Instant(nanoseconds: m.microseconds * 1000) }

    private func file(_ s: ProbeSession, at deadline: Instant) {
        timeouts.insert(TimeoutEntry(slot: s.slot, generation: s.generation), at: ProbeRunner.moment(deadline))
        if let at = timerAt, at <= deadline + ProbeRunner.slack { return }
        armTimer()
    }

    private func isLive(_ e: TimeoutEntry) -> Bool {
        let s = slots[Int(e.slot)]
        return s.inUse && s.generation == e.generation
    }

    /// Waits for the earliest live deadline (stale entries at the head go first).
    private func armTimer() {
        while let head = timeouts.first, !isLive(head.item) { timeouts.removeFirst() }
        guard let next = timeouts.earliest.map(ProbeRunner.instant) else {
            if timerAt != nil { reactor.timers.disarm(timer) }
            timerAt = nil
            return
        }
        // Armed no later than needed: when it fires it looks again.
        if let at = timerAt, at <= next + ProbeRunner.slack { return }
        let at = next + ProbeRunner.slack
        timerAt = at
        reactor.timers.arm(timer, at: at)
    }

    private func expire(_ now: Instant) {
        let due = ProbeRunner.moment(now)
        while let (_, e) = timeouts.popDue(due) {
            guard isLive(e) else { continue }
            let s = slots[Int(e.slot)]
            // Progress moved the deadline: file it again for then.
            if s.deadline > now {
                timeouts.insert(e, at: ProbeRunner.moment(s.deadline))
                continue
            }
            finish(s, s.probe!.timedOut(), now)
        }
        armTimer()
    }
}

/// One attempt's state; pooled, so reset by `finish` and reused.
final class ProbeSession {
    enum Completion {
        case tag(UInt64)
        case closure((Verdict) -> Void)
        case none
    }
    let slot: Int32
    /// Changes with each attempt: events and timeouts of an earlier one are stale.
    var generation: UInt32 = 0
    var inUse = false
    var probe: (any Probe)?
    var completion = Completion.none
    var fd: Int32 = -1
    var stream = true
    /// A datagram socket's registration includes EPOLLOUT (after a full send buffer).
    var watchingOutput = false
    var connecting = false
    var timeout = Duration.zero
    var deadline = Instant(nanoseconds: 0)
    /// Bytes to send, of which `sent` are gone.
    var pending: [UInt8] = []
    var sent = 0

    init(slot: Int32) { self.slot = slot }
}
