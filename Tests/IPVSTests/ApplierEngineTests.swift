// The engine end to end on an in-memory kernel: restart over a stale table,
// reloads that touch only what changed, and release at stop.
import Testing
import ConfigModel
@testable import IPVS

@Suite struct ApplierEngineTests {
    let base = config([
        vs("10.0.0.1", 80, [rs("10.1.0.1", 80), rs("10.1.0.2", 80)]),
        vs("10.0.0.2", 80, [rs("10.2.0.1", 80)]),
    ])

    func applied(_ e: inout ApplierEngine, _ kernel: IPVSTable) -> IPVSTable {
        var k = kernel
        for op in e.reconcile(kernel: kernel).operations { op.apply(to: &k) }
        return k
    }

    @Test func restartOverAStaleTableCorrectsOursAndLeavesTheRest() {
        var e = engine(base)
        // Left by an earlier run: a wrong weight, a missing server, a server
        // since removed from the config that we recorded placing, and someone else's entries.
        var stale = table([(tcp("10.0.0.1", 80), "wlc", [(dst("10.1.0.1", 80), 9), (dst("10.1.0.9", 80), 1), (dst("10.7.7.7", 80), 1)]),
                           (tcp("10.0.0.99", 80), "rr", [(dst("10.7.7.7", 80), 1)])])
        stale.services[tcp("10.0.0.1", 80)]!.settings.scheduler = "wlc"
        var placed = Ownership()
        placed.destinations = [DestinationRef(tcp("10.0.0.1", 80), dst("10.1.0.9", 80))]
        var t: [QuorumTransition] = []
        e = ApplierEngine(plan: IPVSPlan(base), generation: 1, placed: placed, transitions: &t)
        let d = e.reconcile(kernel: stale)
        #expect(d.operations.map(\.description) == [
            "add service tcp 10.0.0.2:80 rr",
            "edit service tcp 10.0.0.1:80 rr",
            "add 10.1.0.2:80 to tcp 10.0.0.1:80 weight 1",
            "add 10.2.0.1:80 to tcp 10.0.0.2:80 weight 1",
            "edit 10.1.0.1:80 in tcp 10.0.0.1:80 weight 1",
            "delete 10.1.0.9:80 from tcp 10.0.0.1:80",
        ])
        #expect(d.foreign.map(\.description) == ["destination 10.7.7.7:80 in tcp 10.0.0.1:80", "service tcp 10.0.0.99:80"])
    }

    @Test func reloadWithOneServiceChangedTouchesOnlyThatService() {
        var e = engine(base)
        var k = applied(&e, IPVSTable())
        // A verdict before the reload: its state must survive the reload.
        if case .success(let (d, _)) = e.handle(verdict(ref("10.0.0.1", 80), rref("10.1.0.2", 80), up: false), from: .checkd) {
            for op in d.operations { op.apply(to: &k) }
        }
        var changed = base
        changed.virtualServers[1].lbAlgo = .wlc
        changed.virtualServers[1].realServers.append(rs("10.2.0.2", 80))
        var t: [QuorumTransition] = []
        let d = e.reload(plan: IPVSPlan(changed), generation: 2, kernel: k, transitions: &t)
        #expect(d.operations.map(\.description) == ["edit service tcp 10.0.0.2:80 wlc", "add 10.2.0.2:80 to tcp 10.0.0.2:80 weight 1"])
        for op in d.operations { op.apply(to: &k) }
        #expect(k.services[tcp("10.0.0.1", 80)]?.destinations[dst("10.1.0.2", 80)] == nil, "the down server stays down")
        // Verdicts of the old generation are now refused.
        if case .failure(let r) = e.handle(verdict(ref("10.0.0.1", 80), rref("10.1.0.2", 80), up: true), from: .checkd) {
            #expect(r.reason == "stale-generation")
        } else {
            Issue.record("old generation admitted")
        }
    }

    @Test func reloadRemovingAVirtualServerDeletesItsService() {
        var e = engine(base)
        let k = applied(&e, IPVSTable())
        var smaller = base
        smaller.virtualServers.removeLast()
        var t: [QuorumTransition] = []
        let d = e.reload(plan: IPVSPlan(smaller), generation: 2, kernel: k, transitions: &t)
        #expect(d.operations.map(\.description) == ["delete service tcp 10.0.0.2:80"])
    }

    @Test func releaseRemovesOursAndKeepsOthers() {
        var e = engine(base)
        var k = applied(&e, IPVSTable())
        k.services[tcp("10.0.0.99", 80)] = ServiceEntry(settings: ServiceSettings(scheduler: "rr", netmask: .max))
        _ = e.reconcile(kernel: k)
        let d = e.release()
        #expect(Set(d.operations.map(\.description)) == ["delete service tcp 10.0.0.1:80", "delete service tcp 10.0.0.2:80"])
        #expect(d.foreign.map(\.description) == ["service tcp 10.0.0.99:80"])
    }

    @Test func aFailedOperationAsksForAResync() {
        var e = engine(base)
        let ops = e.reconcile(kernel: IPVSTable()).operations
        #expect(!e.needsResync)
        e.failed(ops[0])
        #expect(e.needsResync)
        #expect(e.counters.operationsFailed == 1)
    }
}
