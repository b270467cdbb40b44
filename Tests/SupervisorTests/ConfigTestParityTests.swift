// `keepalived -t` exits as Debian's keepalived 2.2.7 does (0 clean, 4 fatal,
// 5 any other error or warning, 6 script security) on every configuration
// of ../shared/corpus/keepalived-samples, both run here, in a network
// namespace with lo and veth eth0..eth3 up (as EXPECTED.tsv was made), from
// the file's directory. The stored verdicts only list the files.
import Foundation
import Testing
import TestSupport

enum ConfigTestCorpus {
    static let samples = TestEnvironment.sharedDirectory.appendingPathComponent("corpus/keepalived-samples")

    static var files: [String] {
        let tsv = (try? String(contentsOf: samples.appendingPathComponent("EXPECTED.tsv"), encoding: .utf8)) ?? ""
        return tsv.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), !line.hasPrefix("file\t") else { return nil }
            return line.split(separator: "\t", omittingEmptySubsequences: false).first.map(String.init)
        }
    }

    /// kaconf is the compiler from the config branches; until it has landed,
    /// `kaconf lint` is not there to run.
    static var kaconfLints: Bool {
        (try? run([TestEnvironment.binary("kaconf"), "lint", "--help"]))?.status == 0
    }

    static var ready: Bool {
        TestEnvironment.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived")
            && !files.isEmpty && kaconfLints
    }

    /// Files where we differ from keepalived on purpose, with the reason
    /// (the same deviations kaconf lists in the README).
    static let deviations: [String: String] = [:]
}

extension RunsProcesses {
@Suite(.enabled(if: ConfigTestCorpus.ready, "needs root, Debian's keepalived, the corpus and kaconf lint"))
struct ConfigTestParity {
    @Test func keepalivedDashTExitsAsDebiansOnEveryCorpusConfiguration() throws {
        let ns = try Netns("kat")
        defer { ns.remove() }
        for i in 0..<4 {
            try ns.sh("ip link add eth\(i) type veth peer name peer\(i) && ip link set eth\(i) up && ip link set peer\(i) up")
        }
        let ours = TestEnvironment.binary("keepalived")
        var rows: [(String, Int32, Int32)] = []
        for f in ConfigTestCorpus.files {
            let path = ConfigTestCorpus.samples.appendingPathComponent(f).path
            let dir = (path as NSString).deletingLastPathComponent
            let theirs = try ns.sh("cd '\(dir)' && timeout 20 /usr/sbin/keepalived -t -f '\(path)' >/dev/null 2>&1; echo $?", timeout: 30)
            let mine = try ns.sh("cd '\(dir)' && timeout 60 '\(ours)' -t -f '\(path)' >/dev/null 2>&1; echo $?", timeout: 90)
            rows.append((f, Int32(theirs.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
                         Int32(mine.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1))
        }
        print("keepalived -t exit codes (Debian 2.2.7 vs ours):")
        for (f, t, m) in rows { print("  \(t == m ? "  " : "!=") \(t) \(m)  \(f)") }
        let agree = rows.filter { $0.1 == $0.2 }.count
        print("  \(agree)/\(rows.count) agree")
        for (f, t, m) in rows where t != m && ConfigTestCorpus.deviations[f] == nil {
            Issue.record("\(f): keepalived -t exits \(t), ours \(m)")
        }
    }
}
}
