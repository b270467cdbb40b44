// The glue of checkd: the health engine's schedule on the reactor's clock,
// probes on the probe runner, scripts on the script executor, and what the
// engine decides sent to ipvs-applier, the FIFOs, syslog and SMTP.
import Checkers
import CheckerIO
import ConfigModel
import Glibc
import HTTPClient
import Logging
import Posix
import Reactor
import Wire

final class CheckDaemon {
    let reactor: Reactor
    let logger: Logger
    private(set) var config: CompiledConfig
    private(set) var generation: Generation
    private(set) var engine: HealthEngine
    private let runner: ProbeRunner
    var scripts: any ScriptExecutor
    private var random: SplitMix64
    private var timer: TimerID?
    private var armedAt: Moment?
    private var sequence: UInt16 = 0
    /// The checks of one tick (kept: a few hundred ticks a second).
    private var dueBuffer: [CheckRequest] = []
    private var trackWatcher: TrackFileWatcher?
    private var fifos: [NotifyFifo] = []
    private var presenceTimer: TimerID?
    /// Sends a message to ipvs-applier (directly, or relayed by the supervisor).
    var sendToApplier: (Message) -> Void = { _ in }
    private(set) var stopping = false
    /// Built on first use from the SSL block (SSL_GET), rebuilt on reload.
    private var tls: TLSContext?
    private var tlsError: String?

    init(reactor: Reactor, logger: Logger, config: CompiledConfig, generation: Generation, scripts: any ScriptExecutor) throws(SysError) {
        self.reactor = reactor
        self.logger = logger
        self.config = config
        self.generation = generation
        self.scripts = scripts
        runner = try ProbeRunner(reactor: reactor)
        var seed: UInt64 = 0
        let urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if urandom >= 0 {
            _ = withUnsafeMutableBytes(of: &seed) { read(urandom, $0.baseAddress, 8) }
            close(urandom)
        }
        seed ^= UInt64(bitPattern: reactor.clock.now.nanoseconds)
        random = SplitMix64(seed: seed ^ UInt64(UInt32(bitPattern: getpid())))
        engine = HealthEngine(plan: PlanBuilder.build(config.config))
        // Every check reports here, with the time its batch of events was read.
        runner.onFinish = { [unowned self] tag, verdict, at in self.finished(CheckerID(tag), verdict, at: at) }
    }

    var now: Moment { moment(reactor.clock.now) }
    private func moment(_ i: Instant) -> Moment { Moment(microseconds: i.nanoseconds / 1000) }
    private func instant(_ m: Moment) -> Instant { Instant(nanoseconds: m.microseconds * 1000) }

    // MARK: Start, reload, stop

    func start() {
        let plan = engine.plan
        logger.info("checkd: \(plan.virtualServers.count) virtual servers, \(engine.checkerCount) checkers, generation \(generation.value)")
        openFifos()
        let values = watchTrackFiles(plan)
        refreshPresence(initial: true)
        perform(engine.start(now: now, random: &random, trackFileValues: values))
        schedulePresence()
        rearm()
    }

    /// Applies a new configuration; unchanged real servers keep their state and schedule.
    func reload(_ newConfig: CompiledConfig, generation g: Generation) {
        config = newConfig
        generation = g
        tls = nil
        let plan = PlanBuilder.build(newConfig.config)
        openFifos()
        let values = watchTrackFiles(plan)
        perform(engine.reload(plan, now: now, random: &random, trackFileValues: values))
        refreshPresence(initial: false)
        logger.info("reloaded: \(plan.virtualServers.count) virtual servers, \(engine.checkerCount) checkers, generation \(g.value)")
        sendFullState()
        rearm()
    }

    /// Stops checking; omega notifiers run. `done` is called when the scripts
    /// started for it have ended (or after a bound).
    func shutdown(done: @escaping () -> Void) {
        stopping = true
        if let t = timer { reactor.cancel(t); timer = nil }
        if let t = presenceTimer { reactor.cancel(t); presenceTimer = nil }
        perform(engine.shutdown())
        trackWatcher?.stop()
        let deadline = reactor.clock.now + .seconds(10)
        func wait() {
            if scripts.running == 0 || reactor.clock.now >= deadline { return done() }
            reactor.schedule(after: .milliseconds(50)) { wait() }
        }
        wait()
    }

    /// The TLS context of the configuration's SSL block (keepalived's: TLS_method,
    /// client certificate/key/password, CA loaded but the server not verified).
    private func tlsContext() -> TLSContext? {
        if let tls { return tls }
        let ssl = config.config.ssl
        do {
            tls = try TLSContext(TLSConfiguration(certificateFile: ssl?.certificate, keyFile: ssl?.key,
                                                  password: ssl?.password, caFile: ssl?.ca))
        } catch {
            if tlsError != error.description { logger.error("SSL block: \(error)") }
            tlsError = error.description
        }
        return tls
    }

    // MARK: The schedule

    private func rearm() {
        guard !stopping else { return }
        let next = engine.nextDeadline
        if next == armedAt { return }
        armedAt = next
        // Made once, then re-armed: no allocation when the deadline moves.
        let t = timer ?? reactor.timers.makeTimer { [unowned self] in
            self.armedAt = nil
            self.tick()
        }
        timer = t
        guard let next else { return reactor.timers.disarm(t) }
        // Up to 5 ms of slack lets checks due close together share one wake-up
        // (a few hundred a second at most, whatever the number of checkers).
        reactor.timers.arm(t, at: instant(next) + CheckDaemon.slack)
    }

    static let slack = Duration.milliseconds(5)

    private func tick() {
        guard !stopping else { return }
        // One reading of the clock for the whole batch: the timer queue's own.
        let at = reactor.timers.firedAt ?? reactor.clock.now
        engine.due(moment(at), into: &dueBuffer)
        for request in dueBuffer { launch(request, at: at) }
        dueBuffer.removeAll(keepingCapacity: true)
        rearm()
    }

    private func launch(_ request: CheckRequest, at: Instant) {
        let id = request.id
        switch request.spec.probe {
        case .misc(let m):
            scripts.run(m.script, timeout: m.timeout) { [weak self] end in
                guard let self else { return }
                self.finished(id, MiscCheckResult.verdict(end, dynamic: m.dynamic), at: self.reactor.clock.now)
            }
        case .file:
            break  // driven by the track file watcher, never scheduled
        default:
            sequence &+= 1
            guard let probe = ProbeFactory.make(request, sequence: sequence, random: &random, tls: tlsContext()) else {
                finished(id, .fail(.socketError("no probe for \(request.spec.keyword)")), at: at)
                return
            }
            runner.start(probe, timeout: request.spec.timing.connectTimeout.duration, now: at, tag: id.raw)
        }
    }

    private func finished(_ id: CheckerID, _ verdict: Verdict, at: Instant) {
        guard !stopping else { return }
        perform(engine.finished(id, verdict, now: moment(at)))
        rearm()
    }

    // MARK: Doing what the engine says

    private func perform(_ actions: [HealthAction]) {
        for a in actions {
            switch a {
            case .realServer(let h):
                if let m = verdictMessage(h) { sendToApplier(.realServerVerdict(m)) }
            case .virtualServer(let v):
                if let m = vsMessage(v) { sendToApplier(.virtualServerState(m)) }
            case .ipvs(let u):
                logger.debug("table: \(u)")
            case .runScript(let id, let purpose):
                logger.debug("running \(purpose)")
                scripts.run(id, timeout: nil) { [logger] end in
                    if end != .exited(0) { logger.info("\(purpose): \(end)") }
                }
            case .fifo(let line):
                for f in fifos { f.write(line) }
            case .smtpAlert(let subject, let body):
                sendAlert(subject: subject, body: body)
            case .log(let line):
                logger.info("\(line)")
            }
        }
    }

    // MARK: Messages for ipvs-applier

    private func vsKey(_ configIndex: Int) -> Wire.VirtualServerKey? {
        guard configIndex < config.config.virtualServers.count else { return nil }
        let vs = config.config.virtualServers[configIndex]
        switch vs.address {
        case .ip(let a, let port):
            guard let w = WireAddress(bytes: a.bytes) else { return nil }
            let p: TransportProtocol
            switch vs.effectiveProtocol {
            case .tcp: p = .tcp
            case .udp: p = .udp
            case .sctp: p = .sctp
            }
            return .endpoint(address: w, port: port, protocol: p)
        case .fwmark(let m):
            return .fwmark(m, ipv6: vs.ipFamily == .inet6)
        case .group(let g):
            return .group(g)
        }
    }

    private func rsKey(_ vsIndex: Int, _ rsIndex: Int) -> RealServerKey? {
        let vs = config.config.virtualServers[vsIndex]
        guard rsIndex < vs.realServers.count else { return nil }
        let rs = vs.realServers[rsIndex]
        guard let w = WireAddress(bytes: rs.address.bytes) else { return nil }
        return RealServerKey(address: w, port: vs.effectivePort(of: rs))
    }

    private func verdictMessage(_ h: RealServerHealth) -> RealServerVerdict? {
        guard let vk = vsKey(h.virtualServer), let rk = rsKey(h.virtualServer, h.realServer) else { return nil }
        return RealServerVerdict(generation: generation, virtualServer: vk, realServer: rk, up: h.up,
                                 weight: Int32(clamping: h.weight), reason: h.reason)
    }

    private func vsMessage(_ v: VirtualServerHealth) -> Wire.VirtualServerState? {
        guard let vk = vsKey(v.virtualServer) else { return nil }
        return Wire.VirtualServerState(generation: generation, virtualServer: vk, quorumUp: v.quorumUp,
                                       sorryServerActive: v.sorryServerActive)
    }

    /// Everything checkd believes, in parts that each fit a frame.
    func sendFullState() {
        let full = engine.fullWireState()
        let verdicts = full.realServers.compactMap(verdictMessage)
        let states = full.virtualServers.compactMap(vsMessage)
        let perPart = 2000
        var parts: [RealServerFullState] = []
        var i = 0
        repeat {
            let chunk = Array(verdicts[i..<min(i + perPart, verdicts.count)])
            parts.append(RealServerFullState(generation: generation, part: parts.count, final: false, verdicts: chunk,
                                             virtualServers: i == 0 ? states : []))
            i += perPart
        } while i < verdicts.count
        parts[parts.count - 1].final = true
        for p in parts { sendToApplier(.realServerFullState(p)) }
        logger.debug("sent the full state: \(verdicts.count) real servers, \(states.count) virtual servers")
    }

    /// Lines for keepalived's data dump (SIGUSR1 through the supervisor).
    func dumpLines() -> [String] {
        var out = ["------< Health checkers >------"]
        for (v, vs) in engine.plan.virtualServers.enumerated() {
            out.append(" VS \(vs.label) quorum \(engine.quorumUp(virtualServer: v) ? "up" : "down")")
            for (r, rs) in vs.realServers.enumerated() {
                out.append("   RS \(rs.label) \(engine.isAlive(virtualServer: v, realServer: r) ? "UP" : "DOWN") weight \(engine.effectiveWeight(virtualServer: v, realServer: r))")
            }
        }
        return out
    }

    // MARK: Track files, FIFOs, presence, SMTP

    private func watchTrackFiles(_ plan: HealthPlan) -> [Int64] {
        trackWatcher?.stop()
        trackWatcher = nil
        guard !plan.trackFiles.isEmpty else { return [] }
        let w = TrackFileWatcher(reactor: reactor, paths: plan.trackFiles.map(\.path)) { [unowned self] i, v in
            guard !self.stopping else { return }
            self.perform(self.engine.trackFileChanged(i, value: v, now: self.now))
            self.rearm()
        }
        let (values, problems) = w.start()
        for p in problems { logger.warning("\(p)") }
        trackWatcher = w
        return values
    }

    private func openFifos() {
        fifos = []
        let g = config.config.global
        for spec in [g.notifyFifo, g.lvsNotifyFifo].compactMap({ $0 }) {
            do {
                fifos.append(try NotifyFifo(path: spec.path))
            } catch {
                logger.error("notify fifo \(spec.path): \(error)")
            }
        }
    }

    private func refreshPresence(initial: Bool) {
        for (i, vs) in engine.plan.virtualServers.enumerated() where vs.haSuspend {
            let present = vs.address.map { LocalAddress.isConfigured($0.bytes) } ?? true
            perform(engine.addressPresence(virtualServer: i, present: present))
        }
    }

    /// ha_suspend: re-test the virtual addresses now and then (VIPs come and go with VRRP).
    private func schedulePresence() {
        guard engine.plan.virtualServers.contains(where: \.haSuspend) else { return }
        presenceTimer = reactor.schedule(after: .seconds(2), every: .seconds(2)) { [unowned self] in
            self.refreshPresence(initial: false)
        }
    }

    /// A VRRP instance changed state: its addresses may have come or gone.
    func vrrpStateChanged(_ m: VRRPStateChange) {
        logger.debug("VRRP instance \(m.instance) is \(m.state.rawValue)")
        refreshPresence(initial: false)
        // vrrpd adds the addresses right after it reports MASTER: look again shortly.
        reactor.schedule(after: .milliseconds(200)) { [weak self] in self?.refreshPresence(initial: false) }
    }

    private func sendAlert(subject: String, body: String) {
        let g = config.config.global
        guard let server = g.smtpServer, !g.notificationEmail.isEmpty else { return }
        guard let address = IPAddress(server.host) else {
            logger.warning("smtp_server \(server.host) is not an IP address; alert not sent: \(subject)")
            return
        }
        let from = g.notificationEmailFrom ?? "keepalived@localhost"
        let message = SMTPAlertMessage(from: from, to: g.notificationEmail, subject: subject, body: body,
                                       helo: g.smtpHeloName ?? "localhost")
        let probe = SMTPAlertProbe(endpoint: Endpoint(address: address, port: server.port), message: message)
        runner.start(probe, timeout: .seconds(Int64(g.smtpConnectTimeout))) { [logger] v in
            if v.up { logger.info("SMTP alert sent: \(subject)") } else { logger.warning("SMTP alert not sent (\(v.reason)): \(subject)") }
        }
    }
}
