// Verdict sequences step by step, each expected table taken from Debian's
// keepalived 2.2.7 driven through the same health changes (FILE_CHECK track
// files in the IPVS guest): removal, inhibit, weight changes, quorum with
// hysteresis and the sorry server, recovery.
import Testing
import ConfigModel
@testable import IPVS

struct Step: Sendable {
    var verdicts: [(VirtualServerRef, RealServerRef, Bool, Int64)]
    var lines: [String]
}

struct SequenceCase: CustomTestStringConvertible, Sendable {
    var name: String
    var config: KeepalivedConfiguration
    var start: [String]
    var steps: [Step]
    var testDescription: String { name }
}

let v2 = ref("10.0.0.2", 80), v3 = ref("10.0.0.3", 80), v1 = ref("10.0.0.1", 80), v5 = ref("10.0.0.5", 80)

let sequenceCases: [SequenceCase] = [
    SequenceCase(
        name: "removal, inhibit at weight 0, and a weight change down to 0",
        config: config([vs("10.0.0.1", 80, algo: .wrr, [rs("10.1.0.1", 80, weight: 2), rs("10.1.0.2", 80, weight: 2) { $0.inhibitOnFailure = true },
                                                       rs("10.1.0.3", 80, weight: 3) { $0.checkers = [.file(FileCheck())] }])]),
        start: ["-A tcp 10.0.0.1:80 -s wrr", "-a tcp 10.0.0.1:80 -r 10.1.0.1:80 fwd masquerade -w 2",
                "-a tcp 10.0.0.1:80 -r 10.1.0.2:80 fwd masquerade -w 2", "-a tcp 10.0.0.1:80 -r 10.1.0.3:80 fwd masquerade -w 3"],
        steps: [
            Step(verdicts: [(v1, rref("10.1.0.1", 80), false, 2), (v1, rref("10.1.0.2", 80), false, 2), (v1, rref("10.1.0.3", 80), true, 8)],
                 lines: ["-A tcp 10.0.0.1:80 -s wrr", "-a tcp 10.0.0.1:80 -r 10.1.0.2:80 fwd masquerade -w 0",
                         "-a tcp 10.0.0.1:80 -r 10.1.0.3:80 fwd masquerade -w 8"]),
            // Weight 0 while up: quorum lost (sum 0), but with no sorry server nothing else moves.
            Step(verdicts: [(v1, rref("10.1.0.3", 80), true, 0)],
                 lines: ["-A tcp 10.0.0.1:80 -s wrr", "-a tcp 10.0.0.1:80 -r 10.1.0.2:80 fwd masquerade -w 0",
                         "-a tcp 10.0.0.1:80 -r 10.1.0.3:80 fwd masquerade -w 0"]),
            Step(verdicts: [(v1, rref("10.1.0.1", 80), true, 2), (v1, rref("10.1.0.2", 80), true, 2), (v1, rref("10.1.0.3", 80), true, 3)],
                 lines: ["-A tcp 10.0.0.1:80 -s wrr", "-a tcp 10.0.0.1:80 -r 10.1.0.1:80 fwd masquerade -w 2",
                         "-a tcp 10.0.0.1:80 -r 10.1.0.2:80 fwd masquerade -w 2", "-a tcp 10.0.0.1:80 -r 10.1.0.3:80 fwd masquerade -w 3"]),
        ]),
    SequenceCase(
        name: "inhibit with quorum 2 and hysteresis 1: the sorry server at sum 0, back at 3",
        config: config([vs("10.0.0.2", 80, [rs("10.2.0.1", 80), rs("10.2.0.2", 80), rs("10.2.0.3", 80)]) {
            $0.inhibitOnFailure = true; $0.quorum = 2; $0.hysteresis = 1; $0.sorryServer = SorryServer(address: ip("10.9.0.1"), port: 80)
        }]),
        start: ["-A tcp 10.0.0.2:80 -s rr", "-a tcp 10.0.0.2:80 -r 10.2.0.1:80 fwd masquerade -w 1",
                "-a tcp 10.0.0.2:80 -r 10.2.0.2:80 fwd masquerade -w 1", "-a tcp 10.0.0.2:80 -r 10.2.0.3:80 fwd masquerade -w 1"],
        steps: [
            Step(verdicts: [(v2, rref("10.2.0.1", 80), false, 1)],
                 lines: ["-A tcp 10.0.0.2:80 -s rr", "-a tcp 10.0.0.2:80 -r 10.2.0.1:80 fwd masquerade -w 0",
                         "-a tcp 10.0.0.2:80 -r 10.2.0.2:80 fwd masquerade -w 1", "-a tcp 10.0.0.2:80 -r 10.2.0.3:80 fwd masquerade -w 1"]),
            Step(verdicts: [(v2, rref("10.2.0.2", 80), false, 1)],
                 lines: ["-A tcp 10.0.0.2:80 -s rr", "-a tcp 10.0.0.2:80 -r 10.2.0.1:80 fwd masquerade -w 0",
                         "-a tcp 10.0.0.2:80 -r 10.2.0.2:80 fwd masquerade -w 0", "-a tcp 10.0.0.2:80 -r 10.2.0.3:80 fwd masquerade -w 1"]),
            Step(verdicts: [(v2, rref("10.2.0.3", 80), false, 1)],
                 lines: ["-A tcp 10.0.0.2:80 -s rr", "-a tcp 10.0.0.2:80 -r 10.2.0.1:80 fwd masquerade -w 0",
                         "-a tcp 10.0.0.2:80 -r 10.2.0.2:80 fwd masquerade -w 0", "-a tcp 10.0.0.2:80 -r 10.2.0.3:80 fwd masquerade -w 0",
                         "-a tcp 10.0.0.2:80 -r 10.9.0.1:80 fwd masquerade -w 1"]),
            // Recovering servers are tracked but not pushed while the sorry server is in.
            Step(verdicts: [(v2, rref("10.2.0.1", 80), true, 1), (v2, rref("10.2.0.2", 80), true, 1)],
                 lines: ["-A tcp 10.0.0.2:80 -s rr", "-a tcp 10.0.0.2:80 -r 10.2.0.1:80 fwd masquerade -w 0",
                         "-a tcp 10.0.0.2:80 -r 10.2.0.2:80 fwd masquerade -w 0", "-a tcp 10.0.0.2:80 -r 10.2.0.3:80 fwd masquerade -w 0",
                         "-a tcp 10.0.0.2:80 -r 10.9.0.1:80 fwd masquerade -w 1"]),
            Step(verdicts: [(v2, rref("10.2.0.3", 80), true, 1)],
                 lines: ["-A tcp 10.0.0.2:80 -s rr", "-a tcp 10.0.0.2:80 -r 10.2.0.1:80 fwd masquerade -w 1",
                         "-a tcp 10.0.0.2:80 -r 10.2.0.2:80 fwd masquerade -w 1", "-a tcp 10.0.0.2:80 -r 10.2.0.3:80 fwd masquerade -w 1"]),
        ]),
    SequenceCase(
        name: "sorry_server_inhibit: the sorry server goes to weight 1 and the alive servers leave",
        config: config([vs("10.0.0.3", 80, kind: .dr, [rs("10.3.0.1", 80), rs("10.3.0.2", 80)]) {
            $0.quorum = 2; $0.sorryServer = SorryServer(address: ip("10.9.0.2"), port: 80); $0.sorryServerInhibit = true
            $0.sorryServerLvsMethod = ForwardingMethod(.nat)
        }]),
        start: ["-A tcp 10.0.0.3:80 -s rr", "-a tcp 10.0.0.3:80 -r 10.3.0.1:80 fwd directRoute -w 1",
                "-a tcp 10.0.0.3:80 -r 10.3.0.2:80 fwd directRoute -w 1", "-a tcp 10.0.0.3:80 -r 10.9.0.2:80 fwd masquerade -w 0"],
        steps: [
            Step(verdicts: [(v3, rref("10.3.0.1", 80), false, 1)],
                 lines: ["-A tcp 10.0.0.3:80 -s rr", "-a tcp 10.0.0.3:80 -r 10.9.0.2:80 fwd masquerade -w 1"]),
            Step(verdicts: [(v3, rref("10.3.0.1", 80), true, 1)],
                 lines: ["-A tcp 10.0.0.3:80 -s rr", "-a tcp 10.0.0.3:80 -r 10.3.0.1:80 fwd directRoute -w 1",
                         "-a tcp 10.0.0.3:80 -r 10.3.0.2:80 fwd directRoute -w 1", "-a tcp 10.0.0.3:80 -r 10.9.0.2:80 fwd masquerade -w 0"]),
        ]),
    SequenceCase(
        name: "inhibited alive servers drop to weight 0 when the quorum is lost",
        config: config([vs("10.0.0.1", 80, [rs("10.1.0.1", 80), rs("10.1.0.2", 80), rs("10.1.0.3", 80)]) {
            $0.inhibitOnFailure = true; $0.quorum = 3; $0.sorryServer = SorryServer(address: ip("10.9.0.1"), port: 80)
        }]),
        start: ["-A tcp 10.0.0.1:80 -s rr", "-a tcp 10.0.0.1:80 -r 10.1.0.1:80 fwd masquerade -w 1",
                "-a tcp 10.0.0.1:80 -r 10.1.0.2:80 fwd masquerade -w 1", "-a tcp 10.0.0.1:80 -r 10.1.0.3:80 fwd masquerade -w 1"],
        steps: [
            Step(verdicts: [(v1, rref("10.1.0.1", 80), false, 1)],
                 lines: ["-A tcp 10.0.0.1:80 -s rr", "-a tcp 10.0.0.1:80 -r 10.1.0.1:80 fwd masquerade -w 0",
                         "-a tcp 10.0.0.1:80 -r 10.1.0.2:80 fwd masquerade -w 0", "-a tcp 10.0.0.1:80 -r 10.1.0.3:80 fwd masquerade -w 0",
                         "-a tcp 10.0.0.1:80 -r 10.9.0.1:80 fwd masquerade -w 1"]),
        ]),
    SequenceCase(
        name: "weight changes decide the quorum (lowered to the total weight, 4)",
        config: config([vs("10.0.0.5", 80, [rs("10.5.0.1", 80, weight: 3) { $0.checkers = [.file(FileCheck())] }, rs("10.5.0.2", 80)]) {
            $0.quorum = 5; $0.sorryServer = SorryServer(address: ip("10.9.0.5"), port: 80)
        }]),
        start: ["-A tcp 10.0.0.5:80 -s rr", "-a tcp 10.0.0.5:80 -r 10.5.0.1:80 fwd masquerade -w 3", "-a tcp 10.0.0.5:80 -r 10.5.0.2:80 fwd masquerade -w 1"],
        steps: [
            Step(verdicts: [(v5, rref("10.5.0.1", 80), true, 5)],
                 lines: ["-A tcp 10.0.0.5:80 -s rr", "-a tcp 10.0.0.5:80 -r 10.5.0.1:80 fwd masquerade -w 5", "-a tcp 10.0.0.5:80 -r 10.5.0.2:80 fwd masquerade -w 1"]),
            Step(verdicts: [(v5, rref("10.5.0.1", 80), true, 2)],
                 lines: ["-A tcp 10.0.0.5:80 -s rr", "-a tcp 10.0.0.5:80 -r 10.9.0.5:80 fwd masquerade -w 1"]),
            Step(verdicts: [(v5, rref("10.5.0.1", 80), true, 3)],
                 lines: ["-A tcp 10.0.0.5:80 -s rr", "-a tcp 10.0.0.5:80 -r 10.5.0.1:80 fwd masquerade -w 3", "-a tcp 10.0.0.5:80 -r 10.5.0.2:80 fwd masquerade -w 1"]),
            Step(verdicts: [(v5, rref("10.5.0.1", 80), true, 8), (v5, rref("10.5.0.2", 80), false, 1)],
                 lines: ["-A tcp 10.0.0.5:80 -s rr", "-a tcp 10.0.0.5:80 -r 10.5.0.1:80 fwd masquerade -w 8"]),
        ]),
]

@Suite struct VerdictSequenceTests {
    @Test(arguments: sequenceCases)
    func everyStepLeavesTheTableKeepalivedLeaves(_ c: SequenceCase) {
        var e = engine(c.config)
        var kernel = IPVSTable()
        for op in e.reconcile(kernel: kernel).operations { op.apply(to: &kernel) }
        #expect(kernel.lines == c.start)
        for (i, step) in c.steps.enumerated() {
            for (v, r, up, w) in step.verdicts {
                guard case .success(let (diff, _)) = e.handle(verdict(v, r, up: up, weight: w), from: .checkd) else {
                    Issue.record("step \(i): verdict refused")
                    continue
                }
                for op in diff.operations { op.apply(to: &kernel) }
            }
            #expect(kernel.lines == step.lines, "step \(i)")
            #expect(kernel == e.kernel, "step \(i): the engine's view follows the kernel")
        }
    }

    @Test func quorumTransitionsReadLikeKeepalivedsLog() {
        let c = sequenceCases[1].config
        var e = engine(c)
        _ = e.reconcile(kernel: IPVSTable())
        var lines: [String] = []
        for r in ["10.2.0.1", "10.2.0.2", "10.2.0.3"] {
            if case .success(let (_, t?)) = e.handle(verdict(v2, rref(r, 80), up: false), from: .checkd) {
                lines.append(t.logLine(e.plan.virtualServers[0]))
            }
        }
        #expect(lines == ["Lost quorum 2-1=1 > 0 for VS [10.0.0.2]:tcp:80"])
    }

    @Test func aRepeatedVerdictSendsNothing() {
        var e = engine(sequenceCases[0].config)
        _ = e.reconcile(kernel: IPVSTable())
        guard case .success(let (first, _)) = e.handle(verdict(v1, rref("10.1.0.1", 80), up: false, weight: 2), from: .checkd),
              case .success(let (again, _)) = e.handle(verdict(v1, rref("10.1.0.1", 80), up: false, weight: 2), from: .checkd) else {
            Issue.record("refused"); return
        }
        #expect(first.operations == [.deleteDestination(tcp("10.0.0.1", 80), dst("10.1.0.1", 80))])
        #expect(again.operations.isEmpty)
    }
}
