// Runs scripts: as their user, with no capabilities, a clean environment,
// only descriptors 0-2 (all /dev/null), in their own process group, killed
// with that group at their timeout, reaped through a pidfd. Used by the
// supervisor for every daemon, and by a daemon running alone for itself.
import Glibc
import Logging
import Posix
import Reactor
import Wire

public final class ScriptRunner {
    let reactor: Reactor
    let logger: Logger
    /// Clear the bounding set too (needs CAP_SETPCAP; the supervisor has it).
    let limitBoundingSet: Bool
    private var running: [Int32: ChildProcess] = [:]

    public init(reactor: Reactor, logger: Logger, limitBoundingSet: Bool) {
        self.reactor = reactor
        self.logger = logger
        self.limitBoundingSet = limitBoundingSet
    }

    public var runningCount: Int { running.count }

    /// Starts `job`; `completion` gets the outcome on the reactor thread.
    public func run(_ job: ScriptJob, _ completion: @escaping (ScriptOutcome) -> Void) {
        // Already that user (a daemon's own script host): nothing to switch, and no right to.
        let same = job.user.uid == getuid() && job.user.uid == geteuid() && job.user.gid == getgid()
        let spec = SpawnSpec(path: job.argv[0], arguments: job.argv, environment: ScriptRules.environment,
                             descriptors: [-1, -1, -1], identity: same ? nil : job.user.identity, capabilities: .none,
                             limitBoundingSet: limitBoundingSet, newProcessGroup: true)
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(spec)
        } catch {
            logger.error("script \(job.argv[0]) could not start: \(error)")
            completion(.failedToStart(error.description))
            return
        }
        let pid = child.pid
        running[pid] = child
        logger.debug("script \(job.argv.joined(separator: " ")) started as \(job.user), pid \(pid)")
        do {
            try reactor.watch(child: child, timeout: job.timeout) { [weak self] exit in
                self?.running[pid] = nil
                let outcome: ScriptOutcome
                if exit.timedOut {
                    outcome = .timedOut
                    self?.logger.warning("script \(job.argv[0]) (pid \(pid)) ran past its \(job.timeout) timeout: killed with its process group")
                } else {
                    switch exit.status {
                    case .exited(let s): outcome = .exited(s)
                    case .signaled(let s, _): outcome = .signaled(s)
                    }
                }
                completion(outcome)
            }
        } catch {
            child.kill(SIGKILL)
            _ = child.wait()
            running[pid] = nil
            completion(.failedToStart("\(error)"))
        }
    }

    /// Kills every running script's process group (on shutdown).
    public func killAll() {
        for (_, c) in running { c.kill(SIGKILL) }
    }
}
