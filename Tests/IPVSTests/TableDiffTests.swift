// The diff: minimal, ordered, and only over what we own.
import Testing
import ConfigModel
@testable import IPVS

func table(_ entries: [(ServiceKey, String, [(DestinationKey, UInt32)])]) -> IPVSTable {
    var t = IPVSTable()
    for (k, sched, dests) in entries {
        var e = ServiceEntry(settings: ServiceSettings(scheduler: sched, netmask: ServiceSettings.fullNetmask(k.family)))
        for (d, w) in dests { e.destinations[d] = DestinationSettings(forwarding: .masquerade, weight: w) }
        t.services[k] = e
    }
    return t
}

func owning(_ services: [ServiceKey], _ dests: [(ServiceKey, DestinationKey)]) -> Ownership {
    var o = Ownership()
    o.services = Set(services)
    o.destinations = Set(dests.map { DestinationRef($0.0, $0.1) })
    return o
}

struct DiffCase: CustomTestStringConvertible, Sendable {
    var name: String
    var actual: IPVSTable
    var desired: IPVSTable
    var owned: Ownership
    var operations: [String]
    var foreign: [String]
    var testDescription: String { name }
}

let a = tcp("10.0.0.1", 80), b = tcp("10.0.0.2", 80), f = tcp("10.0.0.99", 80)
let r1 = dst("10.1.0.1", 80), r2 = dst("10.1.0.2", 80), rx = dst("10.7.7.7", 80)

let diffCases: [DiffCase] = [
    DiffCase(name: "equal tables need nothing",
             actual: table([(a, "rr", [(r1, 1)])]), desired: table([(a, "rr", [(r1, 1)])]),
             owned: owning([a], [(a, r1)]), operations: [], foreign: []),
    DiffCase(name: "from empty: the service before its destinations",
             actual: IPVSTable(), desired: table([(a, "rr", [(r2, 1), (r1, 2)])]),
             owned: owning([a], [(a, r1), (a, r2)]),
             operations: ["add service tcp 10.0.0.1:80 rr", "add 10.1.0.1:80 to tcp 10.0.0.1:80 weight 2", "add 10.1.0.2:80 to tcp 10.0.0.1:80 weight 1"],
             foreign: []),
    DiffCase(name: "a changed scheduler and weight are edited in place, never deleted and re-added",
             actual: table([(a, "rr", [(r1, 1), (r2, 1)])]), desired: table([(a, "wlc", [(r1, 5), (r2, 1)])]),
             owned: owning([a], [(a, r1), (a, r2)]),
             operations: ["edit service tcp 10.0.0.1:80 wlc", "edit 10.1.0.1:80 in tcp 10.0.0.1:80 weight 5"], foreign: []),
    DiffCase(name: "additions before removals (a sorry swap never empties the service)",
             actual: table([(a, "rr", [(r1, 1)])]), desired: table([(a, "rr", [(r2, 1)])]),
             owned: owning([a], [(a, r1), (a, r2)]),
             operations: ["add 10.1.0.2:80 to tcp 10.0.0.1:80 weight 1", "delete 10.1.0.1:80 from tcp 10.0.0.1:80"], foreign: []),
    DiffCase(name: "a service of ours no longer wanted goes whole, not destination by destination",
             actual: table([(a, "rr", [(r1, 1)]), (b, "rr", [(r1, 1), (r2, 1)])]), desired: table([(a, "rr", [(r1, 1)])]),
             owned: owning([a, b], [(a, r1), (b, r1), (b, r2)]),
             operations: ["delete service tcp 10.0.0.2:80"], foreign: []),
    DiffCase(name: "someone else's service and destination are left alone and reported",
             actual: table([(a, "rr", [(r1, 1), (rx, 3)]), (f, "wlc", [(rx, 1)])]), desired: table([(a, "rr", [(r1, 1)])]),
             owned: owning([a], [(a, r1)]),
             operations: [], foreign: ["destination 10.7.7.7:80 in tcp 10.0.0.1:80", "service tcp 10.0.0.99:80"]),
    DiffCase(name: "a service of ours holding someone else's destination keeps it",
             actual: table([(b, "rr", [(r1, 1), (rx, 1)])]), desired: IPVSTable(),
             owned: owning([b], [(b, r1)]),
             operations: ["delete 10.1.0.1:80 from tcp 10.0.0.2:80"], foreign: ["destination 10.7.7.7:80 in tcp 10.0.0.2:80"]),
    DiffCase(name: "a kernel flag we never set does not count as a difference",
             actual: { var t = table([(a, "rr", [])]); t.services[a]!.settings.flags = .hashed; return t }(),
             desired: table([(a, "rr", [])]), owned: owning([a], []), operations: [], foreign: []),
]

@Suite struct TableDiffTests {
    @Test(arguments: diffCases)
    func diffIsMinimalOrderedAndOwned(_ c: DiffCase) {
        let d = TableDiff(from: c.actual, to: c.desired, owned: c.owned)
        #expect(d.operations.map(\.description) == c.operations)
        #expect(d.foreign.map(\.description) == c.foreign)
    }

    @Test(arguments: diffCases)
    func applyingTheDiffReachesTheDesiredTableOverWhatWeOwn(_ c: DiffCase) {
        var t = c.actual
        for op in TableDiff(from: c.actual, to: c.desired, owned: c.owned).operations { op.apply(to: &t) }
        #expect(TableDiff(from: t, to: c.desired, owned: c.owned).operations.isEmpty)
    }

    @Test func tunnelFieldsOfNonTunnelDestinationsAreIgnored() {
        var x = DestinationSettings(forwarding: .masquerade, weight: 1)
        x.tunnel = TunnelSettings(kind: .gre, port: 9, flags: .checksum)
        #expect(x.comparable == DestinationSettings(forwarding: .masquerade, weight: 1))
    }
}
