// A daemon running alone cannot run scripts from inside its own sandbox:
// seccomp filters and no_new_privs are inherited, so a script would be
// held to the daemon's few system calls; nor, confined, can it open its
// configuration file again on SIGHUP. Before entering its sandbox, the
// daemon starts ka-script-host as its own user with no capabilities. The
// host plays the supervisor's part for that one daemon: it reads the
// compiled file and hands the daemon its slice (again on each reload the
// daemon asks for), refuses scripts configured for another user, and runs
// script N on request (the daemon never sends it a command line).
import ConfigModel
import Glibc
import Logging
import Posix
import Reactor
import Wire

public final class ScriptHost {
    let program: ProgramName
    let configPath: String
    let reactor: Reactor
    let logger: Logger
    let channel: Channel
    let runner: ScriptRunner
    let me: ResolvedUser
    private var config: CompiledConfig {
        didSet { slice = CompiledFile.sliceConfig(config, for: program) }
    }
    /// This daemon's part: only its scripts may be run.
    private var slice: CompiledConfig
    private var generation = Generation.initial

    public init(program: ProgramName, configPath: String, fd: Int32, reactor: Reactor, logger: Logger) throws {
        self.program = program
        self.configPath = configPath
        self.reactor = reactor
        self.logger = logger
        let socket = Descriptor(owning: fd)
        try socket.setNonBlocking()
        try socket.setCloseOnExec(true)
        channel = Channel(peer: program, socket: socket)
        runner = ScriptRunner(reactor: reactor, logger: logger, limitBoundingSet: false)
        guard let pw = getpwuid(getuid()) else { throw SysError(call: "getpwuid", errno: .noEntry) }
        me = try UserDirectory.resolve(user: String(cString: pw.pointee.pw_name))
        let loaded = try CompiledFile.load(configPath)
        config = loaded
        slice = CompiledFile.sliceConfig(loaded, for: program)
        try ScriptHost.checkUsers(config, for: program, runningAs: me.name)
    }

    /// A daemon alone may run only its own user's scripts: any script of its
    /// slice configured for someone else is refused at start-up.
    public static func checkUsers(_ c: CompiledConfig, for program: ProgramName, runningAs me: String) throws {
        for s in CompiledFile.sliceConfig(c, for: program).scripts {
            let (user, _) = ScriptRules.userAndGroup(of: s, global: c.config.global)
            if user != me {
                throw ScriptRules.Refusal.otherUser(script: s.argv.joined(separator: " "), wants: user, runningAs: me)
            }
        }
    }

    public func run() throws -> Never {
        try reactor.watch(channel.fd, for: .readable) { [unowned self] _ in self.ready() }
        deliver()
        try reactor.run()
        exit(0)
    }

    /// Sends the daemon its slice of the configuration, as the supervisor would.
    private func deliver() {
        do {
            let bytes = try CompiledFile.slice(config, for: program)
            for chunk in SliceChunking.chunks(of: bytes, generation: generation, program: program) {
                try channel.send(.configSlice(chunk))
            }
        } catch {
            logger.error("cannot hand \(program) its configuration: \(error)")
        }
    }

    private func ready() {
        while channel.isOpen {
            let m: Message?
            do { m = try channel.receive() } catch {
                // The daemon is gone: so is its script host.
                runner.killAll()
                exit(0)
            }
            guard let m else { return }
            switch m {
            case .reload:
                // The daemon got SIGHUP: read the file again and hand it over.
                do {
                    let new = try CompiledFile.load(configPath)
                    try ScriptHost.checkUsers(new, for: program, runningAs: me.name)
                    config = new
                    generation = generation.next
                    deliver()
                } catch {
                    logger.error("reload of \(configPath) failed: \(error); keeping generation \(generation.value)")
                }
            case .configApplied(let a):
                if let e = a.error { logger.error("\(program) refused configuration \(a.generation): \(e)") }
            case .runScript(let r):
                handle(r)
            case .hello, .helloReply, .configSlice, .shutdown, .statusRequest, .statusReply, .peerChange,
                 .realServerVerdict, .realServerFullState, .virtualServerState, .vrrpStateChange, .scriptResult:
                logger.error("\(m.type) from \(program) refused: a script host only runs scripts")
            }
        }
    }

    private func handle(_ r: RunScript) {
        func reply(_ o: ScriptOutcome) {
            try? channel.send(.scriptResult(ScriptResult(generation: r.generation, requestID: r.requestID, script: r.script, outcome: o)))
        }
        guard r.generation == generation else { return reply(.refused("\(r.generation) is not the current \(generation)")) }
        guard r.script >= 0, let script = slice.script(ScriptID(r.script)) else {
            logger.error("\(program) asked for script \(r.script), which its configuration does not have: refused")
            return reply(.refused("no script \(r.script) in \(program)'s configuration"))
        }
        let job: ScriptJob
        do {
            job = try ScriptRules.job(for: script, arguments: r.arguments.words, global: config.config.global,
                                      requestedTimeout: r.timeout)
        } catch {
            return reply(.refused("\(error)"))
        }
        guard job.user.uid == me.uid else {
            return reply(.refused("script \(r.script) is for \(job.user), this daemon runs as \(me)"))
        }
        runner.run(job) { reply($0) }
    }
}
