// The two views of the kernel the suite compares, and Debian's keepalived
// run on the same configuration in the same guest.
import Foundation
import TestSupport

enum Ipvsadm {
    /// `ipvsadm -Ln` with services in order and each service's destinations
    /// in order (the kernel lists them in hash and insertion order).
    static func listing(_ extra: [String] = []) throws -> [String] {
        let out = try run(["/usr/sbin/ipvsadm", "-Ln"] + extra, timeout: 30)
        guard out.status == 0 else { throw TestFailure("ipvsadm -Ln \(extra.joined(separator: " ")): \(out.stderr)") }
        return sortedBlocks(out.stdout)
    }

    /// `ipvsadm -Sn` (every setting, one line each), sorted.
    static func rules() throws -> [String] {
        let out = try run(["/usr/sbin/ipvsadm", "-Sn"], timeout: 30)
        guard out.status == 0 else { throw TestFailure("ipvsadm -Sn: \(out.stderr)") }
        return out.stdout.split(separator: "\n").map(String.init).sorted()
    }

    /// What the comparison covers: the listing, the thresholds, the tunnel
    /// settings and the save format.
    static func everything() throws -> [String] {
        try listing() + ["--thresholds"] + listing(["--thresholds"]) + ["--tun-info"] + listing(["--tun-info"])
            + ["-Sn"] + rules()
    }

    static func sortedBlocks(_ text: String) -> [String] {
        let lines = text.split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) }
        var header: [String] = []
        var blocks: [[String]] = []
        for l in lines {
            if l.hasPrefix("->") {
                if blocks.isEmpty { header.append(l) } else { blocks[blocks.count - 1].append(l) }
            } else if l.hasPrefix("TCP") || l.hasPrefix("UDP") || l.hasPrefix("SCTP") || l.hasPrefix("FWM") {
                blocks.append([l])
            } else {
                header.append(l)
            }
        }
        let sorted = blocks.map { [$0[0]] + $0.dropFirst().sorted() }.sorted { $0[0] < $1[0] }
        return header + sorted.flatMap { $0 }
    }

    static func clear() throws { _ = try run(["/usr/sbin/ipvsadm", "-C"]) }
}

/// Debian's keepalived 2.2.7, checker process only, on one config file.
final class ReferenceKeepalived {
    let process: Spawned
    let dir: String

    init(config text: String, in dir: String, name: String) throws {
        self.dir = dir
        let conf = "\(dir)/\(name).conf"
        try text.write(toFile: conf, atomically: true, encoding: .utf8)
        process = try Spawned(["/usr/sbin/keepalived", "-n", "-C", "-l", "-D", "-f", conf,
                               "-p", "\(dir)/\(name).pid", "-c", "\(dir)/\(name).checkers.pid"],
                              outputFile: "\(dir)/\(name).log")
    }

    var log: String { process.output }

    /// Waits for start-up, then until the table stops changing (and, when
    /// given, until it matches `expected`), at most `timeout` seconds.
    func settle(expected: [String]? = nil, timeout: Double = 8) -> [String] {
        _ = process.waitForOutput(timeout: timeout) { $0.contains("Startup complete") }
        return Self.settleTable(expected: expected, timeout: timeout)
    }

    static func settleTable(expected: [String]?, timeout: Double) -> [String] {
        let end = Date().addingTimeInterval(timeout)
        var last = (try? Ipvsadm.everything()) ?? []
        var stableSince = Date()
        while Date() < end {
            usleep(200_000)
            let now = (try? Ipvsadm.everything()) ?? []
            if now != last {
                last = now
                stableSince = Date()
                continue
            }
            let stable = Date().timeIntervalSince(stableSince) >= 0.6
            if stable && (expected == nil || now == expected!) { return now }
            if stable && Date().timeIntervalSince(stableSince) >= 2.5 { return now }
        }
        return last
    }

    /// SIGTERM to this keepalived only (it removes its entries), then waits.
    func stop() { process.stop(grace: 10) }
}
