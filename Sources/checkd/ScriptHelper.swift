// Scripts of checkd running alone. A seccomp filter is inherited by every
// child and kept across execve, so scripts started by the sandboxed checkd
// would be bound by checkd's small allowlist. Before entering its sandbox,
// checkd therefore starts this helper (the same executable, as the checkd
// user, no capabilities, no_new_privs through the spawn shim's clean start,
// no seccomp): it runs script N of the compiled configuration on request
// and answers with how it ended, over a SOCK_SEQPACKET pair, using the same
// RunScript / ScriptResult messages the supervisor answers.
import Checkers
import ConfigModel
import Glibc
import Logging
import Posix
import Reactor
import Wire

/// checkd's side: sends requests, matches results.
final class HelperScripts: ScriptExecutor {
    private let channel: Channel
    private let reactor: Reactor
    private let logger: Logger
    private var watch: WatchID?
    private var pending: [UInt64: (ScriptEnd) -> Void] = [:]
    private var nextID: UInt64 = 1
    var generation = Generation(1)
    var running: Int { pending.count }

    init(fd: consuming Descriptor, reactor: Reactor, logger: Logger) throws(SysError) {
        channel = Channel(peer: .supervisor, socket: fd)
        self.reactor = reactor
        self.logger = logger
        watch = try reactor.watch(channel.fd, for: .readable) { [unowned self] _ in self.readable() }
    }

    /// Starts the helper process; returns checkd's end of the pair.
    static func spawn(config path: String, user: String?, logger: Logger) throws -> Descriptor {
        let pair = try SeqPacket.pair()
        let exe = PolicyDirectoryPath.executable()
        var identity: SpawnSpec.Identity?
        if geteuid() == 0, let user, let pw = getpwnam(user) {
            identity = SpawnSpec.Identity(uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid, groups: [pw.pointee.pw_gid])
        }
        let spec = SpawnSpec(path: exe, arguments: [exe, "--script-helper", "--compiled", path],
                             environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"],
                             descriptors: [-1, 2, 2, pair.second.rawValue], identity: identity, capabilities: .none,
                             limitBoundingSet: geteuid() == 0, newProcessGroup: false, parentDeathSignal: SIGKILL)
        _ = try ChildProcess.spawn(spec)
        return try pair.first.duplicate()
    }

    func run(_ id: ScriptID, timeout: Interval?, completion: @escaping (ScriptEnd) -> Void) {
        let rid = nextID
        nextID += 1
        pending[rid] = completion
        // The helper applies misc_timeout itself, from the same configuration.
        do {
            try channel.send(.runScript(RunScript(generation: generation, requestID: rid, script: id.index)))
        } catch {
            pending[rid] = nil
            completion(.couldNotRun("script helper: \(error)"))
        }
    }

    private func readable() {
        do {
            while let m = try channel.receive() {
                guard case .scriptResult(let r) = m, let done = pending.removeValue(forKey: r.requestID) else { continue }
                switch r.outcome {
                case .exited(let s): done(.exited(s))
                case .signaled(let s): done(.signaled(s))
                case .timedOut: done(.timedOut)
                case .failedToStart(let why), .refused(let why): done(.couldNotRun(why))
                }
            }
        } catch {
            logger.error("script helper lost: \(error); scripts now fail")
            if let w = watch { reactor.unwatch(w); watch = nil }
            channel.close()
            let all = pending
            pending = [:]
            for (_, done) in all { done(.couldNotRun("script helper lost")) }
        }
    }
}

/// The helper process itself: `checkd --script-helper --compiled FILE`, fd 3 is its channel.
enum ScriptHelperMain {
    static func run(configPath: String) -> Never {
        var handler = StreamLogHandler.standardError(label: "checkd-scripts")
        handler.logLevel = .info
        let logger = Logger(label: "checkd-scripts", factory: { _ in handler })
        do {
            let reactor = try Reactor()
            var config = (try? loadConfig(configPath).get()) ?? CompiledConfig()
            let scripts = LocalScripts(reactor: reactor, config: config)
            var timeouts = miscTimeouts(config)
            let socket = Descriptor(owning: 3)
            try socket.setNonBlocking()
            try socket.setCloseOnExec(true)
            let channel = Channel(peer: .checkd, socket: socket)
            try reactor.watch(channel.fd, for: .readable) { _ in
                do {
                    while let m = try channel.receive() {
                        guard case .runScript(let req) = m else { continue }
                        if req.generation.value > config.generation, let fresh = try? loadConfig(configPath).get() {
                            config = fresh
                            scripts.scripts = Dictionary(fresh.scripts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
                            timeouts = miscTimeouts(fresh)
                        }
                        let timeout = timeouts[ScriptID(req.script)]
                        scripts.run(ScriptID(req.script), timeout: timeout) { end in
                            let outcome: ScriptOutcome
                            switch end {
                            case .exited(let s): outcome = .exited(s)
                            case .signaled(let s): outcome = .signaled(s)
                            case .timedOut: outcome = .timedOut
                            case .couldNotRun(let why): outcome = .failedToStart(why)
                            }
                            try? channel.send(.scriptResult(ScriptResult(generation: req.generation, requestID: req.requestID,
                                                                         script: req.script, outcome: outcome)))
                        }
                    }
                } catch {
                    // checkd is gone: so are we.
                    exit(0)
                }
            }
            try reactor.run()
        } catch {
            logger.critical("script helper: \(error)")
        }
        exit(1)
    }
}

/// misc_timeout of every MISC_CHECK script, after inheritance (default: the checker's delay_loop).
func miscTimeouts(_ config: CompiledConfig) -> [ScriptID: Interval] {
    var out: [ScriptID: Interval] = [:]
    for vs in PlanBuilder.build(config.config).virtualServers {
        for rs in vs.realServers {
            for c in rs.checkers { if case .misc(let m) = c.probe { out[m.script] = m.timeout } }
        }
    }
    return out
}

enum PolicyDirectoryPath {
    /// This executable's path (/proc/self/exe).
    static func executable() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }
}
