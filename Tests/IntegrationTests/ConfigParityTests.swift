// Parity with the reference: `kaconf lint --werror FILE` exits 0 exactly
// when Debian's `keepalived -t -f FILE` does, on every configuration listed
// in ../shared/corpus/keepalived-samples/EXPECTED.tsv and on the defect
// variants of them (ConfigParityDefects.swift), except the deliberate
// deviations below, each with its reason and a probe configuration that
// shows it.
//
// Both programs run in a network namespace with lo and veth eth0..eth3 up
// (as EXPECTED.tsv was made), with the file's directory as the current
// directory. keepalived -t is run here every time: the stored verdicts are
// only used to list the files (and to warn when the environment looks
// different from the one they were made in).
import Foundation
import Testing
import TestSupport

/// A place where kaconf disagrees with keepalived on purpose.
struct ParityDeviation: Sendable {
    var name: String
    var reason: String
    /// A configuration showing it; keepalived's verdict on it is `keepalivedAccepts`,
    /// kaconf's the opposite.
    var probe: String
    var keepalivedAccepts: Bool
    /// Files written beside the probe.
    var files: [String: String] = [:]
    /// Which corpus variants it explains.
    var explains: @Sendable (ConfigVariant) -> Bool
}

enum ParityDeviations {
    static let minimal = """
        vrrp_instance VI_1 {
            state BACKUP
            interface eth0
            virtual_router_id 51
            priority 100
            virtual_ipaddress {
                192.0.2.10/24
            }
        }

        """

    /// The fixed list (also in the README, "Deliberate differences from keepalived").
    static let all: [ParityDeviation] = [
        ParityDeviation(
            name: "a plain include of a missing file is an error",
            reason: "keepalived only logs 'Config files missing' and runs without that part of the configuration; "
                + "kaconf does not hand the daemons a configuration with a part missing",
            probe: "include does-not-exist.conf\n" + minimal, keepalivedAccepts: true,
            explains: { _ in false }),
        ParityDeviation(
            name: "a plain include of a directory, an executable or an unreadable file is an error",
            reason: "keepalived skips it with a message and runs without it (-t exits 0); kaconf does not hand the "
                + "daemons a configuration with a part missing (wildcard matches are still skipped quietly)",
            probe: "include sub/\n" + minimal, keepalivedAccepts: true, files: ["sub/x.conf": "\n"],
            explains: { _ in false }),
        ParityDeviation(
            name: "an include loop is an error",
            reason: "keepalived follows the loop until it runs out of file descriptors, skips the file that fails "
                + "to open and carries on; kaconf reports the chain of includes",
            // The probe is alone in its directory, so *.conf is itself; it holds
            // nothing else, or each round of the loop would redefine it.
            probe: "include *.conf\n", keepalivedAccepts: true,
            explains: { _ in false }),
        ParityDeviation(
            name: "a line holding a NUL byte is an error",
            reason: "keepalived 2.2.7 reads the line only up to the NUL and silently drops the rest of it; "
                + "kaconf refuses to guess what the line was meant to say (binary data in a configuration)",
            probe: "global_defs {\n    router_id lb\u{0}extra\n}\n" + minimal, keepalivedAccepts: true,
            explains: { _ in false }),
        ParityDeviation(
            name: "a line longer than 1022 bytes is an error",
            reason: "keepalived 2.2.7 cuts it into 1023-byte pieces read as separate lines (here the tail is blank, "
                + "so nothing is reported); kaconf reports the line",
            probe: "# " + String(repeating: "x", count: 1020) + String(repeating: " ", count: 200) + "\n" + minimal,
            keepalivedAccepts: true,
            explains: { _ in false }),
        ParityDeviation(
            name: "a ~SEQ of more than a million steps is refused",
            reason: "with the 64 MiB limit on a configuration (read or expanded) it keeps bad input from running "
                + "the compiler out of memory or time; keepalived has no limit",
            probe: "~SEQ(N, 2000000)\n" + minimal, keepalivedAccepts: true,
            explains: { _ in false }),
        ParityDeviation(
            name: "a virtual_server naming an undefined virtual_server_group is an error",
            reason: "keepalived -t says nothing and runs a virtual server with no addresses; "
                + "kaconf refuses a reference to a group that does not exist (model side)",
            probe: "virtual_server group NOPE {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.1 80 {\n }\n}\n",
            keepalivedAccepts: true,
            explains: { $0.kind == .undefinedReference && $0.change.hasSuffix("-> NO_SUCH_GROUP") }),
        ParityDeviation(
            name: "a virtual_server defined twice is an error",
            reason: "keepalived -t accepts the second definition of the same service silently; "
                + "kaconf refuses it, as the IPVS applier cannot hold two services at one address (model side)",
            probe: String(repeating: "virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n"
                + " real_server 10.0.0.2 80 {\n }\n}\n", count: 2),
            keepalivedAccepts: true, explains: { _ in false }),
        ParityDeviation(
            name: "lvs_sync_daemon naming an undefined vrrp_instance is an error",
            reason: "keepalived -t says nothing, and the sync daemon would follow no instance; "
                + "kaconf refuses the reference (model side)",
            probe: "global_defs {\n lvs_sync_daemon eth0 NOPE\n}\n" + minimal, keepalivedAccepts: true,
            explains: { _ in false }),
        ParityDeviation(
            name: "vrrp_track_file gives a deprecation warning",
            reason: "keepalived 2.2.7 accepts the old name silently; kaconf warns, as it does for every old "
                + "spelling (so --werror refuses it) (model side)",
            probe: "vrrp_track_file f {\n file /tmp/f\n}\n" + minimal, keepalivedAccepts: true,
            explains: { _ in false }),
        ParityDeviation(
            name: "a script whose user does not exist is an error",
            reason: "keepalived -t silently drops a notify script with an unknown user; kaconf says so, "
                + "since the script would never run (model side)",
            probe: minimal.replacingOccurrences(of: "    priority 100\n",
                                                with: "    priority 100\n    notify_master /bin/true no_such_user_here\n"),
            keepalivedAccepts: true, explains: { _ in false }),
    ]
}

/// Disagreements known to be gaps, not deliberate: recorded as known issues
/// (the run stays green and says what is open), each with the side that
/// owns it. When one stops disagreeing the test says so, to take it off.
enum KnownDisagreements {
    static let all: [(name: String, note: String)] = []

    static func note(for name: String) -> String? { all.first { $0.name == name }?.note }
}

/// Both verdicts on one configuration.
struct ParityVerdict: Sendable {
    var keepalived: Int32
    var keepalivedSays: String
    var kaconf: Int32
    var kaconfSays: String
    var agree: Bool { (keepalived == 0) == (kaconf == 0) }
}

/// The namespace both programs run in and the way they are run. (Made
/// here rather than with TestSupport.Netns, whose init runs `ip netns add`
/// inside the namespace it is about to create.)
final class ParityBench: @unchecked Sendable {
    let ns: String
    let dir: TempDirectory
    let kaconf = TestEnvironment.binary("kaconf")
    private let lock = NSLock()
    private var counter = 0
    // Two tests make one each, possibly at once: the count is behind a lock.
    nonisolated(unsafe) private static var made = 0
    private static let madeLock = NSLock()

    init() throws {
        let n = Self.madeLock.withLock { Self.made += 1; return Self.made }
        ns = "kapar\(getpid() % 100000)n\(n)"
        try sh("ip netns add \(ns) && ip -n \(ns) link set lo up")
        for i in 0..<4 {
            try sh("ip -n \(ns) link add eth\(i) type veth peer name peer\(i) && ip -n \(ns) link set eth\(i) up && ip -n \(ns) link set peer\(i) up")
        }
        dir = try TempDirectory("ka-parity")
    }

    func remove() {
        _ = try? run(["/usr/bin/ip", "netns", "del", ns])
        dir.remove()
    }

    /// Runs both programs on `path` with `directory` as the current directory.
    func judge(path: String, directory: String, configID: String? = nil) throws -> ParityVerdict {
        let theirs = configID.map { ["-i", $0] } ?? []
        let ours = configID.map { ["--config-id", $0] } ?? []
        let k = try run(["/usr/bin/ip", "netns", "exec", ns, "/usr/sbin/keepalived", "-t"] + theirs + ["-f", path],
                        directory: directory, timeout: 30)
        let o = try run(["/usr/bin/ip", "netns", "exec", ns, kaconf, "lint", "--werror"] + ours + [path],
                        directory: directory, timeout: 30)
        return ParityVerdict(keepalived: k.signaled ? -1 : k.status, keepalivedSays: Self.firstLine(k.stderr + k.stdout),
                             kaconf: o.signaled ? -1 : o.status, kaconfSays: Self.firstLine(o.stderr + o.stdout))
    }

    /// Writes `text` as keepalived.conf (and `files` beside it) in a fresh
    /// directory of the bench's and judges it there.
    func judge(text: String, files: [String: String] = [:], configID: String? = nil) throws -> ParityVerdict {
        lock.lock()
        counter += 1
        let sub = "v\(counter)"
        lock.unlock()
        let path = try dir.write("\(sub)/keepalived.conf", text)
        for (name, t) in files { try dir.write("\(sub)/\(name)", t) }
        defer { try? FileManager.default.removeItem(atPath: dir.file(sub)) }
        return try judge(path: path, directory: dir.file(sub), configID: configID)
    }

    static func firstLine(_ s: String) -> String {
        String(s.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? "")
    }
}

final class ParallelResults<R>: @unchecked Sendable {
    var values: [R?]
    var next = 0
    let lock = NSLock()
    init(_ n: Int) { values = Array(repeating: nil, count: n) }
}

/// Runs `body` on every item, `width` at a time, keeping the order.
func inParallel<T: Sendable, R: Sendable>(_ items: [T], width: Int, _ body: @escaping @Sendable (T) -> R) -> [R] {
    let results = ParallelResults<R>(items.count)
    let group = DispatchGroup()
    for _ in 0..<width {
        group.enter()
        Thread.detachNewThread {
            while true {
                results.lock.lock()
                let i = results.next
                results.next += 1
                results.lock.unlock()
                if i >= items.count { break }
                let r = body(items[i])
                results.lock.lock()
                results.values[i] = r
                results.lock.unlock()
            }
            group.leave()
        }
    }
    group.wait()
    return results.values.map { $0! }
}

@Suite(.serialized) struct ConfigParityTests {
    static let samples = TestEnvironment.sharedDirectory.appendingPathComponent("corpus/keepalived-samples")
    static let seed: UInt64 = 0x6B61_636F_6E66  // "kaconf"

    /// The files EXPECTED.tsv lists, with the verdict recorded there.
    static func corpus() throws -> [(file: String, recorded: Int32)] {
        let tsv = try String(contentsOf: samples.appendingPathComponent("EXPECTED.tsv"), encoding: .utf8)
        return tsv.split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") || line.hasPrefix("file\t") { return nil }
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard cols.count >= 2, let code = Int32(cols[1]) else { return nil }
            return (String(cols[0]), code)
        }
    }

    static func variants() throws -> [ConfigVariant] {
        var injector = DefectInjector(seed: seed)
        var out: [ConfigVariant] = []
        for (file, _) in try corpus() {
            let text = try String(contentsOf: samples.appendingPathComponent(file), encoding: .utf8)
            out += injector.variants(of: text, origin: file)
        }
        return out
    }

    @Test func theInjectorMakesAtLeast500VariantsCoveringEveryDefect() throws {
        let v = try Self.variants()
        #expect(v.count >= 500)
        for kind in DefectKind.allCases {
            #expect(v.contains { $0.kind == kind }, "no variant of kind \(kind.rawValue)")
        }
        // Seeded: the same variants every time.
        #expect(try Self.variants().map(\.text) == v.map(\.text))
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: network namespaces"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived"), "needs keepalived (scripts/setup.sh)"))
    func eachDeliberateDeviationShowsOnItsProbe() throws {
        let bench = try ParityBench()
        defer { bench.remove() }
        for d in ParityDeviations.all {
            let v = try bench.judge(text: d.probe, files: d.files)
            #expect((v.keepalived == 0) == d.keepalivedAccepts, "\(d.name): keepalived \(v.keepalived) \(v.keepalivedSays)")
            #expect((v.kaconf == 0) != d.keepalivedAccepts, "\(d.name): kaconf \(v.kaconf) \(v.kaconfSays)")
        }
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: network namespaces"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived"), "needs keepalived (scripts/setup.sh)"),
          .timeLimit(.minutes(20)))
    func kaconfExitsZeroExactlyWhenKeepalivedDoes() throws {
        let bench = try ParityBench()
        defer { bench.remove() }
        let corpus = try Self.corpus()
        #expect(!corpus.isEmpty)
        // Each file as it is, and again with each config-id its @ lines name.
        var originals: [ConfigVariant] = []
        for c in corpus {
            originals.append(ConfigVariant(origin: c.file, kind: nil, line: 0, change: "", text: ""))
            let text = (try? String(contentsOf: Self.samples.appendingPathComponent(c.file), encoding: .utf8)) ?? ""
            for id in ConfigVariant.configIDs(in: text) {
                originals.append(ConfigVariant(origin: c.file, kind: nil, line: 0, change: "", text: "", configID: id))
            }
        }
        let variants = try Self.variants()

        // The corpus files themselves, in their own directory.
        let samplesPath = Self.samples.path
        let originalVerdicts = inParallel(originals, width: 4) { o -> Result<ParityVerdict, TestFailure> in
            let path = "\(samplesPath)/\(o.origin)"
            do {
                return .success(try bench.judge(path: path, directory: (path as NSString).deletingLastPathComponent,
                                                configID: o.configID))
            } catch {
                return .failure(TestFailure("\(error)"))
            }
        }
        let variantVerdicts = inParallel(variants, width: 4) { v -> Result<ParityVerdict, TestFailure> in
            do {
                return .success(try bench.judge(text: v.text, files: v.files, configID: v.configID))
            } catch {
                return .failure(TestFailure("\(error)"))
            }
        }

        // The environment check: keepalived's verdicts should match those recorded.
        let recorded = Dictionary(corpus.map { ($0.file, $0.recorded) }, uniquingKeysWith: { a, _ in a })
        for (o, r) in zip(originals, originalVerdicts) where o.configID == nil {
            if case .success(let v) = r, let c = recorded[o.origin], (v.keepalived == 0) != (c == 0) {
                print("parity: note: keepalived -t now exits \(v.keepalived) on \(o.origin), EXPECTED.tsv says \(c)")
            }
        }

        struct Row { var total = 0, agree = 0, accepted = 0, deviation = 0, known = 0, disagree = 0 }
        var rows: [String: Row] = [:]
        var disagreements: [String] = []
        var known: [String] = []
        var deviations: [String] = []
        for (v, r) in zip(originals + variants, originalVerdicts + variantVerdicts) {
            let kind = v.kind?.rawValue ?? "corpus file"
            rows[kind, default: Row()].total += 1
            switch r {
            case .failure(let e):
                rows[kind, default: Row()].disagree += 1
                disagreements.append("\(v.name): could not run: \(e)")
            case .success(let verdict):
                if verdict.agree {
                    rows[kind, default: Row()].agree += 1
                    if verdict.keepalived == 0 { rows[kind, default: Row()].accepted += 1 }
                } else if let d = ParityDeviations.all.first(where: { $0.explains(v) }) {
                    rows[kind, default: Row()].deviation += 1
                    deviations.append("\(v.name): \(d.name)")
                } else {
                    let text = """
                        \(v.name)
                            keepalived -t exit \(verdict.keepalived): \(verdict.keepalivedSays)
                            kaconf lint --werror exit \(verdict.kaconf): \(verdict.kaconfSays)
                        """
                    if let note = KnownDisagreements.note(for: v.name) {
                        rows[kind, default: Row()].known += 1
                        known.append(text + "\n    known: \(note)")
                    } else {
                        rows[kind, default: Row()].disagree += 1
                        disagreements.append(text)
                    }
                }
            }
        }

        var table = "parity: kaconf lint --werror vs keepalived -t (exit 0 or not), seed \(Self.seed)\n"
        table += "  " + "kind".padding(toLength: 22, withPad: " ", startingAt: 0)
            + "  total  agree (both accept)  deviation  known  disagree\n"
        var total = Row()
        for kind in ["corpus file"] + DefectKind.allCases.map(\.rawValue) {
            guard let r = rows[kind] else { continue }
            table += "  " + kind.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: "  %5d  %5d (%11d)  %9d  %5d  %8d\n", r.total, r.agree, r.accepted, r.deviation, r.known,
                         r.disagree)
            total.total += r.total; total.agree += r.agree; total.accepted += r.accepted
            total.deviation += r.deviation; total.known += r.known; total.disagree += r.disagree
        }
        table += "  " + "all".padding(toLength: 22, withPad: " ", startingAt: 0)
            + String(format: "  %5d  %5d (%11d)  %9d  %5d  %8d\n", total.total, total.agree, total.accepted, total.deviation,
                     total.known, total.disagree)
        print(table)
        if !known.isEmpty { print("parity: known disagreements:\n" + known.joined(separator: "\n")) }
        let report = table + "\ndisagreements:\n" + disagreements.joined(separator: "\n")
            + "\n\nknown disagreements:\n" + known.joined(separator: "\n") + "\n\ndeviations:\n"
            + deviations.joined(separator: "\n") + "\n"
        let out = TestEnvironment.packageRoot.appendingPathComponent("test-out")
        try? FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try? report.write(to: out.appendingPathComponent("config-parity.txt"), atomically: true, encoding: .utf8)

        for k in known {
            withKnownIssue { Issue.record(Comment(rawValue: k)) }
        }
        let seen = Set((originals + variants).map(\.name))
        for k in KnownDisagreements.all where !known.contains(where: { $0.hasPrefix(k.name + "\n") }) {
            Issue.record(seen.contains(k.name)
                ? "known disagreement '\(k.name)' no longer occurs: take it off KnownDisagreements"
                : "known disagreement '\(k.name)' names no configuration the harness runs")
        }
        #expect(variants.count >= 500)
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, the first:\n\(disagreements.prefix(20).joined(separator: "\n"))")
    }
}
