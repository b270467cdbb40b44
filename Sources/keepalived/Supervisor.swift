// The supervisor at run time: one reactor thread holding every child's
// pidfd and channel, the watchdog's timer, and the signals. Decisions about
// children come from `Supervision` (pure, tested on a virtual clock); this
// file carries them out.
import ConfigModel
import DaemonSupport
import Glibc
import Logging
import Posix
import Reactor
import Supervision
import Wire

final class Supervisor {
    struct Settings {
        var configPath: String
        var selection: DaemonSelection
        var policy: SupervisionPolicy
        var policyDirectory: String
        var logSettings: LogSettings
        var facilityName: String
        var releaseVIPs: Bool
        var releaseIPVS: Bool
        var vrrpPidFile: String
        var checkersPidFile: String
        var daemonDirectory: String
    }

    /// A started child: its process, its channel, what it runs.
    final class RunningChild {
        let program: ProgramName
        let process: ChildProcess
        let channel: Channel
        var watch: WatchID?
        var applied: Generation?
        init(program: ProgramName, process: ChildProcess, channel: Channel) {
            self.program = program
            self.process = process
            self.channel = channel
        }
    }

    let settings: Settings
    let reactor: Reactor
    let logger: Logger
    let compiler: ConfigCompiler
    let scripts: ScriptRunner
    var supervision: ChildSupervision
    var compiled: CompiledConfig {
        didSet { slices = [:] }
    }
    /// Each program's slice of `compiled`, made when first needed.
    var slices: [ProgramName: CompiledConfig] = [:]
    var generation = Generation.initial
    var children: [ProgramName: RunningChild] = [:]
    var wakeTimer: TimerID?
    var status: StatusCollection?
    var nextStatusRequest: UInt64 = 1
    var stopSequence: [ProgramName] = []
    /// The child being stopped now, and its deadline.
    var stopping: ProgramName?
    var stopTimer: TimerID?
    var exitStatus: Int32 = 0
    var shuttingDown = false
    var finishing = false

    init(settings: Settings, compiled: CompiledConfig, compiler: ConfigCompiler, reactor: Reactor, logger: Logger) {
        self.settings = settings
        self.compiled = compiled
        self.compiler = compiler
        self.reactor = reactor
        self.logger = logger
        supervision = ChildSupervision(policy: settings.policy)
        scripts = ScriptRunner(reactor: reactor, logger: logger, limitBoundingSet: true)
    }

    var now: Instant { reactor.clock.now }

    // MARK: Start

    func start() throws {
        try reactor.handleSignals([SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, Banner.statsClearSignal, Banner.jsonSignal]) {
            [unowned self] e in self.signal(e)
        }
        let wanted = settings.selection.programs(for: compiled.config)
        if wanted.isEmpty {
            logger.warning("the configuration asks for neither VRRP nor virtual servers: no daemon to run")
        }
        for p in wanted where !isInstalled(p) {
            throw SupervisorFailure("\(p) is needed by this configuration but not installed at \(daemonPath(p))")
        }
        // keepalived runs global_defs' startup_script before anything else.
        runOwnScript(compiled.config.global.startupScript, name: "startup_script",
                     timeout: compiled.config.global.startupScriptTimeout) { [unowned self] in
            self.perform(self.supervision.start(wanted, now: self.now))
            self.logger.info("Startup complete")
        }
    }

    /// Runs one of the supervisor's own scripts (startup_script,
    /// shutdown_script) as a daemon's script is run, then `then`.
    func runOwnScript(_ script: Script?, name: String, timeout: Int, then: @escaping () -> Void) {
        guard var script else { return then() }
        if script.timeout == nil { script.timeout = .seconds(Int64(timeout)) }
        let job: ScriptJob
        do { job = try ScriptRules.job(for: script, arguments: [], global: compiled.config.global) } catch {
            logger.error("\(name) not run: \(error)")
            return then()
        }
        logger.info("running \(name) as \(job.user): \(job.argv.joined(separator: " "))")
        scripts.run(job) { [weak self] outcome in
            self?.logger.info("\(name) \(outcome)")
            then()
        }
    }

    func daemonPath(_ p: ProgramName) -> String { "\(settings.daemonDirectory)/\(p.rawValue)" }
    func isInstalled(_ p: ProgramName) -> Bool { access(daemonPath(p), X_OK) == 0 }

    // MARK: Carrying out decisions

    func perform(_ actions: [SupervisionAction]) {
        for a in actions {
            switch a {
            case .spawn(let p): spawn(p)
            case .sendHello(let p, let seq): send(.hello(Hello(sequence: seq)), to: p)
            case .kill(let p, _, _): children[p]?.process.kill(SIGKILL)
            case .log(let level, let text): log(level, text)
            case .terminate(let status, let reason):
                logger.critical("\(reason)")
                beginShutdown(status: status)
            case .unavailable(let p):
                unavailable(p)
            }
        }
        rearm()
    }

    /// A daemon found what it needs missing from this host and stays
    /// stopped; say once, in the operator's terms, what that means.
    func unavailable(_ p: ProgramName) {
        switch p {
        case .ipvsApplier:
            let others = children.keys.filter { $0 != p }.map(\.rawValue).sorted()
            let running = others.isEmpty ? "" : "\(others.joined(separator: " and ")) keep running "
            logger.error("IPVS is not available on this host: virtual servers are not placed in the kernel. \(running)(checkd's verdicts are logged and its notify scripts run, VRRP is unaffected). After 'modprobe ip_vs', reload keepalived (SIGHUP) to start ipvs-applier again.")
        case .vrrpd, .checkd, .supervisor:
            logger.error("\(p) stays stopped until the next reload (SIGHUP)")
        }
        let alive = supervision.children.values.contains { $0.phase != .stopped }
        if !alive && !shuttingDown {
            logger.critical("no daemon left to run: stopping")
            beginShutdown(status: 1)
        }
    }

    func log(_ level: Supervision.LogLevel, _ text: String) {
        switch level {
        case .info: logger.info("\(text)")
        case .notice: logger.notice("\(text)")
        case .warning: logger.warning("\(text)")
        case .error: logger.error("\(text)")
        case .critical: logger.critical("\(text)")
        }
    }

    /// One timer, at the watchdog's next deadline.
    func rearm() {
        if let t = wakeTimer { reactor.cancel(t) }
        wakeTimer = nil
        guard let next = supervision.nextWakeup else { return }
        let delay = max(.zero, next - now)
        wakeTimer = reactor.schedule(after: delay) { [unowned self] in
            self.wakeTimer = nil
            self.perform(self.supervision.tick(now: self.now))
        }
    }

    // MARK: Children

    func spawn(_ p: ProgramName) {
        do {
            let child = try startChild(p)
            children[p] = child
            perform(supervision.started(p, pid: child.process.pid, now: now))
            writeChildPidFile(p, pid: child.process.pid)
            for (other, c) in children where other != p {
                send(.peerChange(PeerChange(program: p, up: true)), to: other)
                send(.peerChange(PeerChange(program: other, up: true)), to: p)
                _ = c
            }
            deliverConfiguration(to: child)
        } catch {
            perform(supervision.spawnFailed(p, error: "\(error)", now: now))
        }
    }

    func startChild(_ p: ProgramName) throws -> RunningChild {
        let profile = ProgramProfile.of(p)
        let user = try UserDirectory.resolve(user: profile.user)
        let pair = try SeqPacket.pair()
        let ours = pair.first, theirs = pair.second
        let path = daemonPath(p)
        let args = [path] + DaemonOptions.supervisedArguments(
            fd: 3, policyDirectory: settings.policyDirectory, logSettings: settings.logSettings,
            facilityName: settings.facilityName)
        let spec = SpawnSpec(path: path, arguments: args, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"],
                             descriptors: [-1, 1, 2, theirs.rawValue], identity: user.identity,
                             capabilities: profile.capabilities, limitBoundingSet: true, newProcessGroup: true,
                             parentDeathSignal: SIGTERM)
        let process = try ChildProcess.spawn(spec)
        try theirs.close()
        let child = RunningChild(program: p, process: process, channel: Channel(peer: p, socket: ours))
        try reactor.watch(child: process) { [unowned self, unowned child] exit in self.exited(child, exit) }
        child.watch = try reactor.watch(child.channel.fd, for: .readable) { [unowned self, unowned child] events in
            self.ready(child, events)
        }
        return child
    }

    func exited(_ child: RunningChild, _ exit: ChildExit) {
        if let w = child.watch { reactor.unwatch(w) }
        child.channel.close()
        let p = child.program
        if children[p] === child {
            children[p] = nil
            removeChildPidFile(p, pid: child.process.pid)
            for other in children.keys { send(.peerChange(PeerChange(program: p, up: false)), to: other) }
        }
        status?.gone(p)
        finishStatusIfComplete()
        perform(supervision.exited(p, pid: child.process.pid, status: exit.status, now: now))
        if shuttingDown { continueShutdown() }
    }

    func send(_ m: Message, to p: ProgramName) {
        guard let c = children[p], c.channel.isOpen else { return }
        do {
            try c.channel.send(m)
            if let w = c.watch { try? reactor.modify(w, events: c.channel.wantsWrite ? [.readable, .writable] : .readable) }
        } catch {
            logger.error("cannot send \(m.type) to \(p): \(error)")
        }
    }

    func ready(_ child: RunningChild, _ events: IOEvents) {
        let p = child.program
        if events.contains(.writable) {
            try? child.channel.flush()
            if let w = child.watch { try? reactor.modify(w, events: child.channel.wantsWrite ? [.readable, .writable] : .readable) }
        }
        while child.channel.isOpen {
            let m: Message?
            do { m = try child.channel.receive() } catch {
                if let w = child.watch { reactor.unwatch(w); child.watch = nil }
                child.channel.close()
                if error == .peerClosed { return }  // it is exiting; the pidfd will say how
                logger.error("closing the channel to \(p) (pid \(child.process.pid)): \(error)")
                perform(supervision.misbehaved(p, "\(error)"))
                return
            }
            guard let m else { return }
            supervision.alive(p, now: now)
            do {
                handle(try Routing.admit(m, from: p), from: child)
            } catch {
                logger.error("\(error) (pid \(child.process.pid))")
            }
        }
    }

    func handle(_ a: Admitted, from child: RunningChild) {
        let p = child.program
        switch a {
        case .helloReply(let r):
            supervision.helloReply(p, sequence: r.sequence, now: now)
        case .configApplied(let c):
            if let e = c.error {
                logger.error("\(p) refused configuration \(c.generation): \(e)")
            } else {
                child.applied = c.generation
                logger.info("\(p) runs configuration \(c.generation)")
            }
        case .statusReply(let r):
            status?.add(r)
            finishStatusIfComplete()
        case .runScript(let r):
            runScript(r, for: child)
        case .relay(let m, let targets):
            for t in targets { send(m, to: t) }
        }
    }

    // MARK: Configuration

    func slice(for p: ProgramName) throws -> [UInt8] {
        try CompiledFile.slice(compiled, for: p)
    }

    func deliverConfiguration(to child: RunningChild) {
        do {
            let bytes = try slice(for: child.program)
            for chunk in SliceChunking.chunks(of: bytes, generation: generation, program: child.program) {
                send(.configSlice(chunk), to: child.program)
            }
        } catch {
            logger.error("cannot encode the configuration for \(child.program): \(error)")
        }
    }

    func reload() {
        guard !shuttingDown else { return logger.info("SIGHUP while stopping: ignored") }
        logger.info("Reloading")
        let new: CompiledConfig
        do {
            new = try compiler.compile(settings.configPath)
        } catch {
            logger.error("reload failed: \(error.summary)")
            for d in error.diagnostics { logger.error("\(d)") }
            logger.error("keeping the running configuration (\(generation))")
            return
        }
        compiled = new
        generation = generation.next
        let wanted = settings.selection.programs(for: compiled.config)
        for (p, c) in children {
            if wanted.contains(p) {
                send(.reload(Reload(generation: generation)), to: p)
                deliverConfiguration(to: c)
            } else {
                logger.info("\(p) is not needed by the new configuration: stopping it")
                supervision.retire(p)
                send(.shutdown(Shutdown(reason: .reload, releaseVIPs: settings.releaseVIPs, releaseIPVS: settings.releaseIPVS)), to: p)
            }
        }
        let missing = wanted.filter { children[$0] == nil && isInstalled($0) }
        perform(supervision.start(missing, now: now))
        logger.info("configuration \(generation) delivered")
    }

    // MARK: Scripts

    func runScript(_ r: RunScript, for child: RunningChild) {
        let p = child.program
        func reply(_ outcome: ScriptOutcome) {
            guard children[p] === child else { return }
            send(.scriptResult(ScriptResult(generation: r.generation, requestID: r.requestID, script: r.script, outcome: outcome)), to: p)
        }
        guard r.generation == generation else {
            logger.warning("\(p) asked for script \(r.script) under \(r.generation), current is \(generation): refused")
            return reply(.refused("\(r.generation) is not the current \(generation)"))
        }
        guard let script = allowedScript(r.script, for: p) else {
            logger.error("\(p) (pid \(child.process.pid)) asked for script \(r.script), which its configuration does not have: refused")
            return reply(.refused("no script \(r.script) in \(p)'s configuration"))
        }
        if case .vrrpNotify = r.arguments, p != .vrrpd {
            logger.error("\(p) asked for VRRP notify arguments: refused")
            return reply(.refused("only vrrpd passes notify arguments"))
        }
        let job: ScriptJob
        do { job = try ScriptRules.job(for: script, arguments: r.arguments.words, global: compiled.config.global) } catch {
            logger.error("script \(r.script) for \(p) not run: \(error)")
            return reply(.refused("\(error)"))
        }
        logger.info("running script \(r.script) for \(p) as \(job.user): \(job.argv.joined(separator: " "))")
        scripts.run(job) { [weak self] outcome in
            self?.logger.info("script \(r.script) for \(p) \(outcome)")
            reply(outcome)
        }
    }

    /// Script `index`, if it belongs to `p`'s part of the configuration
    /// (a daemon may ask only for the scripts of its own sections).
    func allowedScript(_ index: Int, for p: ProgramName) -> Script? {
        guard index >= 0 else { return nil }
        if slices[p] == nil { slices[p] = CompiledFile.sliceConfig(compiled, for: p) }
        return slices[p]?.script(ScriptID(index))
    }

    // MARK: Signals

    func signal(_ e: SignalEvent) {
        switch e.signal {
        case SIGHUP: reload()
        case SIGTERM, SIGINT:
            logger.info("\(SignalName.of(e.signal)) received: stopping")
            beginShutdown(status: 0)
        case SIGUSR1: requestStatus(.data)
        case SIGUSR2: requestStatus(.stats)
        case Banner.statsClearSignal: requestStatus(.statsClear)
        case Banner.jsonSignal: logger.warning("the JSON dump (keepalived's JSON signal) is not supported yet")
        default: break
        }
    }

    // MARK: Status dumps

    func requestStatus(_ kind: StatusKind) {
        guard status == nil else {
            logger.warning("a status dump is already being collected: \(kind.rawValue) request ignored")
            return
        }
        let id = nextStatusRequest
        nextStatusRequest += 1
        let programs = Set(children.keys)
        status = StatusCollection(requestID: id, kind: kind, expected: programs)
        for p in programs { send(.statusRequest(StatusRequest(requestID: id, kind: kind)), to: p) }
        reactor.schedule(after: .seconds(3)) { [weak self] in
            guard let self, let s = self.status, s.requestID == id else { return }
            self.logger.warning("no status from \(s.missing.map(\.rawValue).sorted().joined(separator: ", ")) in 3 s: writing what arrived")
            self.writeStatus(s)
        }
        finishStatusIfComplete()
    }

    func finishStatusIfComplete() {
        guard let s = status, s.complete else { return }
        writeStatus(s)
    }

    func writeStatus(_ s: StatusCollection) {
        status = nil
        let path: String
        let text: String
        switch s.kind {
        case .data:
            path = "/tmp/keepalived.data"
            text = StatusFiles.data(s.replies, header: ["------< keepalived supervisor (pid \(getpid()), \(generation)) >------",
                                                        " Configuration file = \(settings.configPath)"])
        case .stats, .statsClear:
            path = "/tmp/keepalived.stats"
            text = StatusFiles.stats(s.replies)
        }
        do {
            let fd = try openDescriptor(path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: 0o644)
            try fd.writeAll(Array(text.utf8))
            logger.info("\(s.kind.rawValue) written to \(path)")
        } catch {
            logger.error("cannot write \(path): \(error)")
        }
    }

    // MARK: Stopping

    func beginShutdown(status: Int32) {
        if shuttingDown { return }
        shuttingDown = true
        exitStatus = status
        supervision.beginStop()
        rearm()
        stopSequence = supervision.runningChildren.map(\.0)
        continueShutdown()
    }

    /// Stops the children one at a time, VRRP first, each given 5 s.
    func continueShutdown() {
        if let p = stopping, children[p] != nil { return }  // still waiting for it
        if let t = stopTimer { reactor.cancel(t) }
        stopTimer = nil
        stopping = nil
        while let p = stopSequence.first {
            stopSequence.removeFirst()
            guard let c = children[p] else { continue }
            stopping = p
            send(.shutdown(Shutdown(reason: .signal, releaseVIPs: settings.releaseVIPs, releaseIPVS: settings.releaseIPVS)), to: p)
            stopTimer = reactor.schedule(after: .seconds(5)) { [weak self, weak c] in
                guard let self, let c else { return }
                self.logger.error("\(p) (pid \(c.process.pid)) did not stop within 5 s: killing it")
                c.process.kill(SIGKILL)
            }
            return
        }
        // Children that were starting or respawning when the stop began.
        if let (p, _) = supervision.runningChildren.first(where: { children[$0.0] != nil }) {
            stopSequence = [p]
            return continueShutdown()
        }
        if children.isEmpty && !finishing {
            finishing = true
            scripts.killAll()
            // keepalived runs shutdown_script once the children are gone.
            runOwnScript(compiled.config.global.shutdownScript, name: "shutdown_script",
                         timeout: compiled.config.global.shutdownScriptTimeout) { [unowned self] in
                self.logger.info("Stopped keepalived-swift")
                self.reactor.stop()
            }
        }
    }

    // MARK: Pid files

    func childPidFile(_ p: ProgramName) -> String? {
        switch p {
        case .vrrpd: return settings.vrrpPidFile
        case .checkd: return settings.checkersPidFile
        case .ipvsApplier, .supervisor: return nil
        }
    }

    func writeChildPidFile(_ p: ProgramName, pid: Int32) {
        guard let path = childPidFile(p) else { return }
        do { try PidFile(path: path).write(pid: pid) } catch { logger.error("cannot write \(path): \(error)") }
    }

    func removeChildPidFile(_ p: ProgramName, pid: Int32) {
        guard let path = childPidFile(p) else { return }
        PidFile(path: path).remove(ifOwnedBy: pid)
    }
}

/// Replies gathered for one SIGUSR1/SIGUSR2.
struct StatusCollection {
    let requestID: UInt64
    let kind: StatusKind
    var expected: Set<ProgramName>
    var replies: [StatusReply] = []
    var finished: Set<ProgramName> = []

    init(requestID: UInt64, kind: StatusKind, expected: Set<ProgramName>) {
        self.requestID = requestID
        self.kind = kind
        self.expected = expected
    }

    mutating func add(_ r: StatusReply) {
        guard r.requestID == requestID, expected.contains(r.program) else { return }
        replies.append(r)
        if r.final { finished.insert(r.program) }
    }

    mutating func gone(_ p: ProgramName) { expected.remove(p) }
    var missing: Set<ProgramName> { expected.subtracting(finished) }
    var complete: Bool { missing.isEmpty }
}

struct SupervisorFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
