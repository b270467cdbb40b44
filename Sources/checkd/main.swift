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
import ConfigModel
import Glibc
import Logging
import Posix
import Reactor
import Wire

struct CheckdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkd",
        abstract: "Health checks for keepalived's virtual servers (HTTP, SSL, TCP, SMTP, DNS, UDP, PING, MISC, FILE).",
        discussion: "Loads a compiled configuration ('kaconf compile'), checks every real server and tells ipvs-applier which are up.")

    @Option(name: [.customShort("f"), .customLong("use-file"), .customLong("compiled")],
            help: ArgumentHelp("Compiled configuration to load ('kaconf compile' output).", valueName: "file"))
    var config: String = "/etc/keepalived/keepalived.kacf"

    @Option(name: .customLong("runtime-dir"), help: ArgumentHelp("Directory of the named sockets.", valueName: "dir"))
    var runtimeDirectory: String = "/run/keepalived"

    @Flag(name: [.customShort("l"), .customLong("log-console")], help: "Log to the console (stderr).")
    var logConsole = false

    @Flag(name: [.customShort("D"), .customLong("log-detail")], help: "Detailed log messages.")
    var logDetail = false

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Pid file.", valueName: "file"))
    var pidFile: String?

    mutating func run() throws {
        let detail = logDetail
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = detail ? .debug : .info
            return h
        }
        let logger = Logger(label: "checkd")
        let loaded: CompiledConfig
        switch loadConfig(config) {
        case .success(let c): loaded = c
        case .failure(let why):
            logger.critical("\(why)")
            throw ExitCode(1)
        }
        let me = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) }
        let foreign = LocalScripts.foreignUsers(in: loaded, ownUser: me)
        if !foreign.isEmpty {
            logger.critical("running alone, checkd runs scripts as itself (\(me ?? "?")) and cannot honour: \(foreign.joined(separator: "; ")). Run it under the keepalived supervisor.")
            throw ExitCode(1)
        }
        let plan = PlanBuilder.build(loaded.config)
        if plan.usesFwmark { logger.notice("a checker sets fwmark (SO_MARK): checkd keeps CAP_NET_ADMIN for it") }

        let reactor = try Reactor()
        let scripts = LocalScripts(reactor: reactor, config: loaded)
        let generation = Generation(max(loaded.generation, 1))
        let daemon = CheckDaemon(reactor: reactor, logger: logger, config: loaded, generation: generation, scripts: scripts)

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
        let path = config
        try reactor.handleSignals([SIGHUP, SIGTERM, SIGINT]) { event in
            switch event.signal {
            case SIGHUP:
                switch loadConfig(path) {
                case .success(let c):
                    generationNow = Generation(max(c.generation, generationNow.value + 1))
                    scripts.scripts = Dictionary(c.scripts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
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

        if let pidFile { writePidFile(pidFile, logger: logger) }
        daemon.start()
        applier.connect()
        try reactor.run()
        if let pidFile { unlink(pidFile) }
        logger.info("stopped")
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
