// The IPVS acceptance cases, asserted on the host from the results the one
// guest boot wrote (scripts/test.d/30-ipvs-vm.sh runs ipvs-vm-suite inside
// ../shared/tools/ipvs-vm). When the stage ran, or when this runs as root
// under scripts/test.sh, missing results are a failure, not a skip: a broken
// stage cannot pass silently.
import Foundation
import Testing
import TestSupport

enum IPVSResults {
    static let directory = TestEnvironment.packageRoot.appendingPathComponent("test-out/ipvs")

    /// Every case the suite must have run, by name: a missing one fails by name.
    static let expectedCases = [
        "parity-schedulers", "parity-forwarding", "parity-fwmark-and-ipv6", "parity-persistence",
        "parity-groups", "parity-sorry-and-quorum-at-start", "parity-lvs-timeouts", "parity-kernel-refusals",
        "verdicts-down-inhibit-weight", "verdicts-quorum-hysteresis-sorry", "verdicts-alpha-start-and-recovery",
        "reload-keeps-unchanged-services", "hostile-verdicts-refused", "restart-over-stale-table",
        "flush-at-start-and-stop", "stop-with-dont-release-ipvs", "daemon-sandbox", "netlink-typed-errors", "sync-daemon", "sync-daemon-follows-vrrp",
        "stack-checkd-and-applier", "stack-with-vrrp", "alone-vrrpd-tells-applier",
    ]

    static var stageRan: Bool { FileManager.default.fileExists(atPath: directory.appendingPathComponent(".stage-started").path) }
    static var required: Bool {
        stageRan || (TestEnvironment.isRoot && ProcessInfo.processInfo.environment["KA_TEST_SH"] != nil)
    }
    static var available: Bool { FileManager.default.fileExists(atPath: directory.appendingPathComponent("summary.json").path) }

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("\(name).json"))
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestFailure("\(name).json is not an object")
        }
        return obj
    }
}

@Suite(.enabled(if: IPVSResults.required || IPVSResults.available,
                "no IPVS results: run scripts/test.d/30-ipvs-vm.sh (one guest boot) first"))
struct IPVSVMTests {
    @Test func theGuestRanEveryCase() throws {
        #expect(IPVSResults.available, "test-out/ipvs/summary.json missing: the IPVS guest stage did not produce results")
        let summary = try IPVSResults.json("summary")
        let ran = summary["cases"] as? [String] ?? []
        for name in IPVSResults.expectedCases {
            #expect(ran.contains(name), "case \(name) did not run")
        }
    }

    @Test(arguments: IPVSResults.expectedCases)
    func caseHeldInTheIPVSGuest(_ name: String) throws {
        let r = try IPVSResults.json(name)
        let details = (r["details"] as? [String] ?? []).joined(separator: "\n")
        #expect(r["passed"] as? Bool == true, "\(name) failed in the guest:\n\(details)")
        if name.hasPrefix("parity-") || name.hasPrefix("verdicts-") {
            // Double-check the comparison itself: both sides recorded, equal step by step, not empty.
            let ours = r["ours"] as? [[String]] ?? [], reference = r["reference"] as? [[String]] ?? []
            #expect(!ours.isEmpty && ours.count == reference.count, "\(name): steps recorded: ours \(ours.count), keepalived \(reference.count)")
            #expect(ours == reference, "\(name): ours and keepalived's tables differ")
            #expect(ours.allSatisfy { $0.contains { $0.hasPrefix("-a ") || $0.hasPrefix("->") } }, "\(name): a step with no destination at all")
        }
    }

    /// The whole stack under the supervisor: every step recorded, each with the table it expected.
    @Test func theStackCaseWentThroughEveryStep() throws {
        let r = try IPVSResults.json("stack-checkd-and-applier")
        let steps = (r["ours"] as? [[String]] ?? []).compactMap(\.first)
        let wanted = ["start: the healthy real servers", "127.0.0.2 stopped: removed", "127.0.0.2 restarted: back",
                      "127.0.0.3 (inhibit_on_failure) stopped: weight 0", "127.0.0.3 restarted: weight 1",
                      "127.0.0.4 stopped: quorum lost, sorry server in", "127.0.0.4 restarted: quorum back, sorry server out",
                      "kill -9 checkd: no flap", "SIGHUP, third virtual server changed"]
        for w in wanted {
            let step = steps.first { $0.hasPrefix(w + " (") }
            #expect(step?.hasSuffix(", ok)") == true, "step '\(w)': \(step ?? "not recorded")")
        }
        let details = r["details"] as? [String] ?? []
        #expect(details.contains { $0.hasPrefix("SIGTERM: keepalived exit 0, 0 rule(s) left") }, "\(details)")
        #expect(details.contains { $0.contains("kill -9 checkd") && $0.contains(", 0 differing") }, "\(details)")
    }

    @Test func benchmarkSmokeFiguresArePrinted() throws {
        let url = IPVSResults.directory.appendingPathComponent("bench-smoke.json")
        guard let data = try? Data(contentsOf: url) else {
            Issue.record("bench-smoke.json missing: the benchmark smoke did not run in the guest")
            return
        }
        print("ipvs benchmark (smoke, in the guest): \(String(decoding: data, as: UTF8.self))")
    }
}
