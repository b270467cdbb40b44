// Runs probes on the reactor: one socket per attempt (no keep-alive, as
// keepalived), a non-blocking connect, the probe fed with every event, and
// connect_timeout re-armed on each bit of progress. Each attempt ends in
// exactly one call of its completion.
import Checkers
import Glibc
import Posix
import Reactor

public final class ProbeRunner {
    let reactor: Reactor
    /// One receive buffer for every session: the reactor runs one handler at a time.
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// Sessions in flight, kept alive here until they finish.
    var sessions: [ObjectIdentifier: ProbeSession] = [:]
    public var active: Int { sessions.count }

    public init(reactor: Reactor) { self.reactor = reactor }

    /// Starts `probe`; `completion` runs once with the verdict, possibly
    /// before `start` returns (e.g. a socket that cannot be opened).
    public func start(_ probe: any Probe, timeout: Duration, completion: @escaping (Verdict) -> Void) {
        let session = ProbeSession(runner: self, probe: probe, timeout: timeout, completion: completion)
        sessions[ObjectIdentifier(session)] = session
        session.begin()
    }
}

final class ProbeSession {
    private unowned let runner: ProbeRunner
    private var probe: any Probe
    private let timeout: Duration
    private let completion: (Verdict) -> Void
    private var fd: Int32 = -1
    private var watch: WatchID?
    private var timer: TimerID?
    private var pending: [UInt8] = []
    private var connecting = false
    private var finished = false

    init(runner: ProbeRunner, probe: any Probe, timeout: Duration, completion: @escaping (Verdict) -> Void) {
        self.runner = runner
        self.probe = probe
        self.timeout = timeout
        self.completion = completion
    }

    func begin() {
        let start: ConnectStart
        do {
            (fd, start) = try ProbeSocket.open(probe.transport)
        } catch {
            switch error {
            case .setup(let why): return finish(.fail(.socketError(why)))
            case .failure(let f): return finish(probe.failed(f))
            }
        }
        armTimeout()
        switch start {
        case .connected:
            connecting = false
            if !watchFor(.readable) { return }
            apply(probe.connected())
        case .inProgress:
            connecting = true
            _ = watchFor(.writable)
        }
    }

    private func watchFor(_ events: IOEvents) -> Bool {
        do {
            if let w = watch {
                try runner.reactor.modify(w, events: events)
            } else {
                watch = try runner.reactor.watch(fd, for: events) { [unowned self] ready in self.ready(ready) }
            }
            return true
        } catch {
            finish(.fail(.socketError("epoll: \(error)")))
            return false
        }
    }

    private func armTimeout() {
        if let t = timer { runner.reactor.cancel(t) }
        timer = runner.reactor.schedule(after: timeout) { [unowned self] in
            self.timer = nil
            self.finish(self.probe.timedOut())
        }
    }

    private func ready(_ events: IOEvents) {
        guard !finished else { return }
        if connecting {
            if let f = ProbeSocket.pendingError(fd) { return finish(probe.failed(f)) }
            connecting = false
            let out = probe.connected()
            // TCP_CHECK ends here: no timer or epoll change for nothing.
            if let v = out.verdict, out.send.isEmpty { return finish(v) }
            armTimeout()
            apply(out)
            return
        }
        if events.contains(.writable) && !pending.isEmpty {
            flush()
            if finished { return }
        }
        if events.contains(.readable) || events.contains(.hangup) || events.contains(.error) {
            receive()
        }
    }

    private func receive() {
        while !finished {
            switch ProbeSocket.receive(fd, into: &runner.buffer) {
            case .failure(let f):
                return finish(probe.failed(f))
            case .success(nil):
                return
            case .success(0?):
                if case .stream = probe.transport { return finish(probe.peerClosed()) }
                // An empty datagram is still a reply (not progress: the probe
                // may skip it, and skipped datagrams must not extend the wait).
                apply(probe.received([]))
            case .success(let n?):
                if case .stream = probe.transport {
                    armTimeout()
                    apply(probe.received(Array(runner.buffer[0..<n])))
                } else {
                    apply(probe.received(Array(runner.buffer[0..<n])))
                    return  // one datagram per readiness
                }
            }
        }
    }

    private func apply(_ out: ProbeOutput) {
        guard !finished else { return }
        if !out.send.isEmpty {
            pending += out.send
            flush()
            if finished { return }
        }
        if let v = out.verdict { return finish(v) }
        _ = watchFor(pending.isEmpty ? .readable : [.readable, .writable])
    }

    private func flush() {
        while !pending.isEmpty {
            switch ProbeSocket.send(fd, pending[...]) {
            case .failure(let f):
                return finish(probe.failed(f))
            case .success(0):
                return
            case .success(let n):
                pending.removeFirst(n)
                armTimeout()
            }
        }
    }

    private func finish(_ v: Verdict) {
        guard !finished else { return }
        finished = true
        if let w = watch { runner.reactor.unwatch(w); watch = nil }
        if let t = timer { runner.reactor.cancel(t); timer = nil }
        if fd >= 0 { Glibc.close(fd); fd = -1 }
        runner.sessions[ObjectIdentifier(self)] = nil
        completion(v)
    }
}
