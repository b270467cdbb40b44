// checkd: every keepalived health checker, unprivileged.
//
// Peers:        the supervisor (config, reload, shutdown, scripts) when supervised;
//               ipvs-applier (verdicts out: on change, full state on (re)connect);
//               vrrpd (VRRP state changes in, for ha_suspend).
//               Alone: <runtime-dir>/ipvs-applier.sock (connect), <runtime-dir>/checkd.sock (listen).
// User:         keepalived-checkd (created by scripts/setup.sh).
// Capabilities: none; CAP_NET_ADMIN only while a checker sets `fwmark` (SO_MARK), logged.
// Touches:      probe sockets (TCP, UDP, ICMP datagram), track files (inotify),
//               notify FIFOs, scripts (through the supervisor, or its own when alone).
import ArgumentParser
import Checkers
import Codec
import ConfigModel
import DaemonSupport
import Glibc
import Logging
import Posix
import Reactor
import Sandbox
import Wire

struct CheckdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkd",
        abstract: "Health checks for keepalived's virtual servers (HTTP, SSL, TCP, SMTP, DNS, UDP, PING, MISC, FILE).",
        discussion: "Loads a compiled configuration ('kaconf compile'), checks every real server and tells ipvs-applier which are up.")

    @OptionGroup var daemon: DaemonOptions

    @Option(name: .customLong("compiled"), help: ArgumentHelp("Same as -f: the compiled configuration to load.", valueName: "file"))
    var compiled: String?

    @Flag(name: .customLong("script-helper"), help: .hidden)
    var scriptHelper = false

    var configPath: String { compiled ?? daemon.config }

    mutating func run() throws {
        if scriptHelper { ScriptHelperMain.run(configPath: configPath) }
        DaemonLogging.bootstrap(program: "checkd", daemon.logSettings)
        let logger = Logger(label: "checkd")
        var profile = ProgramProfile.of(.checkd)
        if let u = daemon.user { profile.user = u }
        let policyDirectory = PolicyDirectory.resolve(explicit: daemon.policyDirectory)
        if let fd = daemon.supervisorFD {
            try runSupervised(fd: fd, profile: profile, policyDirectory: policyDirectory, logger: logger)
        } else {
            try runAlone(profile: profile, policyDirectory: policyDirectory, logger: logger)
        }
    }

    /// Under the supervisor: the config, reloads, scripts and peers all come through the inherited channel.
    func runSupervised(fd: Int32, profile: ProgramProfile, policyDirectory: String, logger: Logger) throws {
        do {
            let report = try Sandbox.enter(SandboxProfile(program: "checkd", user: profile.user, capabilities: profile.capabilities, policyDirectory: policyDirectory))
            logger.info("\(report)")
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        let reactor = try Reactor()
        let link = try DaemonLink(program: .checkd, fd: fd, reactor: reactor, logger: logger)
        let delegate = SupervisedCheckd(reactor: reactor, link: link, logger: logger)
        signal(SIGPIPE, SIG_IGN)
        try reactor.handleSignals([SIGTERM, SIGINT, SIGHUP]) { e in
            // The supervisor drives reloads and shutdowns; a stray signal stops us in order.
            if e.signal == SIGHUP { return logger.info("SIGHUP ignored: the supervisor reloads checkd") }
            delegate.shutdown(Shutdown(reason: .signal))
        }
        try link.start(delegate: delegate)
        try reactor.run()
    }

    func runAlone(profile: ProgramProfile, policyDirectory: String, logger: Logger) throws {
        let loaded: CompiledConfig
        switch loadConfig(configPath) {
        case .success(let c): loaded = c
        case .failure(let why):
            logger.critical("\(why)")
            throw ExitCode(1)
        }
        let foreign = LocalScripts.foreignUsers(in: loaded, ownUser: profile.user)
        if !foreign.isEmpty {
            logger.critical("running alone, checkd runs scripts as its own user \(profile.user) and cannot honour: \(foreign.joined(separator: "; ")). Run it under the keepalived supervisor.")
            throw ExitCode(1)
        }
        let plan = PlanBuilder.build(loaded.config)
        var caps = profile.capabilities
        if plan.usesFwmark {
            caps.insert(.netAdmin)
            logger.notice("a checker sets fwmark (SO_MARK): checkd keeps CAP_NET_ADMIN for it")
        }
        if let pidFile = daemon.pidFile { writePidFile(pidFile, logger: logger) }
        // Scripts run from a helper started before the sandbox (see ScriptHelper.swift).
        let helperEnd = try HelperScripts.spawn(config: configPath, user: profile.user, logger: logger)
        do {
            let report = try Sandbox.enter(SandboxProfile(program: "checkd", user: profile.user, capabilities: caps, policyDirectory: policyDirectory))
            logger.info("\(report)")
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }

        let reactor = try Reactor()
        let scripts = try HelperScripts(fd: helperEnd, reactor: reactor, logger: logger)
        let generation = Generation(max(loaded.generation, 1))
        scripts.generation = generation
        let daemon = CheckDaemon(reactor: reactor, logger: logger, config: loaded, generation: generation, scripts: scripts)

        let runtimeDirectory = self.daemon.runtimeDirectory
        let applier = ApplierLink(path: "\(runtimeDirectory)/ipvs-applier.sock", reactor: reactor, logger: logger)
        daemon.sendToApplier = { applier.send($0) }
        applier.onConnect = { daemon.sendFullState() }
        var states: StateListener?
        do {
            states = try StateListener(path: "\(runtimeDirectory)/checkd.sock", reactor: reactor, logger: logger)
            states?.onMessage = { m in
                if case .vrrpStateChange(let s) = m { daemon.vrrpStateChanged(s) }
            }
        } catch {
            logger.warning("cannot listen for vrrpd at \(runtimeDirectory)/checkd.sock: \(error); ha_suspend follows addresses only")
        }
        _ = states

        signal(SIGPIPE, SIG_IGN)
        var generationNow = generation
        let path = configPath
        let pidFile = self.daemon.pidFile
        try reactor.handleSignals([SIGHUP, SIGTERM, SIGINT]) { event in
            switch event.signal {
            case SIGHUP:
                switch loadConfig(path) {
                case .success(let c):
                    generationNow = Generation(max(c.generation, generationNow.value + 1))
                    scripts.generation = generationNow
                    daemon.reload(c, generation: generationNow)
                case .failure(let why):
                    logger.error("reload refused, the running configuration stays: \(why)")
                }
            default:
                logger.info("stopping (\(SignalName.of(event.signal)))")
                daemon.shutdown {
                    applier.close()
                    reactor.stop()
                }
            }
        }

        daemon.start()
        applier.connect()
        try reactor.run()
        if let pidFile { unlink(pidFile) }
        logger.info("stopped")
    }
}

/// checkd under the supervisor: the DaemonLink delegate.
final class SupervisedCheckd: DaemonDelegate {
    let reactor: Reactor
    let link: DaemonLink
    let logger: Logger
    var daemon: CheckDaemon?

    init(reactor: Reactor, link: DaemonLink, logger: Logger) {
        self.reactor = reactor
        self.link = link
        self.logger = logger
    }

    func apply(slice: [UInt8], generation: Generation) -> String? {
        let config: CompiledConfig
        if let c = try? CompiledConfig.load(from: slice) {
            config = c
        } else {
            do { config = try Codec.decode(CompiledConfig.self, from: slice) } catch { return "cannot decode the slice: \(error)" }
        }
        if let daemon {
            daemon.reload(config, generation: generation)
        } else {
            let d = CheckDaemon(reactor: reactor, logger: logger, config: config, generation: generation,
                                scripts: SupervisorScripts(link: link))
            d.sendToApplier = { [link] in link.send($0) }
            daemon = d
            d.start()
            d.sendFullState()
        }
        return nil
    }

    func status(_ request: StatusRequest, generation: Generation) -> [StatusReply] {
        [StatusReply(requestID: request.requestID, generation: generation, program: .checkd, pid: getpid(),
                     dumpLines: daemon?.dumpLines() ?? [])]
    }

    func shutdown(_ request: Shutdown) {
        guard let daemon else { link.finishShutdown() }
        daemon.shutdown { [link] in link.finishShutdown() }
    }

    func received(_ message: Message, from: ProgramName) {
        switch message {
        case .vrrpStateChange(let s): daemon?.vrrpStateChanged(s)
        case .peerChange(let p) where p.program == .ipvsApplier && p.up: daemon?.sendFullState()
        default: logger.debug("ignoring \(message.type) from \(from)")
        }
    }
}

/// Scripts through the supervisor (it owns users and privileges).
final class SupervisorScripts: ScriptExecutor {
    let link: DaemonLink
    private(set) var running = 0
    init(link: DaemonLink) { self.link = link }
    func run(_ id: ScriptID, timeout: Interval?, completion: @escaping (ScriptEnd) -> Void) {
        running += 1
        link.runScript(id.index) { [weak self] outcome in
            self?.running -= 1
            switch outcome {
            case .exited(let s): completion(.exited(s))
            case .signaled(let s): completion(.signaled(s))
            case .timedOut: completion(.timedOut)
            case .failedToStart(let why), .refused(let why): completion(.couldNotRun(why))
            }
        }
    }
}

/// Reads a compiled configuration and keeps checkd's slice of it.
func loadConfig(_ path: String) -> Result<CompiledConfig, ConfigLoadError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .failure(ConfigLoadError("cannot open \(path): \(Errno.current)")) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { return .failure(ConfigLoadError("cannot read \(path): \(Errno.current)")) }
        if n == 0 { break }
        bytes += chunk[0..<n]
        if bytes.count > 256 << 20 { return .failure(ConfigLoadError("\(path) is larger than 256 MiB")) }
    }
    guard CompiledConfig.looksCompiled(bytes) else {
        return .failure(ConfigLoadError("\(path) is not a compiled configuration: compile it with 'kaconf compile \(path) -o FILE'"))
    }
    do {
        return .success(try CompiledConfig.load(from: bytes).slice(for: .checkd))
    } catch {
        return .failure(ConfigLoadError("\(path): \(error)"))
    }
}

struct ConfigLoadError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func writePidFile(_ path: String, logger: Logger) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        logger.error("cannot write pid file \(path): \(Errno.current)")
        return
    }
    let text = Array("\(getpid())\n".utf8)
    _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

CheckdCommand.main()
