// What a daemon's main does, in one place, the same for every daemon:
//
//     let d = try Daemon.start(.vrrpd, options: opts) { /* open raw sockets, netlink */ }
//     try d.run(delegate: myDaemon)    // never returns
//
// start(): logging; then, running alone: the runtime directory and named
// sockets, the script host (and the check that no script wants another
// user); the caller's own opens; the sandbox; the reactor. Under the
// supervisor (--supervisor-fd) the link is the inherited socket instead.
import ConfigModel
import Glibc
import Logging
import Posix
import Reactor
import Sandbox
import Wire

public final class Daemon {
    public let program: ProgramName
    public let options: DaemonOptions
    public let reactor: Reactor
    public let logger: Logger
    public let sandbox: SandboxReport
    enum Link {
        case supervised(DaemonLink)
        /// Alone: configuration and scripts from ka-script-host, peers over named sockets.
        case standalone(DaemonLink, PeerSockets)
    }
    let link: Link

    /// Everything up to the reactor loop. `beforeSandbox` opens what the
    /// daemon needs and may no longer open once confined.
    public static func start(_ program: ProgramName, options: DaemonOptions, policy: String? = nil,
                             beforeSandbox: () throws -> Void = {}) throws -> Daemon {
        var options = options
        options.config = absolutePath(options.config)  // ka-script-host and reloads start in "/"
        DaemonLogging.bootstrap(program: program.rawValue, options.logSettings)
        let logger = Logger(label: program.rawValue)
        var profile = ProgramProfile.of(program)
        if let u = options.user { profile.user = u }
        let reactor = try Reactor()
        let link: Link
        if let fd = options.supervisorFD {
            // The supervisor adds what this configuration needs (and says why in its log).
            let granted = options.grantedCapabilities.flatMap(DaemonOptions.capabilities) ?? .none
            let foreign = granted.subtracting(ProgramProfile.optionalCapabilities(program))
            guard foreign.isEmpty else { throw DaemonStartFailure("told to keep \(foreign), which \(program) never holds") }
            profile.capabilities.formUnion(granted)
            for c in granted.members { logger.notice("holding \(c), granted by keepalived for this configuration") }
            link = .supervised(try DaemonLink(program: program, fd: fd, reactor: reactor, logger: logger))
            try beforeSandbox()
        } else {
            let me = try UserDirectory.resolve(user: geteuid() == 0 ? profile.user : currentUserName())
            // Refuse now, in words, a configuration this daemon cannot honour alone.
            let config = try CompiledFile.load(options.config)
            try ScriptHost.checkUsers(config, for: program, runningAs: me.name)
            conditional(config.config, program: program, into: &profile, logger: logger)
            let peers = PeerSockets(program: program, runtimeDirectory: options.runtimeDirectory, reactor: reactor, logger: logger)
            try peers.prepare(owner: me)
            let hostFD = try startScriptHost(program: program, options: options, user: me)
            if let pidFile = options.pidFile { try PidFile(path: pidFile).write() }
            try beforeSandbox()
            link = .standalone(try DaemonLink(program: program, fd: hostFD, reactor: reactor, logger: logger,
                                              peerName: "ka-script-host"), peers)
        }
        let report = try Sandbox.enter(SandboxProfile(program: policy ?? program.rawValue, user: profile.user,
                                                      capabilities: profile.capabilities,
                                                      policyDirectory: PolicyDirectory.resolve(explicit: options.policyDirectory)))
        logger.info("\(report)")
        return Daemon(program: program, options: options, reactor: reactor, logger: logger, sandbox: report, link: link)
    }

    /// Alone: the capabilities the configuration needs, if this process can
    /// have them (root, or a unit that grants them); else a warning that
    /// says what will fail and how to grant it.
    static func conditional(_ config: KeepalivedConfiguration, program: ProgramName, into profile: inout ProgramProfile,
                            logger: Logger) {
        let held = Sandbox.currentCapabilities().permitted
        for (cap, why) in ProgramProfile.conditionalCapabilities(program, for: config) {
            if geteuid() == 0 || held.contains(cap) {
                profile.capabilities.insert(cap)
                logger.notice("holding \(cap): \(why)")
            } else {
                logger.warning("\(why), which needs \(cap), but \(program) runs without it: those checks will fail (grant it with AmbientCapabilities=\(cap) and CapabilityBoundingSet=\(cap) in the unit)")
            }
        }
    }

    /// Alone: the link's delegate until the first configuration lets the peers in.
    private var peersGate: FirstApplyThen?

    /// Capabilities held now (the profile's, plus any the configuration needed).
    public private(set) lazy var capabilities: CapabilitySet = sandbox.capabilities

    /// Gives up capabilities the configuration no longer needs (after a
    /// reload); they cannot be taken back without a restart.
    public func dropCapabilities(_ drop: CapabilitySet) throws(SandboxError) {
        let keep = capabilities.subtracting(drop)
        guard keep != capabilities else { return }
        try Sandbox.reduceCapabilities(to: keep)
        logger.notice("dropped \(capabilities.subtracting(keep)): the configuration no longer needs it")
        capabilities = keep
    }

    init(program: ProgramName, options: DaemonOptions, reactor: Reactor, logger: Logger, sandbox: SandboxReport, link: Link) {
        self.program = program
        self.options = options
        self.reactor = reactor
        self.logger = logger
        self.sandbox = sandbox
        self.link = link
    }

    /// The configuration generation running now.
    public var generation: Generation? {
        switch link {
        case .supervised(let l), .standalone(let l, _): return l.running
        }
    }

    public var isSupervised: Bool { if case .supervised = link { return true } else { return false } }

    /// The supervisor channel's descriptor (tests write garbage to it).
    public var supervisorDescriptor: Int32? { if case .supervised(let l) = link { return l.descriptor } else { return nil } }

    /// Whether the watchdog's hellos are answered (a test child turns it off to play dead).
    public var answersWatchdog: Bool {
        get { if case .supervised(let l) = link { return l.answersWatchdog } else { return true } }
        set { if case .supervised(let l) = link { l.answersWatchdog = newValue } }
    }

    /// Sends a message for other daemons (VRRP states, verdicts).
    public func send(_ m: Message) {
        switch link {
        case .supervised(let l): l.send(m)
        case .standalone(_, let peers): peers.send(m)
        }
    }

    /// Runs script `index` of the configuration; the outcome arrives on the reactor thread.
    public func runScript(_ index: Int, arguments: ScriptArguments = .none, timeout: Duration? = nil,
                          _ completion: @escaping (ScriptOutcome) -> Void) {
        switch link {
        case .supervised(let l), .standalone(let l, _): l.runScript(index, arguments: arguments, timeout: timeout, completion)
        }
    }

    /// Starts the link and the signals, then runs the reactor for good.
    /// SIGTERM/SIGINT ask the delegate to shut down; SIGHUP reloads a
    /// daemon running alone (under the supervisor, keepalived reloads).
    public func run(delegate: any DaemonDelegate) throws -> Never {
        try reactor.handleSignals([SIGTERM, SIGINT, SIGHUP]) { [unowned self] e in
            switch e.signal {
            case SIGHUP:
                if case .standalone(let l, _) = self.link {
                    self.logger.info("SIGHUP: reloading \(self.options.config)")
                    l.send(.reload(Reload(generation: (l.running ?? Generation(0)).next)))
                } else {
                    self.logger.info("SIGHUP ignored: under keepalived, reload keepalived")
                }
            default:
                delegate.shutdown(Shutdown(reason: .signal))
            }
        }
        switch link {
        case .supervised(let l): try l.start(delegate: delegate)
        case .standalone(let l, let peers):
            // Peers are let in once the first configuration is applied (a
            // peer that connects earlier waits in the listener's backlog):
            // what they say at once, like vrrpd's present states, needs it.
            let logger = self.logger
            let gate = FirstApplyThen(delegate) {
                do {
                    try peers.start(onMessage: { m, from in delegate.received(m, from: from) },
                                    onPeer: { p, up in delegate.received(.peerChange(PeerChange(program: p, up: up)), from: .supervisor) })
                } catch {
                    logger.error("cannot reach the other daemons: \(error)")
                }
            }
            peersGate = gate  // the link holds its delegate weakly
            try l.start(delegate: gate)
        }
        try reactor.run()
        exit(0)
    }

    /// Ends the process after the delegate's orderly shutdown.
    public func finishShutdown(status: Int32 = 0) -> Never {
        if let p = options.pidFile, case .standalone = link { PidFile(path: p).remove() }
        switch link {
        case .supervised(let l), .standalone(let l, _): l.finishShutdown(status: status)
        }
    }

    static func currentUserName() -> String {
        guard let pw = getpwuid(geteuid()) else { return "\(geteuid())" }
        return String(cString: pw.pointee.pw_name)
    }

    /// ka-script-host, next to the daemon, as the daemon's user with nothing
    /// else; returns our end of the socket pair to it.
    static func startScriptHost(program: ProgramName, options: DaemonOptions, user: ResolvedUser) throws -> Int32 {
        let pair = try SeqPacket.pair()
        let ours = pair.first, theirs = pair.second
        let path = "\(PolicyDirectory.executableDirectory())/ka-script-host"
        var args = [path, "--program", program.rawValue, "--config", options.config, "--fd", "3",
                    "--policy-dir", PolicyDirectory.resolve(explicit: options.policyDirectory)]
        if options.logConsole { args.append("--log-console") }
        if options.noSyslog { args.append("--no-syslog") }
        _ = try ChildProcess.spawn(SpawnSpec(
            path: path, arguments: args, environment: ScriptRules.environment, descriptors: [-1, 1, 2, theirs.rawValue],
            identity: geteuid() == 0 ? user.identity : nil, capabilities: .none, limitBoundingSet: geteuid() == 0,
            newProcessGroup: true, parentDeathSignal: SIGTERM))
        try theirs.close()
        return ours.release()
    }
}

/// Why a daemon cannot start, in words.
public struct DaemonStartFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Passes everything to a delegate and runs `then` once, after the first
/// configuration it applies.
final class FirstApplyThen: DaemonDelegate {
    let delegate: any DaemonDelegate
    private var then: (() -> Void)?

    init(_ delegate: any DaemonDelegate, then: @escaping () -> Void) {
        self.delegate = delegate
        self.then = then
    }

    func apply(slice: [UInt8], generation: Generation) -> String? {
        let refused = delegate.apply(slice: slice, generation: generation)
        if refused == nil, let t = then {
            then = nil
            t()
        }
        return refused
    }

    func status(_ request: StatusRequest, generation: Generation) -> [StatusReply] { delegate.status(request, generation: generation) }
    func shutdown(_ request: Shutdown) { delegate.shutdown(request) }
    func received(_ message: Message, from: ProgramName) { delegate.received(message, from: from) }
}
