// vrrpd at run time: the service on the reactor, where its configuration
// comes from (the supervisor's slices, or a file when alone), the signals it
// answers, and where its state changes go: to the supervisor, which relays
// them, or, alone, straight to checkd and ipvs-applier over their named
// sockets (PeerSockets), each told every instance's state when it connects.
import CShim
import ConfigModel
import DaemonCore
import Glibc
import Logging
import Posix
import Reactor
import VRRP
import VRRPService
import Wire

final class Daemon: DaemonDelegate {
    let reactor: Reactor
    let service: VRRPService
    let logger: Logger
    let source: ConfigSource?
    private var link: DaemonLink?
    /// Alone: checkd and ipvs-applier, when they run.
    private var peers: PeerSockets?
    private var statusServer: StatusServer?
    private var generation = Generation(0)
    private var started = false
    private var releaseTimer: TimerID?
    /// After a transition: past the master's delayed gratuitous ARP (garp_master_delay, 5 s by default).
    static let settleAfterTransition: Duration = .seconds(10)
    /// Sync group of each instance, for the state-change messages.
    private var syncGroups: [String: String] = [:]

    init(source: ConfigSource?, options: VRRPService.Options, logger: Logger) throws {
        self.source = source
        self.logger = logger
        reactor = try Reactor()
        service = try VRRPService(reactor: reactor, options: options)
        service.log = { [logger] level, message in logger.log(level: level.swiftLog, "\(message)") }
        service.onStateChange = { [unowned self] change, _ in self.stateChanged(change) }
        try reactor.handleSignals([SIGTERM, SIGINT, SIGHUP]) { [unowned self] e in self.signal(e) }
    }

    func connectSupervisor(fd: Int32) throws {
        let l = try DaemonLink(program: .vrrpd, fd: fd, reactor: reactor, logger: logger)
        link = l
        try l.start(delegate: self)
    }

    func openStatusSocket(directory: String, owner: ResolvedUser) {
        do {
            statusServer = try StatusServer(directory: directory, owner: owner, reactor: reactor, logger: logger) { [unowned self] r in
                StatusReport.reply(self.service, request: r, generation: self.generation)
            }
        } catch {
            logger.warning("no status socket in \(directory): \(error)")
        }
    }

    /// Alone, before the sandbox: the peers' users (NSS reads files). vrrpd
    /// only connects; it listens on no peer socket.
    func preparePeers(directory: String, owner: ResolvedUser) throws {
        let p = PeerSockets(program: .vrrpd, runtimeDirectory: directory, reactor: reactor, logger: logger)
        try p.prepare(owner: owner)
        peers = p
    }

    /// Alone: starts the instances of `config` (which the caller then drops).
    func start(_ config: CompiledConfig) throws {
        generation = Generation.initial
        try begin(config)
    }

    /// Runs until stopped (alone, after `start`; else from the supervisor's first slice).
    func run() throws {
        // Connect only now, in the sandbox: checkd and ipvs-applier know
        // vrrpd by the uid it connects with (SO_PEERCRED), vrrpd's user.
        try peers?.start(onMessage: { [unowned self] m, from in
            self.logger.warning("ignoring \(m.type) from \(from): vrrpd takes nothing from its peers")
        }, onPeer: { [unowned self] p, up in
            if up { self.sendStates(to: p) }
        })
        releaseMemorySoon()
        try reactor.run()
        logger.info("vrrpd stopped")
    }

    /// Once a configuration is applied and its decoded form freed, hand the
    /// heap pages it used back to the kernel (glibc keeps freed pages
    /// otherwise): one instance, heap 404 -> 256 KB. And the code: start-up,
    /// reloads and transitions run code that adverts in and out do not; once
    /// things settle, vrrpd drops its mappings of the pages of code and data
    /// that are still the files' own (cshim_release_program_text: clean
    /// pages, still cached) and keeps resident only what it uses again
    /// (release builds put that code first and together: hot-text.order),
    /// and the dead stack below its frame (cshim_release_stack).
    /// 1 instance: PSS 6.1 -> 1.7 MiB.
    /// One reusable timer: firing it destroys nothing afterwards, so no
    /// code runs after the release that the steady state does not run anyway
    /// (a one-shot timer's destruction kept a 64 KB window of code resident).
    private func releaseMemorySoon(after delay: Duration = .milliseconds(100)) {
        let timer = releaseTimer ?? reactor.timers.makeTimer {
            _ = cshim_malloc_trim(0)
            _ = cshim_release_program_text()
            _ = cshim_release_stack()
        }
        releaseTimer = timer
        reactor.timers.arm(timer, at: reactor.clock.now + delay)
    }

    private func begin(_ config: CompiledConfig) throws {
        let settings = derive(config)
        try service.start(settings)
        started = true
        logger.info("vrrpd started with \(settings.count) instance(s)\(source.map { " from \($0.path)" } ?? "")")
    }

    func derive(_ config: CompiledConfig) -> [InstanceSettings] {
        let r = InstanceSettings.deriveAll(config.config)
        for n in r.notes { logger.warning("\(n)") }
        for e in r.errors { logger.error("\(e): instance not started") }
        syncGroups = [:]
        for g in config.config.vrrpSyncGroups { for member in g.group { syncGroups[member] = g.name } }
        return r.settings
    }

    private func signal(_ e: SignalEvent) {
        switch e.signal {
        case SIGHUP:
            guard let source else {
                logger.info("SIGHUP ignored: under the supervisor, reloads come from it")
                return
            }
            logger.info("reloading \(source.path)")
            do {
                let config = try source.load(for: .vrrpd)
                generation = generation.next
                service.reload(derive(config))
                releaseMemorySoon()
            } catch {
                logger.error("reload failed, keeping the running configuration: \(error)")
            }
        default:
            logger.info("stopping on \(SignalName.of(e.signal))")
            stop(release: nil)
        }
    }

    private func stop(release: Bool?) {
        service.shutdown(releaseAddresses: release)
        reactor.stop()
    }

    /// To the supervisor (which relays to checkd and ipvs-applier), or alone
    /// to whichever of them is connected (or only to `peer`).
    private func stateChanged(_ change: StateChange, onlyTo peer: ProgramName? = nil) {
        if change.from != change.to { releaseMemorySoon(after: Daemon.settleAfterTransition) }
        guard let state = Wire.VRRPState(rawValue: change.to.rawValue) else { return }
        let m = Message.vrrpStateChange(VRRPStateChange(generation: generation, instance: change.instance,
                                                        syncGroup: syncGroups[change.instance], state: state,
                                                        priority: change.priority))
        if let link { link.send(m) } else { peers?.send(m, onlyTo: peer) }
    }

    /// A peer that (re)connects starts from the truth: every instance's
    /// state now, as a change from that state to itself.
    private func sendStates(to peer: ProgramName?) {
        for s in service.snapshot() {
            stateChanged(StateChange(instance: s.settings.name, from: s.state, to: s.state, reason: .startup,
                                     priority: s.effectivePriority), onlyTo: peer)
        }
    }

    // MARK: DaemonDelegate (under the supervisor)

    func apply(slice: [UInt8], generation g: Generation) -> String? {
        let config: CompiledConfig
        do { config = try CompiledConfig.load(from: slice).slice(for: .vrrpd) } catch { return "\(error)" }
        generation = g
        if !started {
            Scheduling.apply(config.config.global, logger: logger)
            do { try begin(config) } catch { return "\(error)" }
        } else {
            service.reload(derive(config))
        }
        releaseMemorySoon()
        return nil
    }

    func status(_ request: StatusRequest, generation g: Generation) -> [StatusReply] {
        [StatusReport.reply(service, request: request, generation: g)]
    }

    func shutdown(_ request: Shutdown) {
        logger.info("stopping at the supervisor's request (\(request.reason.rawValue))")
        service.shutdown(releaseAddresses: request.releaseVIPs)
        link?.finishShutdown()
    }

    func received(_ message: Message, from: ProgramName) {
        // A peer that (re)connects starts from the truth (the supervisor
        // relays to every peer: there is no addressing one through it).
        guard case .peerChange(let p) = message, p.up, p.program == .checkd || p.program == .ipvsApplier else { return }
        sendStates(to: nil)
    }
}

extension VRRP.LogLevel {
    var swiftLog: Logger.Level {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        }
    }
}
