// The engine's decisions carried out on the kernel: the one place where the
// pure ApplierEngine meets the netlink client. Used by the `ipvs-applier`
// executable and by the VM suite, so what is tested is what runs.
//
// After any refused operation or lost acknowledgement the table is dumped
// again and reconciled (at most `maxResyncs` times in a row), so the
// engine's view never drifts from the kernel.
import IPVS

public final class IPVSNetlinkApplier {
    public private(set) var engine: ApplierEngine
    public let client: IPVSNetlinkClient
    /// Where log lines go (the executable's logger; the suite's transcript).
    public var log: (String) -> Void
    public var maxResyncs = 3
    /// Operations the kernel refused, most recent last (kept short).
    public private(set) var recentFailures: [(IPVSOperation, GenericNetlinkError)] = []

    public init(engine: ApplierEngine, client: IPVSNetlinkClient, log: @escaping (String) -> Void = { _ in }) {
        self.engine = engine
        self.client = client
        self.log = log
    }

    /// Start-up: flush when `lvs_flush` says so, set `lvs_timeouts`, then
    /// read the table and reconcile. Returns the entries left alone.
    @discardableResult
    public func start() throws(GenericNetlinkError) -> [ForeignEntry] {
        let plan = engine.plan
        if plan.flushAtStart {
            try client.flush()
            log("lvs_flush: flushed the IPVS table")
        }
        if plan.timeoutTCP != nil || plan.timeoutTCPFin != nil || plan.timeoutUDP != nil {
            try client.setTimeouts(tcp: plan.timeoutTCP, tcpFin: plan.timeoutTCPFin, udp: plan.timeoutUDP)
        }
        return try resync()
    }

    /// Dumps the table, reconciles and applies; retried while operations fail.
    @discardableResult
    public func resync() throws(GenericNetlinkError) -> [ForeignEntry] {
        var foreign: [ForeignEntry] = []
        for attempt in 0...maxResyncs {
            let snapshot = try client.snapshot()
            let diff = engine.reconcile(kernel: snapshot.table)
            if attempt == 0 {
                foreign = diff.foreign
                for f in diff.foreign { log("not ours, left alone: \(f)") }
            }
            try send(diff, resyncOnFailure: false)
            if !engine.needsResync { return foreign }
        }
        log("the table still differs after \(maxResyncs) reconciliations; last failures: \(recentFailures.map { "\($0.0): \($0.1)" })")
        return foreign
    }

    /// Sends a diff; on failure resyncs (unless told not to).
    public func send(_ diff: TableDiff, resyncOnFailure: Bool = true) throws(GenericNetlinkError) {
        guard !diff.operations.isEmpty else { return }
        do {
            let outcome = try client.apply(diff.operations)
            for (op, e) in outcome.failures {
                guard let how = classify(op, e) else { continue }
                engine.failed(op, how)
                recentFailures.append((op, e))
                log("\(op): \(e)")
            }
            if recentFailures.count > 64 { recentFailures.removeFirst(recentFailures.count - 64) }
        } catch .noBufferSpace {
            log("netlink: ENOBUFS, acknowledgements lost; reading the table again")
            engine.failed(diff.operations[0])
        }
        if resyncOnFailure && engine.needsResync { try resync() }
    }

    /// What a failure means for the view; nil when the kernel already is as wanted.
    func classify(_ op: IPVSOperation, _ e: GenericNetlinkError) -> ApplierEngine.Failure? {
        switch (op, e) {
        case (.deleteService, .notFound), (.deleteDestination, .notFound):
            return nil  // already gone
        case (_, .exists), (.editService, .notFound), (.editDestination, .notFound), (_, .noBufferSpace), (_, .noReply):
            return .drift
        case (.addDestination(let k, _, _), .notFound):
            // Its service was refused just before (it is gone from the view): refused too; else the view drifted.
            return engine.kernel.services[k] == nil ? .refused : .drift
        default:
            return .refused
        }
    }

    /// A verdict from a peer: refused (and nothing sent) or applied.
    public func handle(_ v: RealServerVerdict, from peer: Peer) throws(GenericNetlinkError) -> Result<(TableDiff, QuorumTransition?), Refusal> {
        let r = engine.handle(v, from: peer)
        switch r {
        case .failure(let refusal):
            log("refused verdict from \(peer): \(refusal)")
        case .success(let (diff, transition)):
            if let t = transition, let vs = engine.plan.virtualServer(t.virtualServer) { log(t.logLine(vs)) }
            try send(diff)
        }
        return r
    }

    /// Several verdicts at once (all read in one wake-up): one batch to the kernel.
    public func handle(batch: [(RealServerVerdict, Peer)]) throws(GenericNetlinkError) -> [Refusal] {
        var ops = TableDiff()
        var refused: [Refusal] = []
        for (v, peer) in batch {
            switch engine.handle(v, from: peer) {
            case .failure(let r):
                refused.append(r)
                log("refused verdict from \(peer): \(r)")
            case .success(let (d, t)):
                if let t, let vs = engine.plan.virtualServer(t.virtualServer) { log(t.logLine(vs)) }
                ops.operations += d.operations
            }
        }
        try send(ops)
        return refused
    }

    /// A new config generation; only what changed is sent.
    public func reload(plan: IPVSPlan, generation: UInt64) throws(GenericNetlinkError) {
        let snapshot = try client.snapshot()
        var transitions: [QuorumTransition] = []
        let diff = engine.reload(plan: plan, generation: generation, kernel: snapshot.table, transitions: &transitions)
        for t in transitions { if let vs = plan.virtualServer(t.virtualServer) { log(t.logLine(vs)) } }
        try send(diff)
    }

    /// Stop: `lvs_flush_onstop`, else remove what we own unless `release` is false.
    public func stop(release: Bool) throws(GenericNetlinkError) {
        switch engine.plan.flushAtStop {
        case .all?:
            try client.flush()
            log("lvs_flush_onstop: flushed the IPVS table")
            return
        case .virtualServers?:
            let ops = engine.plan.virtualServers.flatMap(\.services).filter { engine.kernel.services[$0] != nil }
                .map { IPVSOperation.deleteService($0) }
            try send(engine.commit(TableDiff(operations: ops, foreign: [])), resyncOnFailure: false)
            return
        case nil:
            break
        }
        guard release else { return }
        let snapshot = try client.snapshot()
        engine.observe(kernel: snapshot.table)
        let diff = engine.commit(engine.release())
        try send(diff, resyncOnFailure: false)
    }
}
