// The smallest batch of operations that turns the kernel's table into the
// one we want, touching only what we own.
//
// Ownership: a service or destination is ours when the config can place it
// (the plan's universe) or when we placed it earlier (recorded across
// reloads and restarts). Entries that are neither are someone else's: they
// are left alone and reported. A service we own that also holds someone
// else's destination is kept while that destination is there.
//
// Nothing is deleted and re-added: every setting of a service (scheduler,
// flags, timeout, netmask, engine) and of a destination (method, weight,
// thresholds, tunnel) is edited in place, so connections to an unchanged
// service are never disturbed and its counters keep counting.
//
// Order: new services, service edits, new destinations, destination edits,
// destination deletions, service deletions. Additions come before removals so
// a sorry server swap never leaves a service with no destination; a deleted
// service takes its destinations with it, so they are not deleted one by one.

public struct DestinationRef: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var service: ServiceKey
    public var destination: DestinationKey
    public init(_ service: ServiceKey, _ destination: DestinationKey) {
        self.service = service
        self.destination = destination
    }
    public var description: String { "\(destination) in \(service)" }
    public static func < (a: Self, b: Self) -> Bool { (a.service, a.destination) < (b.service, b.destination) }
}

/// Answers "is this ours?" (see above).
public protocol OwnershipQuery {
    func owns(_ s: ServiceKey) -> Bool
    func owns(_ d: DestinationRef) -> Bool
}

public struct Ownership: Hashable, Sendable, Codable, OwnershipQuery {
    public var services: Set<ServiceKey> = []
    public var destinations: Set<DestinationRef> = []
    public init() {}

    public func owns(_ s: ServiceKey) -> Bool { services.contains(s) }
    public func owns(_ d: DestinationRef) -> Bool { destinations.contains(d) }

    public mutating func formUnion(_ o: Ownership) {
        services.formUnion(o.services)
        destinations.formUnion(o.destinations)
    }
}

/// Ours if either says so (what we placed, and what the config may place).
public struct EitherOwnership: OwnershipQuery {
    public var first: Ownership
    public var second: Ownership
    public init(_ first: Ownership, _ second: Ownership) {
        self.first = first
        self.second = second
    }
    public func owns(_ s: ServiceKey) -> Bool { first.owns(s) || second.owns(s) }
    public func owns(_ d: DestinationRef) -> Bool { first.owns(d) || second.owns(d) }
}

public enum IPVSOperation: Hashable, Sendable, Codable, CustomStringConvertible {
    case addService(ServiceKey, ServiceSettings)
    case editService(ServiceKey, ServiceSettings)
    case deleteService(ServiceKey)
    case addDestination(ServiceKey, DestinationKey, DestinationSettings)
    case editDestination(ServiceKey, DestinationKey, DestinationSettings)
    case deleteDestination(ServiceKey, DestinationKey)

    public var description: String {
        switch self {
        case .addService(let k, let s): return "add service \(k) \(s.scheduler)"
        case .editService(let k, let s): return "edit service \(k) \(s.scheduler)"
        case .deleteService(let k): return "delete service \(k)"
        case .addDestination(let k, let d, let s): return "add \(d) to \(k) weight \(s.weight)"
        case .editDestination(let k, let d, let s): return "edit \(d) in \(k) weight \(s.weight)"
        case .deleteDestination(let k, let d): return "delete \(d) from \(k)"
        }
    }

    /// What this operation does to a table, as the kernel would do it on success.
    public func apply(to table: inout IPVSTable) {
        switch self {
        case .addService(let k, let s): table.services[k] = ServiceEntry(settings: s)
        case .editService(let k, let s): table.services[k]?.settings = s
        case .deleteService(let k): table.services[k] = nil
        case .addDestination(let k, let d, let s), .editDestination(let k, let d, let s):
            table.services[k]?.destinations[d] = s
        case .deleteDestination(let k, let d): table.services[k]?.destinations[d] = nil
        }
    }
}

/// An entry in the kernel that is not ours, left alone.
public enum ForeignEntry: Hashable, Sendable, Codable, CustomStringConvertible {
    case service(ServiceKey)
    case destination(DestinationRef)
    public var description: String {
        switch self {
        case .service(let s): return "service \(s)"
        case .destination(let d): return "destination \(d)"
        }
    }
}

public struct TableDiff: Hashable, Sendable {
    public var operations: [IPVSOperation] = []
    public var foreign: [ForeignEntry] = []
    public var isEmpty: Bool { operations.isEmpty }
    public init(operations: [IPVSOperation] = [], foreign: [ForeignEntry] = []) {
        self.operations = operations
        self.foreign = foreign
    }
}

extension TableDiff {
    public init(from actual: IPVSTable, to desired: IPVSTable, owned: some OwnershipQuery) {
        var addServices: [IPVSOperation] = [], editServices: [IPVSOperation] = []
        var addDests: [IPVSOperation] = [], editDests: [IPVSOperation] = [], delDests: [IPVSOperation] = []
        var delServices: [IPVSOperation] = []

        for key in desired.services.keys.sorted() {
            let want = desired.services[key]!
            guard let have = actual.services[key] else {
                addServices.append(.addService(key, want.settings))
                for d in want.destinations.keys.sorted() { addDests.append(.addDestination(key, d, want.destinations[d]!)) }
                continue
            }
            if have.settings.comparable != want.settings.comparable { editServices.append(.editService(key, want.settings)) }
            for d in want.destinations.keys.sorted() {
                let w = want.destinations[d]!
                if let h = have.destinations[d] {
                    if h.comparable != w.comparable { editDests.append(.editDestination(key, d, w)) }
                } else {
                    addDests.append(.addDestination(key, d, w))
                }
            }
            for d in have.destinations.keys.sorted() where want.destinations[d] == nil {
                if owned.owns(DestinationRef(key, d)) {
                    delDests.append(.deleteDestination(key, d))
                } else {
                    foreign.append(.destination(DestinationRef(key, d)))
                }
            }
        }
        for key in actual.services.keys.sorted() where desired.services[key] == nil {
            let have = actual.services[key]!
            guard owned.owns(key) else {
                foreign.append(.service(key))
                continue
            }
            let theirs = have.destinations.keys.sorted().filter { !owned.owns(DestinationRef(key, $0)) }
            if theirs.isEmpty {
                delServices.append(.deleteService(key))
            } else {
                // Deleting the service would take someone else's destinations with it.
                for d in have.destinations.keys.sorted() where owned.owns(DestinationRef(key, d)) {
                    delDests.append(.deleteDestination(key, d))
                }
                foreign.append(contentsOf: theirs.map { .destination(DestinationRef(key, $0)) })
            }
        }
        operations = addServices + editServices + addDests + editDests + delDests + delServices
    }

    /// What to remove at stop: everything we own that is in the kernel, as
    /// above (a service of ours that holds someone else's destination stays).
    public static func release(_ actual: IPVSTable, owned: some OwnershipQuery) -> TableDiff {
        TableDiff(from: actual, to: IPVSTable(), owned: owned)
    }
}
