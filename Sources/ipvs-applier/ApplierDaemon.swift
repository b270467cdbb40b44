// ipvs-applier at run time: the engine and its netlink client on the
// reactor; configuration from the supervisor's slices or from a file when
// alone; verdicts from checkd (relayed by the supervisor, or on the named
// socket); VRRP states from vrrpd for the sync daemon; signals.
import ConfigModel
import DaemonSupport
import Glibc
import IPVS
import IPVSNetlink
import Logging
import Posix
import Reactor
import Wire

struct ApplierOptions {
    var releaseOnStop = true
    /// Running alone: generations are each process's own, so only the
    /// allowlist is checked, not the generation of checkd's messages.
    var standalone = false
}

final class ApplierDaemon: DaemonDelegate {
    let reactor: Reactor
    let logger: Logger
    let client: IPVSNetlinkClient
    let source: ConfigSource?
    var options: ApplierOptions
    private(set) var applier: IPVSNetlinkApplier?
    private var names = WireNames(IPVSPlan())
    private var generation = Generation(0)
    private var link: DaemonLink?
    private var peers: PeerSockets?
    private var statusSocket: StatusSocket?
    /// Verdicts delivered (admitted or not): a peer polling the status knows its messages arrived.
    private(set) var verdictsReceived: UInt64 = 0
    private var record: OwnershipRecord?
    private let sync: SyncDaemonControl
    /// Verdicts read in this reactor turn, applied together in one batch.
    private var pending: [(IPVS.RealServerVerdict, Peer)] = []
    private var flushScheduled = false
    /// checkd's messages of a newer generation than ours (its slice came
    /// first): held until ours arrives, bounded.
    private var early: [(Message, Peer)] = []
    static let maxEarly = 200_000
    /// Messages that did not map to anything a config could name.
    private(set) var unmappable: UInt64 = 0

    init(source: ConfigSource?, options: ApplierOptions, logger: Logger, runtimeDirectory: String?, userOverride: String? = nil) throws {
        self.source = source
        self.options = options
        self.logger = logger
        reactor = try Reactor()
        client = try IPVSNetlinkClient()
        sync = SyncDaemonControl(logger: logger)
        if let dir = runtimeDirectory {
            // Peers first: it creates <runtime>/ipvs-applier/, where the record and status socket live too.
            if options.standalone {
                let p = PeerSockets(program: .ipvsApplier, runtimeDirectory: dir, reactor: reactor, logger: logger)
                var profile = ProgramProfile.of(.ipvsApplier)
                if let u = userOverride { profile.user = u }
                let owner = try UserDirectory.resolve(user: geteuid() == 0 ? profile.user : Self.currentUserName())
                try p.prepare(owner: owner)
                peers = p
            } else {
                _ = mkdir(dir, 0o755)
                _ = mkdir(dir + "/ipvs-applier", 0o755)
            }
            let own = dir + "/ipvs-applier"
            do { record = try OwnershipRecord(directory: own) } catch {
                logger.warning("no ownership record in \(own) (\(error)): only what the config names counts as ours")
            }
            if options.standalone {
                statusSocket = try StatusSocket(directory: own, reactor: reactor, logger: logger) { [unowned self] r in
                    self.status(r, generation: self.generation)
                }
            }
        }
        try reactor.handleSignals([SIGTERM, SIGINT, SIGHUP]) { [unowned self] e in self.signal(e) }
    }

    func connectSupervisor(fd: Int32) throws {
        let l = try DaemonLink(program: .ipvsApplier, fd: fd, reactor: reactor, logger: logger)
        link = l
        try l.start(delegate: self)
    }

    /// Starts `config` (alone) or waits for the supervisor's first slice, then runs until stopped.
    func run(_ config: CompiledConfig?) throws {
        if let config { try begin(config, generation: .initial) }
        try peers?.start(onMessage: { [unowned self] m, from in self.received(m, from: from) },
                         onPeer: { [unowned self] p, up in self.received(.peerChange(PeerChange(program: p, up: up)), from: .supervisor) })
        try reactor.run()
        logger.info("ipvs-applier stopped")
    }

    // MARK: Configuration

    private func begin(_ config: CompiledConfig, generation g: Generation) throws {
        let plan = IPVSPlan(config.config)
        for n in plan.notes { logger.warning("\(n)") }
        let (placed, problem) = record?.load() ?? (Ownership(), nil)
        if let problem { logger.warning("\(problem)") }
        var transitions: [QuorumTransition] = []
        let engine = ApplierEngine(plan: plan, generation: g.value, placed: placed, transitions: &transitions)
        let a = IPVSNetlinkApplier(engine: engine, client: client) { [logger] in logger.info("\($0)") }
        applier = a
        generation = g
        names = WireNames(plan)
        for t in transitions { if let vs = plan.virtualServer(t.virtualServer) { logger.info("\(t.logLine(vs))") } }
        let foreign = try a.start()
        saveRecord()
        sync.configure(plan.syncDaemon, client: client)
        let from = source.map { " (from \($0.path))" } ?? ""
        logger.info("ipvs-applier started: \(plan.virtualServers.count) virtual server(s), \(a.engine.kernel.services.count) service(s) and \(a.engine.kernel.destinationCount) destination(s) in the kernel, \(foreign.count) entries not ours left alone\(from)")
        replayEarly()
    }

    private func reload(_ config: CompiledConfig, generation g: Generation) throws {
        guard let a = applier else { return try begin(config, generation: g) }
        let plan = IPVSPlan(config.config)
        for n in plan.notes { logger.warning("\(n)") }
        flush()
        let sent = a.engine.counters.operationsSent
        try a.reload(plan: plan, generation: g.value)
        generation = g
        names = WireNames(plan)
        saveRecord()
        sync.configure(plan.syncDaemon, client: client)
        logger.info("reloaded to \(g): \(a.engine.counters.operationsSent - sent) operation(s) sent")
        replayEarly()
    }

    private func saveRecord() {
        guard let record, let a = applier else { return }
        do { try record.save(a.engine.placed) } catch { logger.warning("cannot update \(record.path): \(error)") }
    }

    // MARK: Messages

    static func currentUserName() -> String {
        guard let pw = getpwuid(geteuid()) else { return "\(geteuid())" }
        return String(cString: pw.pointee.pw_name)
    }

    func deliver(_ m: Message, from peer: Peer) {
        switch m {
        case .realServerVerdict(let v):
            guard admitGeneration(m, v.generation, from: peer) else { return }
            enqueue(v, from: peer)
        case .realServerFullState(let s):
            guard admitGeneration(m, s.generation, from: peer) else { return }
            for v in s.verdicts { enqueue(v, from: peer) }
            for vs in s.virtualServers { compare(vs, from: peer) }
        case .virtualServerState(let s):
            guard admitGeneration(m, s.generation, from: peer) else { return }
            compare(s, from: peer)
        case .vrrpStateChange(let c):
            guard peer == .vrrpd || peer == .supervisor else {
                logger.warning("refused a VRRP state change from \(peer): only vrrpd sends those")
                return
            }
            sync.follow(c, client: client)
        case .peerChange(let p):
            if p.program == .checkd { logger.info("checkd \(p.up ? "connected" : "went away")") }
        case .hello, .statusRequest, .helloReply, .configSlice, .configApplied, .reload, .shutdown, .statusReply, .runScript, .scriptResult:
            logger.warning("refused \(m.type) from \(peer): not a message for ipvs-applier from a peer")
        }
    }

    /// Messages of a newer generation than ours wait for our slice (checkd
    /// may get its slice first); older ones are refused by admission.
    private func admitGeneration(_ m: Message, _ g: Generation, from peer: Peer) -> Bool {
        guard !options.standalone, g > generation else { return true }
        if early.count < Self.maxEarly { early.append((m, peer)) } else {
            logger.error("dropped \(m.type) of \(g) from \(peer): too many messages ahead of our configuration")
        }
        return false
    }

    private func replayEarly() {
        let held = early
        early = []
        for (m, p) in held { deliver(m, from: p) }
    }

    private func enqueue(_ v: Wire.RealServerVerdict, from peer: Peer) {
        verdictsReceived += 1
        guard var mapped = names.verdict(v) else {
            unmappable += 1
            logger.warning("refused a verdict from \(peer): \(v.virtualServer) / \(v.realServer) names no possible server")
            return
        }
        if options.standalone { mapped.generation = generation.value }
        pending.append((mapped, peer))
        if !flushScheduled {
            flushScheduled = true
            _ = reactor.schedule(after: .zero) { [unowned self] in self.flush() }
        }
    }

    /// Applies the verdicts of this turn in one batch.
    private func flush() {
        flushScheduled = false
        guard let a = applier, !pending.isEmpty else { return }
        let batch = pending
        pending = []
        do {
            _ = try a.handle(batch: batch)
        } catch {
            logger.error("netlink: \(error); reading the table again")
            _ = try? a.resync()
        }
        saveRecord()
    }

    /// checkd's own idea of a virtual server's quorum: the applier decides
    /// from the verdicts it admitted, and only reports a disagreement.
    private func compare(_ s: VirtualServerState, from peer: Peer) {
        guard let a = applier, let ref = names.ref(s.virtualServer), let h = a.engine.health.virtualServers[ref] else {
            logger.warning("refused a virtual server state from \(peer): \(s.virtualServer) is not in the config")
            return
        }
        if h.quorumUp != s.quorumUp {
            logger.info("\(peer) reports quorum \(s.quorumUp ? "up" : "down") for \(ref), applier computes \(h.quorumUp ? "up" : "down")")
        }
    }

    // MARK: Signals and stop

    private func signal(_ e: SignalEvent) {
        switch e.signal {
        case SIGHUP:
            guard let source else {
                logger.info("SIGHUP ignored: under the supervisor, reloads come from it")
                return
            }
            logger.info("reloading \(source.path)")
            do { try reload(source.load(for: .ipvsApplier), generation: generation.next) } catch {
                logger.error("reload failed, keeping the running configuration: \(error)")
            }
        default:
            logger.info("stopping on \(SignalName.of(e.signal))")
            stop(release: options.releaseOnStop)
            reactor.stop()
        }
    }

    func stop(release: Bool) {
        flush()
        sync.stop(client: client)
        guard let a = applier else { return }
        do {
            try a.stop(release: release)
            logger.info(release ? "removed what ipvs-applier placed in the IPVS table" : "left the IPVS table in place (--dont-release-ipvs)")
        } catch {
            logger.error("stopping: \(error)")
        }
        saveRecord()
    }

    // MARK: DaemonDelegate (under the supervisor)

    func apply(slice: [UInt8], generation g: Generation) -> String? {
        let config: CompiledConfig
        do { config = try CompiledConfig.load(from: slice).slice(for: .ipvsApplier) } catch { return "\(error)" }
        do {
            if applier == nil { try begin(config, generation: g) } else { try reload(config, generation: g) }
        } catch {
            return "\(error)"
        }
        return nil
    }

    func status(_ request: StatusRequest, generation g: Generation) -> [StatusReply] {
        flush()
        guard let a = applier else { return [StatusReply(requestID: request.requestID, generation: g, program: .ipvsApplier, pid: getpid())] }
        let snapshot = try? client.snapshot()
        var services: [ServiceKey: KernelService] = [:]
        var dests: [ServiceKey: [DestinationKey: KernelDestination]] = [:]
        for s in snapshot?.services ?? [] { services[s.key] = s }
        for (k, ds) in snapshot?.destinations ?? [:] { dests[k] = Dictionary(ds.map { ($0.key, $0) }, uniquingKeysWith: { x, _ in x }) }
        var vsOut: [VirtualServerStatus] = []
        var rsOut: [RealServerStatus] = []
        for vs in a.engine.plan.virtualServers {
            let key = WireNames.key(vs.ref, vs)
            let h = a.engine.health.virtualServers[vs.ref]
            var total = IPVSNetlink.IPVSCounters()
            for k in vs.services {
                guard let c = services[k]?.counters else { continue }
                total.connections += c.connections; total.inPackets += c.inPackets; total.outPackets += c.outPackets
                total.inBytes += c.inBytes; total.outBytes += c.outBytes
            }
            vsOut.append(VirtualServerStatus(key: key, quorumUp: h?.quorumUp ?? false,
                                             sorryServerActive: vs.sorryServer != nil && !(h?.quorumUp ?? false),
                                             counters: Wire.IPVSCounters(total)))
            for rs in vs.realServers {
                let state = h?.realServers[rs.ref]
                let d = vs.services.first.flatMap { dests[$0]?[rs.destination(in: $0)] }
                rsOut.append(RealServerStatus(virtualServer: key,
                                              realServer: RealServerKey(address: WireNames.wire(rs.ref.address), port: rs.ref.port),
                                              up: state?.up ?? false, weight: Int32(clamping: state?.weight ?? 0),
                                              counters: d.map { Wire.IPVSCounters($0.counters, active: $0.activeConnections,
                                                                                  inactive: $0.inactiveConnections) }))
            }
        }
        let c = a.engine.counters
        var lines = ["------< IPVS applier >------",
                     " verdicts received = \(verdictsReceived)",
                     " verdicts admitted = \(c.verdictsAdmitted), refused = \(c.refusals.total)"
                        + c.refusals.byReason.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined(),
                     " operations sent = \(c.operationsSent), failed = \(c.operationsFailed), reconciliations = \(c.reconciliations)",
                     " netlink messages sent = \(client.messagesSent) in \(client.socket.datagramsSent) datagram(s)",
                     " sync daemon = \(sync.state.map { "\($0)" } ?? "stopped")"]
        if request.kind == .statsClear { lines.append(" (IPVS counters are the kernel's and are not cleared)") }
        return [StatusReply(requestID: request.requestID, generation: g, program: .ipvsApplier, pid: getpid(),
                            virtualServers: vsOut, realServers: rsOut, dumpLines: lines)]
    }

    func shutdown(_ request: Shutdown) {
        logger.info("stopping at the supervisor's request (\(request.reason.rawValue))")
        stop(release: request.releaseIPVS && options.releaseOnStop)
        link?.finishShutdown()
    }

    func received(_ message: Message, from program: ProgramName) {
        let peer: Peer
        switch program {
        case .checkd: peer = .checkd
        case .vrrpd: peer = .vrrpd
        case .supervisor: peer = .supervisor
        case .ipvsApplier: peer = .other(uid: getuid())
        }
        deliver(message, from: peer)
    }
}
