// The supervisor's decisions about its children, as pure code on an
// injected clock: when to say hello, when a silent child counts as hung,
// when and whether to respawn one that ended. The executable carries out
// the returned actions (STYLE.md §4); tests drive it with a ManualClock.
import Posix
import Reactor
import Wire

public struct SupervisionPolicy: Sendable, Equatable {
    /// A hello to each child this often.
    public var watchdogPeriod: Duration = .seconds(5)
    /// keepalived's -R turns this off: a child that ends is not replaced and
    /// the supervisor stops.
    public var respawn = true
    /// Respawn delays double from `firstBackoff` up to this.
    public var maxBackoff: Duration = .seconds(30)
    public var firstBackoff: Duration = .seconds(1)
    /// A child that ran this long is considered healthy again: its next
    /// failure is respawned at once.
    public var stableAfter: Duration = .seconds(60)
    public init() {}

    /// A child that has not answered for this long is hung.
    public var hungAfter: Duration { watchdogPeriod * 2 }
}

public enum KillReason: Sendable, Equatable, CustomStringConvertible {
    case hung(silentFor: Duration)
    case protocolViolation(String)
    case shutdown
    public var description: String {
        switch self {
        case .hung(let d): return "hung: no answer to the watchdog for \(d)"
        case .protocolViolation(let why): return "broke the protocol (\(why))"
        case .shutdown: return "did not stop in time"
        }
    }
}

public enum SupervisionAction: Sendable, Equatable {
    case spawn(ProgramName)
    case sendHello(ProgramName, sequence: UInt64)
    case kill(ProgramName, pid: Int32, KillReason)
    case log(LogLevel, String)
    /// Stop everything and exit with this status.
    case terminate(status: Int32, reason: String)
    /// The child ended with `DaemonExitStatus.unavailable`: it stays stopped.
    case unavailable(ProgramName)
}

public enum LogLevel: Sendable, Equatable { case info, notice, warning, error, critical }

public struct ChildRecord: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        /// A spawn action was issued; `started` or `spawnFailed` follows.
        case spawning
        /// Respawn after a back-off delay.
        case respawnAt(Instant)
        case running(pid: Int32, since: Instant)
        case killing(pid: Int32, KillReason)
        case stopped
    }
    public var program: ProgramName
    public var phase: Phase
    public var lastSign: Instant = .zero
    public var nextHello: Instant = .zero
    public var sequence: UInt64 = 0
    public var restarts = 0
    public var consecutiveFailures = 0
}

public struct ChildSupervision: Sendable {
    public let policy: SupervisionPolicy
    public private(set) var children: [ProgramName: ChildRecord] = [:]
    public private(set) var stopping = false
    public private(set) var retiring: Set<ProgramName> = []

    public init(policy: SupervisionPolicy) { self.policy = policy }

    /// Children to start now.
    public mutating func start(_ programs: [ProgramName], now: Instant) -> [SupervisionAction] {
        programs.map { p in
            retiring.remove(p)
            children[p] = ChildRecord(program: p, phase: .spawning)
            return .spawn(p)
        }
    }

    /// The executable started `program` as `pid`.
    public mutating func started(_ program: ProgramName, pid: Int32, now: Instant) -> [SupervisionAction] {
        guard var c = children[program], c.phase == .spawning else { return [] }
        c.phase = .running(pid: pid, since: now)
        c.lastSign = now
        c.nextHello = now + policy.watchdogPeriod
        children[program] = c
        return [.log(.info, "Starting \(program) child process, pid=\(pid)")]
    }

    /// Starting failed (exec error and the like): counts as a failure.
    public mutating func spawnFailed(_ program: ProgramName, error: String, now: Instant) -> [SupervisionAction] {
        guard var c = children[program], c.phase == .spawning else { return [] }
        c.consecutiveFailures += 1
        children[program] = c
        return [.log(.error, "cannot start \(program): \(error)")] + afterEnd(program, now: now)
    }

    /// The child sent something that is not a valid frame, or not admissible:
    /// its channel is closed and it is replaced.
    public mutating func misbehaved(_ program: ProgramName, _ why: String) -> [SupervisionAction] {
        guard var c = children[program], case .running(let pid, _) = c.phase else { return [] }
        let reason = KillReason.protocolViolation(why)
        c.phase = .killing(pid: pid, reason)
        children[program] = c
        return [.log(.error, "\(program) (pid \(pid)) \(reason): killing it"), .kill(program, pid: pid, reason)]
    }

    /// The configuration no longer needs `program`: once it exits it is not replaced.
    public mutating func retire(_ program: ProgramName) {
        retiring.insert(program)
    }

    /// Any sign of life: a hello reply (or any well-formed message) from the child.
    public mutating func alive(_ program: ProgramName, now: Instant) {
        guard var c = children[program], case .running = c.phase else { return }
        c.lastSign = now
        children[program] = c
    }

    /// A watchdog reply; a reply to an old hello still shows the thread runs.
    public mutating func helloReply(_ program: ProgramName, sequence: UInt64, now: Instant) {
        alive(program, now: now)
    }

    /// The child ended (reaped through its pidfd).
    public mutating func exited(_ program: ProgramName, pid: Int32, status: ExitStatus, now: Instant) -> [SupervisionAction] {
        guard var c = children[program] else { return [] }
        var actions: [SupervisionAction] = []
        let cause: String
        var ranFor: Duration = .zero
        var killedByUs = false
        switch c.phase {
        case .killing(let p, let reason) where p == pid:
            cause = "\(reason), killed"
            killedByUs = true
        case .running(let p, let since) where p == pid:
            ranFor = now - since
            cause = status.description
        default:
            return []  // not the current child
        }
        if stopping || retiring.contains(program) {
            retiring.remove(program)
            if stopping { c.phase = .stopped; children[program] = c } else { children[program] = nil }
            return [.log(.info, "\(program) (pid \(pid)) stopped: \(status)")]
        }
        // What it needs is missing from this host (ipvs-applier without IPVS):
        // not respawned, and the others keep running; a reload starts it again.
        if !killedByUs, case .exited(DaemonExitStatus.unavailable) = status {
            c.phase = .stopped
            children[program] = c
            return [.log(.error, "\(program) (pid \(pid)) exited with status \(DaemonExitStatus.unavailable): "
                        + "what it needs is not available on this host; not respawned"),
                    .unavailable(program)]
        }
        var sigsys = false
        if case .signaled(linuxSIGSYS, _) = status { sigsys = true }
        actions.append(.log(.error, "\(program) (pid \(pid)) \(cause)\(sigsys ? " (a system call outside its seccomp policy)" : "")"))
        c.consecutiveFailures = ranFor >= policy.stableAfter ? 1 : c.consecutiveFailures + 1
        children[program] = c
        // keepalived: a child that exits with a fatal (1) or configuration (2)
        // status would fail again the same way; stop rather than loop.
        if !killedByUs, case .exited(let s) = status, s == 1 || s == 2 {
            c.phase = .stopped
            children[program] = c
            return actions + [.terminate(status: s, reason: "\(program) exited with permanent error status \(s): stopping")]
        }
        return actions + afterEnd(program, now: now)
    }

    private mutating func afterEnd(_ program: ProgramName, now: Instant) -> [SupervisionAction] {
        guard var c = children[program] else { return [] }
        guard policy.respawn else {
            c.phase = .stopped
            children[program] = c
            return [.terminate(status: 1, reason: "\(program) ended and -R (--dont-respawn) is set: not respawning, stopping")]
        }
        let delay = backoff(failures: c.consecutiveFailures)
        c.restarts += 1
        if delay == .zero {
            c.phase = .spawning
            children[program] = c
            return [.log(.notice, "respawning \(program)"), .spawn(program)]
        }
        c.phase = .respawnAt(now + delay)
        children[program] = c
        return [.log(.notice, "respawning \(program) in \(delay) (failure \(c.consecutiveFailures) in a row)")]
    }

    /// 0 for the first failure in a row, then firstBackoff, doubling, capped.
    public func backoff(failures: Int) -> Duration {
        guard failures > 1 else { return .zero }
        var d = policy.firstBackoff
        for _ in 2..<failures {
            d = d * 2
            if d >= policy.maxBackoff { return policy.maxBackoff }
        }
        return min(d, policy.maxBackoff)
    }

    /// Hellos that are due, hung children, and delayed respawns.
    public mutating func tick(now: Instant) -> [SupervisionAction] {
        var actions: [SupervisionAction] = []
        for program in children.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard var c = children[program] else { continue }
            switch c.phase {
            case .running(let pid, _):
                let silent = now - c.lastSign
                if !stopping && silent >= policy.hungAfter {
                    let reason = KillReason.hung(silentFor: silent)
                    c.phase = .killing(pid: pid, reason)
                    actions.append(.log(.error, "\(program) (pid \(pid)) \(reason): killing it"))
                    actions.append(.kill(program, pid: pid, reason))
                } else if now >= c.nextHello {
                    c.sequence += 1
                    // Keep the phase: a late tick sends one hello, not a burst.
                    while c.nextHello <= now { c.nextHello = c.nextHello + policy.watchdogPeriod }
                    actions.append(.sendHello(program, sequence: c.sequence))
                }
            case .respawnAt(let at) where !stopping && at <= now:
                c.phase = .spawning
                actions.append(.spawn(program))
            default:
                break
            }
            children[program] = c
        }
        return actions
    }

    /// When `tick` next has something to do.
    public var nextWakeup: Instant? {
        var best: Instant?
        for c in children.values {
            var t: Instant?
            switch c.phase {
            case .running:
                // While stopping nobody is judged hung; hellos continue.
                t = stopping ? c.nextHello : min(c.nextHello, c.lastSign + policy.hungAfter)
            case .respawnAt(let at): t = at
            default: t = nil
            }
            if let t, best == nil || t < best! { best = t }
        }
        return best
    }

    /// Begins an ordered stop: nothing is respawned from here on.
    public mutating func beginStop() {
        stopping = true
        for (p, c) in children {
            if case .respawnAt = c.phase { children[p]?.phase = .stopped }
        }
    }

    /// Running children, in the order they are stopped (keepalived stops
    /// VRRP before the checkers: addresses go before the services behind them).
    public var runningChildren: [(ProgramName, Int32)] {
        let order: [ProgramName] = [.vrrpd, .checkd, .ipvsApplier]
        return order.compactMap { p in
            guard let c = children[p] else { return nil }
            switch c.phase {
            case .running(let pid, _), .killing(let pid, _): return (p, pid)
            default: return nil
            }
        }
    }

    public var allStopped: Bool { runningChildren.isEmpty }
}

/// SIGSYS on Linux (x86-64 and arm64): what a seccomp kill looks like.
let linuxSIGSYS: Int32 = 31
