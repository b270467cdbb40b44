// Running scripts (MISC_CHECK, notify_up/down, quorum_up/down). Under the
// supervisor, checkd asks it to run script N (the supervisor owns users and
// privileges); alone, checkd runs them itself as its own user, and refuses
// at start-up a configuration that asks for another user.
import Checkers
import ConfigModel
import Glibc
import Posix
import Reactor

protocol ScriptExecutor: AnyObject {
    /// Runs script `id` of the configuration, killed after `timeout`.
    func run(_ id: ScriptID, timeout: Interval?, completion: @escaping (ScriptEnd) -> Void)
    var running: Int { get }
}

/// checkd alone: scripts run as checkd's own user, no capabilities, a clean
/// environment, descriptors 0-2 on /dev/null, own process group, killed at
/// the timeout with that group, reaped through a pidfd.
final class LocalScripts: ScriptExecutor {
    let reactor: Reactor
    var scripts: [ScriptID: Script]
    private(set) var running = 0
    /// Notify scripts have no timeout of their own in keepalived's checker; bound them anyway.
    static let defaultTimeout = Interval.seconds(30)

    init(reactor: Reactor, config: CompiledConfig) {
        self.reactor = reactor
        scripts = Dictionary(config.scripts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Scripts that ask for another user than ours: checkd alone cannot honour them.
    static func foreignUsers(in config: CompiledConfig, ownUser: String?) -> [String] {
        config.scripts.compactMap { s in
            guard let u = s.user, u != ownUser else { return nil }
            return "\(s.argv.first ?? "?") wants user \(u)"
        }
    }

    func run(_ id: ScriptID, timeout: Interval?, completion: @escaping (ScriptEnd) -> Void) {
        guard let script = scripts[id], let path = script.argv.first else {
            completion(.couldNotRun("no script #\(id.index) in this configuration"))
            return
        }
        let spec = SpawnSpec(path: path, arguments: script.argv,
                             environment: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                             descriptors: [-1, -1, -1], identity: nil, capabilities: .none,
                             limitBoundingSet: false, newProcessGroup: true)
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(spec)
        } catch {
            completion(.couldNotRun(error.description))
            return
        }
        running += 1
        let limit = (script.timeout ?? timeout ?? LocalScripts.defaultTimeout).duration
        do {
            try reactor.watch(child: child, timeout: limit) { [weak self] exit in
                self?.running -= 1
                if exit.timedOut { return completion(.timedOut) }
                switch exit.status {
                case .exited(let s): completion(.exited(s))
                case .signaled(let s, _): completion(.signaled(s))
                }
            }
        } catch {
            child.kill(SIGKILL)
            _ = child.wait()
            running -= 1
            completion(.couldNotRun("cannot watch child: \(error)"))
        }
    }
}
