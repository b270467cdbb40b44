// man/keepalived.conf.5 names every keyword the grammar knows.
import Foundation
import Testing
@testable import KeepalivedConfig

@Suite struct ModelManPage {
    @Test func keepalivedConfFiveNamesEveryKeyword() throws {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir = dir.deletingLastPathComponent()
        }
        let man = try String(contentsOf: dir.appendingPathComponent("man/keepalived.conf.5"), encoding: .utf8)
            .replacingOccurrences(of: "\\-", with: "-")
        let g = KeepalivedGrammar()
        var missing: [String] = []
        for s in g.sections {
            for k in g.keywords(in: s) {
                // The per-process keywords are written once as *_priority and so on.
                let generic = ["vrrp_", "checker_", "bfd_"].contains { k.hasPrefix($0) }
                    && ["_priority", "_no_swap", "_rt_priority", "_cpu_affinity", "_rlimit_rttime", "_rlimit_rtime"].contains { k.hasSuffix($0) }
                if generic { continue }
                if !man.contains(k) { missing.append("\(s): \(k)") }
            }
        }
        #expect(missing.isEmpty, "man/keepalived.conf.5 does not mention: \(missing.joined(separator: ", "))")
    }
}
