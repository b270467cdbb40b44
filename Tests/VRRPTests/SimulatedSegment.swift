// A virtual wire for the state machine tests: several instances, a virtual
// clock, timers kept as the daemon keeps them, adverts delivered at once to
// every other live router through the real encoder, parser and validator.
// Test-only: pure logic, no sockets.
import ConfigModel
@testable import VRRP

struct WireAdvert: Equatable {
    var time: Instant
    var from: Int
    var priority: UInt8
}

struct SimulatedSegment {
    struct Router {
        var instance: Instance
        var address: IPAddress
        var timers: [TimerKind: Instant] = [:]
        var alive = false
        var holdsAddresses = false
        var gratuitous: [(Instant, Int)] = []
        var changes: [(Instant, StateChange)] = []
        var logs: [String] = []
    }

    var routers: [Router] = []
    var now = Instant.origin
    var wire: [WireAdvert] = []
    /// Set to drop adverts on the wire (a partition).
    var deliver = true

    mutating func add(_ s: InstanceSettings, address: String) {
        routers.append(Router(instance: Instance(settings: s), address: IPAddress(address)!))
    }

    mutating func start(_ i: Int) {
        routers[i].alive = true
        send(i, .start(localAddress: routers[i].address))
    }

    /// kill -9: the router vanishes, with no priority-0 advert.
    mutating func kill(_ i: Int) {
        routers[i].alive = false
        routers[i].timers = [:]
    }

    mutating func send(_ i: Int, _ e: Event) {
        var queue: [(Int, Event)] = [(i, e)]
        while !queue.isEmpty {
            let (r, ev) = queue.removeFirst()
            guard routers[r].alive else { continue }
            let actions = routers[r].instance.handle(ev, now: now)
            queue += apply(r, actions)
        }
    }

    private mutating func apply(_ r: Int, _ actions: [Action]) -> [(Int, Event)] {
        var deliveries: [(Int, Event)] = []
        for a in actions {
            switch a {
            case .sendAdvertisement(let prio):
                for dst in routers[r].instance.advertDestinations {
                    guard let bytes = routers[r].instance.makeAdvertisement(priority: prio, to: dst) else { continue }
                    wire.append(WireAdvert(time: now, from: r, priority: prio))
                    guard deliver else { continue }
                    for other in routers.indices where other != r && routers[other].alive {
                        if dst.isMulticast == false && routers[other].address != dst { continue }
                        if case .success(let p) = ParsedPacket.parse(InboundPacket(family: .inet, bytes: bytes)) {
                            deliveries.append((other, .packet(p)))
                        }
                    }
                }
            case .armTimer(let k, let at):
                routers[r].timers[k] = at
            case .cancelTimer(let k):
                routers[r].timers[k] = nil
            case .addAddresses:
                routers[r].holdsAddresses = true
            case .removeAddresses:
                routers[r].holdsAddresses = false
            case .sendGratuitous(let rounds):
                routers[r].gratuitous.append((now, rounds))
            case .stateChanged(let c):
                routers[r].changes.append((now, c))
            case .log(let l):
                routers[r].logs.append(l.message)
            }
        }
        return deliveries
    }

    /// Runs timers in deadline order up to `end` (inclusive), then sets the clock to `end`.
    mutating func run(until end: Instant) {
        while true {
            var next: (Int, TimerKind, Instant)?
            for (i, r) in routers.enumerated() where r.alive {
                for (k, t) in r.timers where t <= end {
                    if next == nil || t < next!.2 || (t == next!.2 && (i, k.rawValue) < (next!.0, next!.1.rawValue)) {
                        next = (i, k, t)
                    }
                }
            }
            guard let (i, k, t) = next else { break }
            now = t
            routers[i].timers[k] = nil
            send(i, .timerFired(k))
        }
        now = end
    }

    mutating func run(for d: Duration) { run(until: now + d) }

    func state(_ i: Int) -> InstanceState { routers[i].instance.state }
    var masters: [Int] { routers.indices.filter { routers[$0].alive && state($0) == .master } }
    var addressHolders: [Int] { routers.indices.filter { routers[$0].alive && routers[$0].holdsAddresses } }

    /// When router i last became MASTER.
    func becameMaster(_ i: Int) -> Instant? { routers[i].changes.last { $0.1.to == .master }?.0 }
    func lastAdvert(from i: Int) -> Instant? { wire.last { $0.from == i }?.time }
    func firstAdvert(from i: Int, after t: Instant) -> WireAdvert? { wire.first { $0.from == i && $0.time >= t } }
}
