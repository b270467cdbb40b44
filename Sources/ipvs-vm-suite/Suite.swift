// Runs cases and records results (one JSON file per case).
import ConfigModel
import Foundation
import IPVS
import IPVSNetlink
import TestSupport

struct CaseResult: Codable {
    var name: String
    var passed: Bool
    var details: [String] = []
    /// What our applier left in the kernel (per step for sequences).
    var ours: [[String]] = []
    /// What Debian's keepalived left from the same config (per step).
    var reference: [[String]] = []
    var seconds: Double = 0
}

struct SuiteCase {
    var name: String
    var body: (Suite, inout CaseResult) throws -> Void
}

final class Suite {
    let outDir: String
    let work: String
    var failed: [String] = []
    var names: [String] = []

    init(outDir: String) {
        self.outDir = outDir
        work = "/dev/shm/ipvs-vm-suite"
        try? FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: work)
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    func run(_ c: SuiteCase) {
        var r = CaseResult(name: c.name, passed: false)
        let t0 = Date()
        try? Ipvsadm.clear()
        do {
            try c.body(self, &r)
        } catch {
            r.passed = false
            r.details.append("error: \(error)")
        }
        try? Ipvsadm.clear()
        r.seconds = Date().timeIntervalSince(t0)
        names.append(c.name)
        if !r.passed { failed.append(c.name) }
        print("\(r.passed ? "PASS" : "FAIL") \(c.name) (\(String(format: "%.1f", r.seconds)) s)")
        if !r.passed { for d in r.details.prefix(40) { print("    \(d)") } }
        // Flushed now, so a guest stopped by its timeout still shows how far it got.
        fflush(nil)
        write(r, to: "\(outDir)/\(c.name).json")
    }

    func write<T: Encodable>(_ value: T, to path: String) {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let d = try? enc.encode(value) { try? d.write(to: URL(fileURLWithPath: path)) }
    }

    func writeSummary(seconds: Double) {
        struct Summary: Codable { var cases: [String]; var failed: [String]; var seconds: Double; var kernel: String }
        let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        write(Summary(cases: names, failed: failed, seconds: seconds, kernel: kernel), to: "\(outDir)/summary.json")
        print("ipvs-vm-suite: \(names.count - failed.count)/\(names.count) passed in \(String(format: "%.1f", seconds)) s")
    }

    /// A scratch directory for one case inside the guest.
    func scratch(_ name: String) -> String {
        let d = "\(work)/\(name)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Our applier on a config, started (reconciled) against the kernel.
    func ours(_ c: KeepalivedConfiguration, generation: UInt64 = 1, placed: Ownership = Ownership(),
              transcript: inout [String]) throws -> IPVSNetlinkApplier {
        var t: [QuorumTransition] = []
        let plan = IPVSPlan(c)
        let engine = ApplierEngine(plan: plan, generation: generation, placed: placed, transitions: &t)
        let applier = IPVSNetlinkApplier(engine: engine, client: try IPVSNetlinkClient())
        var lines: [String] = plan.notes.map { "note: \($0)" }
        applier.log = { lines.append($0) }
        try applier.start()
        transcript += lines
        applier.log = { _ in }
        return applier
    }
}

/// Compares two step lists; describes the first differences.
func differences(_ ours: [String], _ reference: [String], label: String) -> [String] {
    if ours == reference { return [] }
    var out = ["\(label): ours and keepalived's differ"]
    let a = Set(ours), b = Set(reference)
    for l in ours where !b.contains(l) { out.append("  only ours:       \(l)") }
    for l in reference where !a.contains(l) { out.append("  only keepalived: \(l)") }
    return out
}
