// The health engine: every checker's schedule, every real server's state and
// every virtual server's quorum, with keepalived's semantics (reference
// §5.2–5.4, ipwrapper's update_svr_checker_state / perform_svr_state /
// update_quorum_state). Pure: it is told the time and the verdicts and
// returns what to do as data (HealthAction); the executable does the I/O.

import ConfigModel

/// A checker's identity for the life of the daemon (kept across reloads when
/// the checker is unchanged), so an in-flight probe finds its checker again.
public struct CheckerID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public static func < (a: CheckerID, b: CheckerID) -> Bool { a.raw < b.raw }
    public var description: String { "checker#\(raw)" }
}

/// One row of the desired IPVS table, keyed by the config's indices.
public struct IPVSUpdate: Hashable, Sendable, CustomStringConvertible {
    public enum Destination: Hashable, Sendable {
        /// Index of the real server in its virtual server's config list.
        case realServer(Int)
        case sorryServer
    }
    /// Index of the virtual server in the config.
    public var virtualServer: Int
    public var destination: Destination
    /// nil: not in the table. 0: in the table, inhibited.
    public var weight: Int64?

    public init(virtualServer: Int, destination: Destination, weight: Int64?) {
        self.virtualServer = virtualServer
        self.destination = destination
        self.weight = weight
    }

    public var description: String {
        let d: String
        switch destination {
        case .realServer(let i): d = "rs\(i)"
        case .sorryServer: d = "sorry"
        }
        return "vs\(virtualServer)/\(d)=\(weight.map(String.init) ?? "out")"
    }
}

/// checkd's verdict on one real server, as ipvs-applier is told it: whether
/// it is alive and at what weight (the applier applies inhibit_on_failure and
/// the sorry server from the virtual server's state).
public struct RealServerHealth: Hashable, Sendable, CustomStringConvertible {
    public var virtualServer: Int
    public var realServer: Int
    public var up: Bool
    /// The effective weight (0 when down).
    public var weight: Int64
    public var reason: String
    public var description: String { "vs\(virtualServer)/rs\(realServer) \(up ? "up w=\(weight)" : "down") (\(reason))" }
}

/// A virtual server's quorum and whether its sorry server is in use.
public struct VirtualServerHealth: Hashable, Sendable, CustomStringConvertible {
    public var virtualServer: Int
    public var quorumUp: Bool
    public var sorryServerActive: Bool
    public var description: String { "vs\(virtualServer) quorum \(quorumUp ? "up" : "down")\(sorryServerActive ? ", sorry server in" : "")" }
}

/// What the engine asks the executable to do.
public enum HealthAction: Hashable, Sendable {
    /// A real server's verdict changed (for ipvs-applier).
    case realServer(RealServerHealth)
    /// A virtual server's quorum / sorry-server state changed (for ipvs-applier).
    case virtualServer(VirtualServerHealth)
    /// The IPVS table row this implies, keepalived's way (for logs and tests;
    /// ipvs-applier derives the same from the two messages above).
    case ipvs(IPVSUpdate)
    /// notify_up / notify_down / quorum_up / quorum_down.
    case runScript(ScriptID, purpose: String)
    /// A line (with its newline) for notify_fifo and lvs_notify_fifo.
    case fifo(String)
    case smtpAlert(subject: String, body: String)
    case log(String)
}

/// A check the executable should start now.
public struct CheckRequest: Hashable, Sendable {
    public var id: CheckerID
    /// The checker's spec, shared with its state: one reference to copy per
    /// check instead of the spec's several strings and arrays.
    let specBox: CheckerSpecBox
    public var spec: CheckerSpec { specBox.value }
    /// The url the attempt fetches (HTTP_GET / SSL_GET).
    public var urlIndex: Int
    public var startedAt: Moment
}

/// A checker spec behind one reference (see CheckRequest.specBox); equal by value.
final class CheckerSpecBox: Hashable, Sendable {
    let value: CheckerSpec
    init(_ value: CheckerSpec) { self.value = value }
    static func == (a: CheckerSpecBox, b: CheckerSpecBox) -> Bool { a === b || a.value == b.value }
    func hash(into h: inout Hasher) { h.combine(value) }
}

public struct HealthEngine: Sendable {
    // MARK: State

    struct CheckerState: Sendable {
        let id: CheckerID
        /// Boxed: states are copied on the hot path, and a box is one retain.
        let specBox: CheckerSpecBox
        var spec: CheckerSpec { specBox.value }
        var cycle: CheckerCycle
        var vs: Int
        var rs: Int
        var running = false
        var startedAt = Moment.zero
        /// Matches the queue entry that is current; older entries are stale.
        var stamp: UInt32 = 0
        var next: Moment?
        // FILE_CHECK
        var isFile: Bool
        var fileUp = true
        var fileWeight: Int64 = 0
        /// It has reached a verdict (a first up, or down after its retries);
        /// a track file's value is known from the start.
        var reported = false

        var isUp: Bool { isFile ? fileUp : cycle.isUp }
        var hasRun: Bool { isFile ? true : cycle.hasRun }
    }

    enum TableEntry: Hashable, Sendable {
        case absent
        case weight(Int64)
        var weight: Int64? { if case .weight(let w) = self { return w }; return nil }
    }

    struct RealServerState: Sendable {
        var spec: RealServerSpec
        /// Index of its virtual server in `virtuals`.
        let vs: Int
        /// Change through setAlive / setEffectiveWeight, which keep the
        /// virtual server's live weight in step.
        private(set) var alive = false
        var failed = 0
        private(set) var effectiveWeight: Int64
        var checkers: [Int] = []
        var emitted: TableEntry?
        var sent: (up: Bool, weight: Int64)?
        var reason = "configured"

        init(spec: RealServerSpec, vs: Int) {
            self.spec = spec
            self.vs = vs
            effectiveWeight = spec.weight
        }

        /// What it adds to its virtual server's live weight.
        var contribution: Int64 { alive ? HealthEngine.realWeight(effectiveWeight) : 0 }

        mutating func set(alive a: Bool) { alive = a }
        mutating func set(effectiveWeight w: Int64) { effectiveWeight = w }
    }

    struct VirtualServerState: Sendable {
        var spec: VirtualServerSpec
        var quorumUp = false
        var sorryActive = false
        var suspended: Bool
        var realServers: [Int] = []
        /// The sum of its alive real servers' weights (keepalived's live
        /// weight for quorum), kept as servers change: never a rescan, so a
        /// round in which thousands fail stays linear.
        var liveWeight: Int64 = 0
        var emittedSorry: TableEntry?
        var sent: (quorumUp: Bool, sorry: Bool)?
    }

    public private(set) var plan: HealthPlan
    var checkers: [CheckerState] = []
    var reals: [RealServerState] = []
    var virtuals: [VirtualServerState] = []
    private var byID: [CheckerID: Int] = [:]
    private var queue = DeadlineQueue<(index: Int32, stamp: UInt32)>()
    private var nextID: UInt64 = 1
    private var trackValues: [Int64]
    private var started = false

    public init(plan: HealthPlan) {
        self.plan = plan
        trackValues = Array(repeating: 0, count: plan.trackFiles.count)
        build(plan)
    }

    private mutating func build(_ plan: HealthPlan) {
        checkers = []
        reals = []
        virtuals = []
        byID = [:]
        for (v, vs) in plan.virtualServers.enumerated() {
            var vstate = VirtualServerState(spec: vs, suspended: vs.haSuspend)
            for rs in vs.realServers {
                let r = reals.count
                var rstate = RealServerState(spec: rs, vs: v)
                for c in rs.checkers {
                    var isFile = false
                    if case .file = c.probe { isFile = true }
                    let id = CheckerID(nextID)
                    nextID += 1
                    byID[id] = checkers.count
                    rstate.checkers.append(checkers.count)
                    checkers.append(CheckerState(id: id, specBox: CheckerSpecBox(c), cycle: CheckerCycle(model: c.model, timing: c.timing),
                                                 vs: v, rs: r, isFile: isFile, reported: isFile))
                }
                vstate.realServers.append(r)
                reals.append(rstate)
            }
            virtuals.append(vstate)
        }
    }

    // MARK: Queries

    /// When the executable should next call `due(_:)`.
    public var nextDeadline: Moment? { queue.earliest }

    public var checkerCount: Int { checkers.count }

    /// The desired table, whole: what a (re)connecting ipvs-applier is sent.
    public func fullState() -> [IPVSUpdate] {
        var out: [IPVSUpdate] = []
        for v in virtuals.indices {
            for r in virtuals[v].realServers {
                out.append(IPVSUpdate(virtualServer: virtuals[v].spec.configIndex,
                                      destination: .realServer(reals[r].spec.configIndex),
                                      weight: desired(realServer: r, of: v).weight))
            }
            if virtuals[v].spec.sorryServer != nil {
                out.append(IPVSUpdate(virtualServer: virtuals[v].spec.configIndex, destination: .sorryServer,
                                      weight: desiredSorry(v).weight))
            }
        }
        return out
    }

    /// Whether a real server is alive (all its checkers up), by plan indices.
    public func isAlive(virtualServer v: Int, realServer r: Int) -> Bool {
        reals[virtuals[v].realServers[r]].alive
    }

    public func quorumUp(virtualServer v: Int) -> Bool { virtuals[v].quorumUp }
    public func effectiveWeight(virtualServer v: Int, realServer r: Int) -> Int64 {
        reals[virtuals[v].realServers[r]].effectiveWeight
    }
    public func isSuspended(virtualServer v: Int) -> Bool { virtuals[v].suspended }

    /// The next scheduled attempt of every checker (nil while running), by id.
    public func schedule() -> [CheckerID: Moment] {
        var out: [CheckerID: Moment] = [:]
        for c in checkers { if let n = c.next { out[c.id] = n } }
        return out
    }

    /// The ids of the checkers of one real server, by plan indices.
    public func checkerIDs(virtualServer v: Int, realServer r: Int) -> [CheckerID] {
        reals[virtuals[v].realServers[r]].checkers.map { checkers[$0].id }
    }

    // MARK: Start

    /// Starts every checker: the initial real-server states (non-alpha servers
    /// are alive at once, reference §5.3), the initial quorum, and the first
    /// run of each checker after the bootstrap delay and warmup.
    /// `trackFileValues` are the track files' current values (plan order).
    public mutating func start(now: Moment, random: inout some RandomSource,
                               trackFileValues: [Int64] = []) -> [HealthAction] {
        var out: [HealthAction] = []
        for note in plan.notes { out.append(.log(note)) }
        for (i, v) in trackFileValues.enumerated() where i < trackValues.count { trackValues[i] = v }
        for i in checkers.indices { initialise(checker: i, now: now, random: &random) }
        for v in virtuals.indices {
            for r in virtuals[v].realServers {
                reals[r].failed = reals[r].checkers.filter { !checkers[$0].isUp }.count
                if reals[r].failed == 0 {
                    setAlive(r, true)
                    if plan.rsInitNotifies { rsNotifies(r, of: v, into: &out) }
                }
            }
            updateQuorum(v, initial: true, into: &out)
            sync(v, into: &out)
        }
        started = true
        return out
    }

    private mutating func initialise(checker i: Int, now: Moment, random: inout some RandomSource) {
        if checkers[i].isFile {
            guard case .file(let f) = checkers[i].spec.probe else { return }
            switch FileCheckStatus.of(value: trackValues[f.trackFile], weight: f.weight, reverse: f.reverse) {
            case .fault:
                checkers[i].fileUp = false
            case .weight(let w):
                checkers[i].fileUp = true
                checkers[i].fileWeight = w
                let r = checkers[i].rs
                setEffectiveWeight(r, reals[r].effectiveWeight + w)
            }
            return
        }
        let at = checkers[i].cycle.firstRun(at: now, random: &random)
        arm(i, at: at)
    }

    private mutating func arm(_ i: Int, at: Moment) {
        checkers[i].stamp &+= 1
        checkers[i].next = at
        queue.insert((Int32(i), checkers[i].stamp), at: at)
    }

    // MARK: Running checks

    /// The checks due at `now`. Checkers of a suspended virtual server
    /// (ha_suspend) are skipped and re-armed a delay_loop later.
    public mutating func due(_ now: Moment) -> [CheckRequest] {
        var out: [CheckRequest] = []
        due(now, into: &out)
        return out
    }

    /// `due(_:)` appending to `out`, so the caller can keep one buffer
    /// (a few hundred batches a second otherwise each grow a new array).
    public mutating func due(_ now: Moment, into out: inout [CheckRequest]) {
        while let (_, entry) = queue.popDue(now) {
            let i = Int(entry.index)
            guard i < checkers.count, checkers[i].stamp == entry.stamp, !checkers[i].running else { continue }
            if virtuals[checkers[i].vs].suspended {
                arm(i, at: checkers[i].cycle.skipped(now: now))
                continue
            }
            checkers[i].running = true
            checkers[i].next = nil
            checkers[i].startedAt = now
            out.append(CheckRequest(id: checkers[i].id, specBox: checkers[i].specBox, urlIndex: checkers[i].cycle.urlIndex,
                                    startedAt: now))
        }
    }

    /// A check ended with `verdict`. Unknown ids (a checker removed by a
    /// reload while its probe ran) are ignored.
    public mutating func finished(_ id: CheckerID, _ verdict: Verdict, now: Moment) -> [HealthAction] {
        guard let i = byID[id], checkers[i].running else { return [] }
        checkers[i].running = false
        var out: [HealthAction] = []
        let v = checkers[i].vs, r = checkers[i].rs
        let vsBefore = (virtuals[v].quorumUp, virtuals[v].sorryActive)
        if verdict.up, let w = verdict.dynamicWeight {
            updateWeight(r, of: v, to: w, updateQuorum: true, into: &out)
        }
        let wasUp = checkers[i].cycle.isUp
        let hadRun = checkers[i].cycle.hasRun
        let step = checkers[i].cycle.record(up: verdict.up, startedAt: checkers[i].startedAt, now: now)
        if !verdict.up && (checkers[i].spec.timing.logAllFailures || (wasUp && step.retrying)) {
            let spec = checkers[i].spec
            out.append(.log("\(spec.keyword) on service \(spec.label) of VS \(virtuals[v].spec.label): attempt failed: \(verdict.reason)"
                            + (step.retrying ? "; retry \(checkers[i].cycle.retryIt) of \(spec.timing.retry) in \(spec.timing.delayBeforeRetry)s" : "")))
        }
        if let report = step.report {
            checkers[i].reported = true
            checkerReport(i, alive: report == .up, wasUp: wasUp, hadRun: hadRun, report: report, verdict: verdict, into: &out)
        }
        arm(i, at: step.next)
        // One real server changed at most, unless the virtual server's state did
        // (a sorry server swap touches every row): keep the common case O(1).
        if vsBefore == (virtuals[v].quorumUp, virtuals[v].sorryActive) {
            sync(v, only: r, into: &out)
        } else {
            sync(v, into: &out)
        }
        return out
    }

    /// keepalived's update_svr_checker_state.
    private mutating func checkerReport(_ i: Int, alive: Bool, wasUp: Bool, hadRun: Bool, report: CheckerReport,
                                        verdict: Verdict, into out: inout [HealthAction]) {
        let v = checkers[i].vs, r = checkers[i].rs
        let spec = checkers[i].spec
        if wasUp == alive {
            // First result confirms the initial state: an alpha checker's first
            // failure (or any first failure) still tells the notifiers.
            if !hadRun && (spec.timing.alpha || !alive) { rsNotifies(r, of: v, into: &out) }
            return
        }
        let vsLabel = virtuals[v].spec.label
        if alive {
            out.append(.log("\(spec.keyword) on service \(spec.label) of VS \(vsLabel) succeeded: \(verdict.reason)"))
        } else {
            let after = { () -> String in
                if case .down(let n?) = report { return " after \(n) retries" }
                return ""
            }()
            out.append(.log("\(spec.keyword) on service \(spec.label) of VS \(vsLabel) failed\(after): \(verdict.reason)"))
        }
        let rsWasAlive = reals[r].alive
        reals[r].reason = "\(spec.keyword) \(spec.label): \(verdict.reason)"
        reals[r].failed += alive ? -1 : 1
        if reals[r].failed < 0 { reals[r].failed = 0 }
        let nowAlive = reals[r].failed == 0
        if nowAlive != rsWasAlive { performServerState(r, of: v, alive: nowAlive, into: &out) }
        if reals[r].spec.smtpAlert && (rsWasAlive != reals[r].alive || !plan.noCheckerEmails) {
            let body = alive ? "=> \(spec.keyword) succeed on service <=" : "=> \(spec.keyword) failed on service : \(verdict.reason) <="
            smtp(subjectForRS: r, of: v, state: alive ? "UP" : "DOWN", body: body, into: &out)
        }
    }

    /// keepalived's perform_svr_state: the real server enters or leaves the pool.
    private mutating func performServerState(_ r: Int, of v: Int, alive: Bool, into out: inout [HealthAction]) {
        guard reals[r].alive != alive else { return }
        let inhibit = reals[r].spec.inhibitOnFailure
        let verb = alive ? (inhibit ? "Enabling" : "Adding") : (inhibit ? "Disabling" : "Removing")
        let prep = inhibit ? "of" : (alive ? "to" : "from")
        out.append(.log("\(verb) service \(reals[r].spec.label) \(prep) VS \(virtuals[v].spec.label)"))
        setAlive(r, alive)
        rsNotifies(r, of: v, into: &out)
        updateQuorum(v, initial: false, into: &out)
    }

    private func rsNotifies(_ r: Int, of v: Int, stopping: Bool = false, into out: inout [HealthAction]) {
        let rs = reals[r]
        if let s = rs.alive ? rs.spec.notifyUp : rs.spec.notifyDown {
            out.append(.runScript(s, purpose: "\(rs.alive ? "notify_up" : "notify_down") for \(rs.spec.label)"))
        }
        out.append(.fifo(Notifications.realServerLine(rs: rs.spec.label, vs: virtuals[v].spec.label, up: rs.alive)))
    }

    // MARK: Weights and quorum

    /// IPVS weights are 0...Int32.max (keepalived's real_weight).
    static func realWeight(_ w: Int64) -> Int64 { min(max(w, 0), Int64(Int32.max)) }

    /// keepalived's update_svr_wgt.
    private mutating func updateWeight(_ r: Int, of v: Int, to weight: Int64, updateQuorum: Bool,
                                       into out: inout [HealthAction]) {
        let old = HealthEngine.realWeight(reals[r].effectiveWeight)
        let new = HealthEngine.realWeight(weight)
        setEffectiveWeight(r, weight)
        guard new != old else { return }
        out.append(.log("Changing weight from \(old) to \(new) for \(reals[r].alive ? "" : "in")active service "
                        + "\(reals[r].spec.label) of VS \(virtuals[v].spec.label)"))
        if updateQuorum { self.updateQuorum(v, initial: false, into: &out) }
    }

    private mutating func setAlive(_ r: Int, _ alive: Bool) {
        let before = reals[r].contribution
        reals[r].set(alive: alive)
        virtuals[reals[r].vs].liveWeight += reals[r].contribution - before
    }

    private mutating func setEffectiveWeight(_ r: Int, _ weight: Int64) {
        let before = reals[r].contribution
        reals[r].set(effectiveWeight: weight)
        virtuals[reals[r].vs].liveWeight += reals[r].contribution - before
    }

    /// The live weight quorum is judged on, by plan index.
    public func liveWeight(virtualServer v: Int) -> Int64 { virtuals[v].liveWeight }

    /// keepalived's update_quorum_state, hysteresis included (reference §5.4):
    /// quorum comes up at sum >= quorum + hysteresis and goes down at
    /// sum < quorum - hysteresis (or sum = 0).
    private mutating func updateQuorum(_ v: Int, initial: Bool, into out: inout [HealthAction]) {
        let spec = virtuals[v].spec
        let sum = virtuals[v].liveWeight
        let up = virtuals[v].quorumUp
        let threshold = spec.quorum + (up ? -spec.hysteresis : spec.hysteresis)
        if !up && sum >= threshold {
            virtuals[v].quorumUp = true
            out.append(.log("Gained quorum \(spec.quorum)+\(spec.hysteresis)=\(threshold) <= \(sum) for VS \(spec.label)"))
            if let s = spec.sorryServer, virtuals[v].sorryActive {
                out.append(.log("\(s.inhibit ? "Disabling" : "Removing") sorry server \(s.label) from VS \(spec.label)"))
                out.append(.log("Adding alive servers to the pool for VS \(spec.label)"))
                virtuals[v].sorryActive = false
            }
            vsNotifies(v, initial: initial, threshold: threshold, sum: sum, into: &out)
        } else if (up && (sum == 0 || sum < threshold))
                    || (initial && !up && spec.sorryServer != nil && !virtuals[v].sorryActive) {
            virtuals[v].quorumUp = false
            out.append(.log("\(initial ? "Starting with quorum down" : "Lost quorum") \(spec.quorum)-\(spec.hysteresis)=\(threshold) > \(sum) for VS \(spec.label)"))
            if let s = spec.sorryServer, !virtuals[v].sorryActive {
                out.append(.log("\(s.inhibit ? "Enabling" : "Adding") sorry server \(s.label) to VS \(spec.label)"))
                out.append(.log("Removing alive servers from the pool for VS \(spec.label)"))
                virtuals[v].sorryActive = true
            }
            vsNotifies(v, initial: initial, threshold: threshold, sum: sum, into: &out)
        }
    }

    private func vsNotifies(_ v: Int, initial: Bool, threshold: Int64, sum: Int64, stopping: Bool = false,
                            into out: inout [HealthAction]) {
        let spec = virtuals[v].spec
        let up = virtuals[v].quorumUp
        // Only omega runs the notifiers on the way down (reference §5.3).
        if stopping && !spec.omega { return }
        if let s = up ? spec.quorumUp : spec.quorumDown {
            out.append(.runScript(s, purpose: "\(up ? "quorum_up" : "quorum_down") for VS \(spec.label)"))
        }
        out.append(.fifo(Notifications.virtualServerLine(vs: spec.label, up: up)))
        if spec.smtpAlert {
            let body: String
            if stopping {
                body = "=> Shutting down <="
            } else {
                let what = up ? (initial ? "Starting with quorum up" : "Gained quorum")
                              : (initial ? "Starting with quorum down" : "Lost quorum")
                body = "=> \(what) \(spec.quorum)+\(spec.hysteresis)=\(threshold) <= \(sum) <="
            }
            smtp(subjectForVS: v, state: up ? "UP" : "DOWN", body: body, into: &out)
        }
    }

    private func smtp(subjectForRS r: Int, of v: Int, state: String, body: String, into out: inout [HealthAction]) {
        guard plan.smtpConfigured else { return }
        out.append(.smtpAlert(subject: Notifications.realServerSubject(router: plan.routerId, rs: reals[r].spec.label,
                                                                       vs: virtuals[v].spec.label, state: state),
                              body: body))
    }

    private func smtp(subjectForVS v: Int, state: String, body: String, into out: inout [HealthAction]) {
        guard plan.smtpConfigured else { return }
        out.append(.smtpAlert(subject: Notifications.virtualServerSubject(router: plan.routerId, vs: virtuals[v].spec.label,
                                                                          state: state), body: body))
    }

    // MARK: What ipvs-applier is told

    /// Whether a real server's state is a checkers' verdict rather than the
    /// start-up assumption (up, or down with alpha): every checker has
    /// reached one, or one says down. Until then nothing is said about it, so
    /// ipvs-applier keeps what it holds: its own start-up assumption (the same
    /// rules), or, when checkd was respawned, the last verdict of the checkd
    /// before, instead of flapping to the assumption and back.
    func decided(_ r: Int) -> Bool {
        var all = true
        for c in reals[r].checkers {
            if !checkers[c].reported { all = false } else if !checkers[c].isUp { return true }
        }
        return all
    }

    /// Reads the fields it needs in place: a copy of the real server's state
    /// (strings, arrays) cost a retain and a release each, once per check.
    private func wireState(_ r: Int, of v: Int) -> RealServerHealth {
        let alive = reals[r].alive
        return RealServerHealth(virtualServer: virtuals[v].spec.configIndex, realServer: reals[r].spec.configIndex, up: alive,
                               weight: alive ? HealthEngine.realWeight(reals[r].effectiveWeight) : 0, reason: reals[r].reason)
    }

    private func wireState(_ v: Int) -> VirtualServerHealth {
        VirtualServerHealth(virtualServer: virtuals[v].spec.configIndex, quorumUp: virtuals[v].quorumUp,
                           sorryServerActive: virtuals[v].sorryActive)
    }

    /// Every real server's and virtual server's state: what a (re)connecting
    /// ipvs-applier is sent, and what follows a reload.
    public func fullWireState() -> (realServers: [RealServerHealth], virtualServers: [VirtualServerHealth]) {
        var rs: [RealServerHealth] = []
        var vs: [VirtualServerHealth] = []
        for v in virtuals.indices {
            for r in virtuals[v].realServers where decided(r) { rs.append(wireState(r, of: v)) }
            vs.append(wireState(v))
        }
        return (rs, vs)
    }

    // MARK: The desired table

    private func desired(realServer r: Int, of v: Int) -> TableEntry {
        let rs = reals[r]
        if virtuals[v].sorryActive || !rs.alive {
            // Out of the pool: inhibit_on_failure keeps it at weight 0 (§5.4).
            return rs.spec.inhibitOnFailure ? .weight(0) : .absent
        }
        return .weight(HealthEngine.realWeight(rs.effectiveWeight))
    }

    private func desiredSorry(_ v: Int) -> TableEntry {
        guard let s = virtuals[v].spec.sorryServer else { return .absent }
        if virtuals[v].sorryActive { return .weight(HealthEngine.realWeight(s.weight)) }
        return s.inhibit ? .weight(0) : .absent
    }

    /// As `sync(_:into:)` for one real server of `v` (its virtual server's state unchanged).
    private mutating func sync(_ v: Int, only r: Int, into out: inout [HealthAction]) {
        // Called once per check: the message is built only when it changed.
        let up = reals[r].alive
        let weight = up ? HealthEngine.realWeight(reals[r].effectiveWeight) : 0
        if reals[r].sent.map({ $0.up != up || $0.weight != weight }) ?? true, decided(r) {
            let st = wireState(r, of: v)
            reals[r].sent = (st.up, st.weight)
            out.append(.realServer(st))
        }
        let want = desired(realServer: r, of: v)
        if reals[r].emitted != want {
            reals[r].emitted = want
            out.append(.ipvs(IPVSUpdate(virtualServer: virtuals[v].spec.configIndex,
                                        destination: .realServer(reals[r].spec.configIndex), weight: want.weight)))
        }
    }

    /// Emits the states and rows of virtual server `v` that differ from what was last sent.
    private mutating func sync(_ v: Int, into out: inout [HealthAction]) {
        let vsIndex = virtuals[v].spec.configIndex
        for r in virtuals[v].realServers where decided(r) {
            let st = wireState(r, of: v)
            if reals[r].sent.map({ $0.up != st.up || $0.weight != st.weight }) ?? true {
                reals[r].sent = (st.up, st.weight)
                out.append(.realServer(st))
            }
        }
        let vst = wireState(v)
        if virtuals[v].sent.map({ $0.quorumUp != vst.quorumUp || $0.sorry != vst.sorryServerActive }) ?? true {
            virtuals[v].sent = (vst.quorumUp, vst.sorryServerActive)
            out.append(.virtualServer(vst))
        }
        for r in virtuals[v].realServers {
            let want = desired(realServer: r, of: v)
            if reals[r].emitted != want {
                reals[r].emitted = want
                out.append(.ipvs(IPVSUpdate(virtualServer: vsIndex, destination: .realServer(reals[r].spec.configIndex),
                                            weight: want.weight)))
            }
        }
        if virtuals[v].spec.sorryServer != nil {
            let want = desiredSorry(v)
            if virtuals[v].emittedSorry != want {
                virtuals[v].emittedSorry = want
                out.append(.ipvs(IPVSUpdate(virtualServer: vsIndex, destination: .sorryServer, weight: want.weight)))
            }
        }
    }

    // MARK: Track files (FILE_CHECK)

    /// A track file now holds `value` (keepalived's process_update_checker_track_file_status).
    public mutating func trackFileChanged(_ index: Int, value: Int64, now: Moment) -> [HealthAction] {
        guard index >= 0 && index < trackValues.count else { return [] }
        guard trackValues[index] != value else { return [] }
        trackValues[index] = value
        var out: [HealthAction] = []
        var touched = Set<Int>()
        for i in checkers.indices where checkers[i].isFile {
            guard case .file(let f) = checkers[i].spec.probe, f.trackFile == index else { continue }
            let v = checkers[i].vs, r = checkers[i].rs
            touched.insert(v)
            let status = FileCheckStatus.of(value: value, weight: f.weight, reverse: f.reverse)
            let reason = Verdict(up: status != .fault, reason: .fileValue(value))
            switch status {
            case .fault:
                guard checkers[i].fileUp else { continue }
                let old = checkers[i].fileWeight
                setFileChecker(i, up: false, verdict: reason, into: &out)
                setEffectiveWeight(r, reals[r].effectiveWeight - old)
                checkers[i].fileWeight = 0
            case .weight(let w):
                if !checkers[i].fileUp {
                    checkers[i].fileWeight = w
                    setEffectiveWeight(r, reals[r].effectiveWeight + w)
                    setFileChecker(i, up: true, verdict: reason, into: &out)
                } else if w != checkers[i].fileWeight {
                    let delta = w - checkers[i].fileWeight
                    checkers[i].fileWeight = w
                    updateWeight(r, of: v, to: reals[r].effectiveWeight + delta, updateQuorum: true, into: &out)
                }
            }
        }
        for v in touched.sorted() { sync(v, into: &out) }
        return out
    }

    private mutating func setFileChecker(_ i: Int, up: Bool, verdict: Verdict, into out: inout [HealthAction]) {
        let wasUp = checkers[i].fileUp
        checkers[i].fileUp = up
        checkerReport(i, alive: up, wasUp: wasUp, hadRun: true, report: up ? .up : .down(retries: nil), verdict: verdict,
                      into: &out)
    }

    // MARK: ha_suspend

    /// The virtual server's address is (or is no longer) configured on this
    /// director; with ha_suspend its checks pause while it is absent.
    public mutating func addressPresence(virtualServer v: Int, present: Bool) -> [HealthAction] {
        guard v < virtuals.count, virtuals[v].spec.haSuspend else { return [] }
        let suspend = !present
        guard virtuals[v].suspended != suspend else { return [] }
        virtuals[v].suspended = suspend
        return [.log("\(suspend ? "Suspending" : "Activating") healthchecker for service \(virtuals[v].spec.label)")]
    }

    // MARK: Shutdown

    /// Stopping: with omega, the real servers' notify_down and the quorum_down
    /// notifiers run (reference §5.3). The table itself is ipvs-applier's to clear.
    public mutating func shutdown() -> [HealthAction] {
        var out: [HealthAction] = []
        for v in virtuals.indices {
            for r in virtuals[v].realServers where reals[r].alive {
                out.append(.log("Shutting down service \(reals[r].spec.label) from VS \(virtuals[v].spec.label)"))
                setAlive(r, false)
                if virtuals[v].spec.omega {
                    rsNotifies(r, of: v, stopping: true, into: &out)
                    if reals[r].spec.smtpAlert {
                        smtp(subjectForRS: r, of: v, state: "DOWN", body: "=> Shutting down <=", into: &out)
                    }
                }
            }
            virtuals[v].quorumUp = false
            vsNotifies(v, initial: false, threshold: 0, sum: 0, stopping: true, into: &out)
        }
        queue.removeAll()
        return out
    }

    // MARK: Reload

    /// Applies a new plan. Unchanged real servers keep their checkers' state
    /// and schedule (no verdict flaps); new checkers start as at start-up.
    public mutating func reload(_ newPlan: HealthPlan, now: Moment, random: inout some RandomSource,
                                trackFileValues: [Int64]? = nil) -> [HealthAction] {
        let old = self
        var out: [HealthAction] = []
        plan = newPlan
        trackValues = trackFileValues ?? Array(repeating: 0, count: newPlan.trackFiles.count)
        if trackFileValues == nil {
            // Keep the values of track files that exist in both plans.
            for (i, tf) in newPlan.trackFiles.enumerated() {
                if let j = old.plan.trackFiles.firstIndex(where: { $0.path == tf.path }) { trackValues[i] = old.trackValues[j] }
            }
        }
        build(newPlan)
        queue.removeAll()
        for note in newPlan.notes { out.append(.log(note)) }

        var oldVSUsed = Set<Int>()
        for v in virtuals.indices {
            guard let ov = old.virtuals.indices.first(where: { !oldVSUsed.contains($0) && old.virtuals[$0].spec.key == virtuals[v].spec.key }) else {
                // A new virtual server: starts like at start-up.
                for r in virtuals[v].realServers { startFresh(realServer: r, now: now, random: &random, into: &out) }
                updateQuorum(v, initial: true, into: &out)
                sync(v, into: &out)
                continue
            }
            oldVSUsed.insert(ov)
            let o = old.virtuals[ov]
            virtuals[v].quorumUp = o.quorumUp
            virtuals[v].sent = o.sent
            virtuals[v].suspended = virtuals[v].spec.haSuspend ? (o.spec.haSuspend ? o.suspended : true) : false
            if let s = virtuals[v].spec.sorryServer, let os = o.spec.sorryServer, s.address == os.address, s.port == os.port {
                virtuals[v].sorryActive = o.sorryActive
                virtuals[v].emittedSorry = o.emittedSorry
            } else if o.sorryActive && virtuals[v].spec.sorryServer == nil {
                out.append(.log("Removing sorry server \(o.spec.sorryServer?.label ?? "") from VS \(o.spec.label)"))
            }
            var oldRSUsed = Set<Int>()
            for r in virtuals[v].realServers {
                let key = (reals[r].spec.address, reals[r].spec.port)
                guard let or = o.realServers.first(where: { !oldRSUsed.contains($0) && (old.reals[$0].spec.address, old.reals[$0].spec.port) == key }) else {
                    startFresh(realServer: r, now: now, random: &random, into: &out)
                    continue
                }
                oldRSUsed.insert(or)
                migrate(realServer: r, of: v, from: old, oldIndex: or, now: now, random: &random, into: &out)
            }
            for or in o.realServers where !oldRSUsed.contains(or) {
                out.append(.log("service \(old.reals[or].spec.label) no longer exist"))
                if old.reals[or].alive {
                    var gone = old.reals[or]
                    gone.set(alive: false)
                    out.append(.log("Removing service \(gone.spec.label) from VS \(o.spec.label)"))
                    if let s = gone.spec.notifyDown { out.append(.runScript(s, purpose: "notify_down for \(gone.spec.label)")) }
                    out.append(.fifo(Notifications.realServerLine(rs: gone.spec.label, vs: o.spec.label, up: false)))
                }
            }
            updateQuorum(v, initial: true, into: &out)
            sync(v, into: &out)
        }
        for ov in old.virtuals.indices where !oldVSUsed.contains(ov) {
            let o = old.virtuals[ov]
            out.append(.log("Removing Virtual Server \(o.spec.label)"))
            for or in o.realServers where old.reals[or].alive {
                if let s = old.reals[or].spec.notifyDown {
                    out.append(.runScript(s, purpose: "notify_down for \(old.reals[or].spec.label)"))
                }
                out.append(.fifo(Notifications.realServerLine(rs: old.reals[or].spec.label, vs: o.spec.label, up: false)))
            }
            if o.quorumUp {
                if let s = o.spec.quorumDown { out.append(.runScript(s, purpose: "quorum_down for VS \(o.spec.label)")) }
                out.append(.fifo(Notifications.virtualServerLine(vs: o.spec.label, up: false)))
            }
        }
        return out
    }

    private mutating func startFresh(realServer r: Int, now: Moment, random: inout some RandomSource,
                                     into out: inout [HealthAction]) {
        for c in reals[r].checkers { initialise(checker: c, now: now, random: &random) }
        reals[r].failed = reals[r].checkers.filter { !checkers[$0].isUp }.count
        setAlive(r, reals[r].failed == 0)
    }

    /// keepalived's migrate_checkers for one real server that exists in both plans.
    private mutating func migrate(realServer r: Int, of v: Int, from old: HealthEngine, oldIndex or: Int, now: Moment,
                                  random: inout some RandomSource, into out: inout [HealthAction]) {
        let o = old.reals[or]
        setAlive(r, o.alive)
        reals[r].emitted = o.emitted
        reals[r].sent = o.sent
        reals[r].reason = o.reason
        // Dynamic adjustments (misc_dynamic, track files) carry over onto the new configured weight.
        setEffectiveWeight(r, reals[r].spec.weight + (o.effectiveWeight - o.spec.weight))
        var oldUsed = Set<Int>()
        var fresh: [Int] = []
        for c in reals[r].checkers {
            guard let oc = o.checkers.first(where: { !oldUsed.contains($0) && old.checkers[$0].spec.identity == checkers[c].spec.identity }) else {
                fresh.append(c)
                continue
            }
            oldUsed.insert(oc)
            let prev = old.checkers[oc]
            // Same checker: same id, same state, same place in the schedule.
            byID[checkers[c].id] = nil
            let newCycle = checkers[c].cycle
            checkers[c] = CheckerState(id: prev.id, specBox: checkers[c].specBox, cycle: newCycle, vs: v, rs: r,
                                       running: prev.running, startedAt: prev.startedAt, stamp: 0, next: nil,
                                       isFile: prev.isFile, fileUp: prev.fileUp, fileWeight: prev.fileWeight,
                                       reported: prev.reported)
            checkers[c].cycle.migrate(from: prev.cycle)
            byID[prev.id] = c
            if let n = prev.next { arm(c, at: n) }
        }
        let failedOld = reals[r].checkers.filter { !fresh.contains($0) && checkers[$0].hasRun && !checkers[$0].isUp }.count
        let anyRun = reals[r].checkers.contains { !fresh.contains($0) && checkers[$0].hasRun }
        for c in fresh { initialise(checker: c, now: now, random: &random) }
        // Alpha checkers that have not run yet start down only if the server
        // already has a failure (or is down and nothing has run).
        let pessimistic = failedOld > 0 || (!o.alive && !anyRun)
        for c in reals[r].checkers where !checkers[c].isFile && !checkers[c].hasRun && checkers[c].spec.timing.alpha {
            checkers[c].cycle.isUp = !pessimistic
        }
        reals[r].failed = reals[r].checkers.filter { !checkers[$0].isUp }.count
        if reals[r].failed == 0 && !reals[r].alive {
            performServerState(r, of: v, alive: true, into: &out)
        } else if reals[r].failed > 0 && reals[r].alive {
            out.append(.log("Removing service \(reals[r].spec.label) from VS \(virtuals[v].spec.label) (failed checkers after reload)"))
            setAlive(r, false)
        }
    }
}
