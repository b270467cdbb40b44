// checkd is untrusted: every way a verdict can overstep is refused, counted,
// and changes nothing.
import Testing
import ConfigModel
@testable import IPVS

struct RefusalCase: CustomTestStringConvertible, Sendable {
    var name: String
    var peer: Peer
    var verdict: RealServerVerdict
    var reason: String
    var testDescription: String { name }
}

let admissionConfig = config([vs("10.0.0.1", 80, [rs("10.1.0.1", 80, weight: 5), rs("10.1.0.2", 80, weight: 5) {
    var m = MiscCheck(); m.miscDynamic = true; $0.checkers = [.misc(m)]
}, rs("10.1.0.3", 80, checked: false)])])

let refusalCases: [RefusalCase] = [
    RefusalCase(name: "a verdict from vrrpd", peer: .vrrpd, verdict: verdict(ref("10.0.0.1", 80), rref("10.1.0.1", 80), up: false), reason: "wrong-peer"),
    RefusalCase(name: "a verdict from an unknown uid", peer: .other(uid: 1000), verdict: verdict(ref("10.0.0.1", 80), rref("10.1.0.1", 80), up: true), reason: "wrong-peer"),
    RefusalCase(name: "a verdict of an older generation", peer: .checkd, verdict: verdict(ref("10.0.0.1", 80), rref("10.1.0.1", 80), up: false, generation: 0), reason: "stale-generation"),
    RefusalCase(name: "an unknown virtual server", peer: .checkd, verdict: verdict(ref("10.0.0.9", 80), rref("10.1.0.1", 80), up: true), reason: "unknown-virtual-server"),
    RefusalCase(name: "the right address with the wrong protocol", peer: .checkd, verdict: verdict(ref("10.0.0.1", 80, .udp), rref("10.1.0.1", 80), up: true), reason: "unknown-virtual-server"),
    RefusalCase(name: "an address not in the config", peer: .checkd, verdict: verdict(ref("10.0.0.1", 80), rref("192.0.2.66", 80), up: true), reason: "unknown-real-server"),
    RefusalCase(name: "a configured address on another port", peer: .checkd, verdict: verdict(ref("10.0.0.1", 80), rref("10.1.0.1", 81), up: true), reason: "unknown-real-server"),
    RefusalCase(name: "a server with no checker", peer: .checkd, verdict: verdict(ref("10.0.0.1", 80), rref("10.1.0.3", 80), up: false), reason: "not-checked"),
    RefusalCase(name: "a weight above the configured bound", peer: .checkd, verdict: verdict(ref("10.0.0.1", 80), rref("10.1.0.1", 80), up: true, weight: 6), reason: "weight-out-of-range"),
    RefusalCase(name: "a negative weight", peer: .checkd, verdict: verdict(ref("10.0.0.1", 80), rref("10.1.0.1", 80), up: true, weight: -1), reason: "weight-out-of-range"),
    RefusalCase(name: "a weight above misc_dynamic's 253", peer: .checkd, verdict: verdict(ref("10.0.0.1", 80), rref("10.1.0.2", 80), up: true, weight: 254), reason: "weight-out-of-range"),
    RefusalCase(name: "a weight past 32 bits", peer: .checkd, verdict: verdict(ref("10.0.0.1", 80), rref("10.1.0.2", 80), up: true, weight: 1 << 40), reason: "weight-out-of-range"),
]

@Suite struct AdmissionTests {
    @Test(arguments: refusalCases)
    func aVerdictOutsideTheAllowlistIsRefusedAndChangesNothing(_ c: RefusalCase) {
        var e = engine(admissionConfig)
        _ = e.reconcile(kernel: IPVSTable())
        let kernelBefore = e.kernel, healthBefore = e.health
        switch e.handle(c.verdict, from: c.peer) {
        case .success: Issue.record("admitted")
        case .failure(let r): #expect(r.reason == c.reason)
        }
        #expect(e.kernel == kernelBefore)
        #expect(e.health == healthBefore)
        #expect(e.counters.refusals.byReason == [c.reason: 1])
        #expect(e.counters.verdictsAdmitted == 0)
    }

    @Test func weightsWithinTheBoundAreAdmitted() throws {
        let plan = IPVSPlan(admissionConfig)
        let a = try plan.admit(verdict(ref("10.0.0.1", 80), rref("10.1.0.2", 80), up: true, weight: 253), from: .checkd, generation: 1)
        #expect(a.weight == 253)
        let b = try plan.admit(verdict(ref("10.0.0.1", 80), rref("10.1.0.1", 80), up: true, weight: 0), from: .checkd, generation: 1)
        #expect(b.up && b.weight == 0)
    }

    @Test func refusalsSayWhatWasWrong() {
        let r = Refusal.unknownRealServer(ref("10.0.0.1", 80), rref("192.0.2.66", 80))
        #expect(r.description == "real server 192.0.2.66:80 is not in virtual server [10.0.0.1]:tcp:80 of the config")
    }
}
