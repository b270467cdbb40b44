// The applier's whole decision logic, with no system calls: it takes the
// kernel's table, admitted verdicts and new config generations, and returns
// the operations to send. The executable carries them out over netlink and
// reports failures back; after a failure it dumps the table again and
// reconciles, so a refused operation never leaves the view and the kernel apart.

public struct ApplierCounters: Hashable, Sendable, Codable {
    public var verdictsAdmitted: UInt64 = 0
    public var refusals = RefusalCounters()
    public var operationsSent: UInt64 = 0
    public var operationsFailed: UInt64 = 0
    public var reconciliations: UInt64 = 0
    public init() {}
}

public struct ApplierEngine: Sendable {
    public private(set) var plan: IPVSPlan
    public private(set) var generation: UInt64
    public private(set) var health: HealthState
    /// What we placed in the kernel and have not removed: ours even after the
    /// config stops naming it (persisted by the executable across restarts).
    public private(set) var placed: Ownership
    /// The table as we believe the kernel holds it.
    public private(set) var kernel = IPVSTable()
    public private(set) var counters = ApplierCounters()
    /// Set when an operation failed: the caller should dump and reconcile.
    public private(set) var needsResync = false

    /// What the current plan may place (cached: it is large and asked often).
    public private(set) var universe: Ownership

    /// Ours: what we placed, and what the config may place.
    public var owned: EitherOwnership { EitherOwnership(placed, universe) }

    /// Starts from a plan; `placed` is what an earlier run recorded.
    public init(plan: IPVSPlan, generation: UInt64, placed: Ownership = Ownership(),
                transitions: inout [QuorumTransition]) {
        self.plan = plan
        self.generation = generation
        self.placed = placed
        self.universe = plan.universe
        self.health = HealthState(plan: plan, transitions: &transitions)
    }

    /// The table we want now.
    public var desired: IPVSTable { IPVSTable(plan: plan, health: health) }

    /// Compares with a freshly dumped kernel table; returns what to change.
    /// The view assumes the operations succeed (see `failed`).
    public mutating func reconcile(kernel dumped: IPVSTable) -> TableDiff {
        counters.reconciliations += 1
        observe(kernel: dumped)
        return commit(TableDiff(from: kernel, to: desired, owned: owned))
    }

    /// Takes a freshly dumped table as the view, changing nothing else.
    public mutating func observe(kernel dumped: IPVSTable) {
        needsResync = false
        kernel = dumped
        // What we recorded but the kernel no longer has is not ours any more.
        placed.services.formIntersection(dumped.services.keys)
        placed.destinations = placed.destinations.filter { dumped.services[$0.service]?.destinations[$0.destination] != nil }
    }

    /// Admits a verdict and returns the operations it calls for (often none),
    /// or the refusal; a refusal changes nothing but the counters.
    public mutating func handle(_ v: RealServerVerdict, from peer: Peer) -> Result<(TableDiff, QuorumTransition?), Refusal> {
        let change: HealthChange
        do {
            change = try plan.admit(v, from: peer, generation: generation)
        } catch {
            counters.refusals.count(error)
            return .failure(error)
        }
        counters.verdictsAdmitted += 1
        let before = health.virtualServers[change.virtualServer]
        let transition = health.apply(change, plan: plan)
        if health.virtualServers[change.virtualServer] == before { return .success((TableDiff(), transition)) }
        return .success((commit(diff(onlyFor: change.virtualServer)), transition))
    }

    /// A new config generation: the health of servers that stayed is kept,
    /// and only what changed is sent. `dumped` is a fresh kernel table when the
    /// caller has one (else the current view is used).
    public mutating func reload(plan newPlan: IPVSPlan, generation newGeneration: UInt64,
                                kernel dumped: IPVSTable? = nil,
                                transitions: inout [QuorumTransition]) -> TableDiff {
        // What the old config could place stays ours until it is removed.
        placed.formUnion(universe.restricted(to: dumped ?? kernel))
        health = HealthState(plan: newPlan, previous: health, transitions: &transitions)
        refused = []
        plan = newPlan
        universe = newPlan.universe
        generation = newGeneration
        if let dumped { kernel = dumped }
        return commit(TableDiff(from: kernel, to: desired, owned: owned))
    }

    /// What to remove at stop (everything of ours; someone else's stays).
    public func release() -> TableDiff { TableDiff.release(kernel, owned: owned) }

    /// How an operation failed in the kernel.
    public enum Failure: Sendable {
        /// The kernel's table is not what the view says (EEXIST on add,
        /// ENOENT on edit, lost acknowledgements): dump and reconcile.
        case drift
        /// The kernel refused this operation as such (no such scheduler,
        /// thresholds the wrong way round, ...): sending it again would fail
        /// again, so it is not sent again until the config changes.
        case refused
    }

    /// Operations the kernel refused in this generation (not sent again).
    public private(set) var refused: Set<IPVSOperation> = []

    /// An operation failed in the kernel.
    public mutating func failed(_ op: IPVSOperation, _ how: Failure = .drift) {
        counters.operationsFailed += 1
        switch how {
        case .drift:
            needsResync = true
        case .refused:
            refused.insert(op)
            switch op {
            case .addService(let k, _):
                kernel.services[k] = nil
                placed.services.remove(k)
            case .addDestination(let k, let d, _):
                kernel.services[k]?.destinations[d] = nil
                placed.destinations.remove(DestinationRef(k, d))
            case .editService, .editDestination, .deleteService, .deleteDestination:
                // The view cannot be reverted without knowing the old value.
                needsResync = true
            }
        }
    }

    /// Records a batch as sent: the view and the ownership record follow it.
    /// Operations the kernel already refused in this generation are dropped.
    public mutating func commit(_ diff: TableDiff) -> TableDiff {
        var d = diff
        if !refused.isEmpty { d.operations.removeAll { refused.contains($0) } }
        for op in d.operations {
            op.apply(to: &kernel)
            switch op {
            case .addService(let k, _): placed.services.insert(k)
            case .addDestination(let k, let dst, _): placed.destinations.insert(DestinationRef(k, dst))
            case .deleteService(let k):
                placed.services.remove(k)
                placed.destinations = placed.destinations.filter { $0.service != k }
            case .deleteDestination(let k, let dst): placed.destinations.remove(DestinationRef(k, dst))
            case .editService, .editDestination: break
            }
        }
        counters.operationsSent += UInt64(d.operations.count)
        return d
    }

    /// The diff restricted to one virtual server's services (a verdict
    /// touches nothing else, and a full diff per verdict would not scale).
    func diff(onlyFor ref: VirtualServerRef) -> TableDiff {
        guard let vs = plan.virtualServer(ref) else { return TableDiff() }
        var onePlan = IPVSPlan()
        onePlan.virtualServers = [vs]
        let want = IPVSTable(plan: onePlan, health: health)
        var have = IPVSTable()
        for k in vs.services { have.services[k] = kernel.services[k] }
        return TableDiff(from: have, to: want, owned: owned)
    }
}

extension Ownership {
    /// Only the entries present in a table.
    public func restricted(to t: IPVSTable) -> Ownership {
        var o = Ownership()
        o.services = services.filter { t.services[$0] != nil }
        o.destinations = destinations.filter { t.services[$0.service]?.destinations[$0.destination] != nil }
        return o
    }
}
