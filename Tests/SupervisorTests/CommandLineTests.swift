// keepalived's command line: help, man page and keepalived 2.2.7 in step.
import Foundation
import Testing
import TestSupport

@Suite struct KeepalivedCommandLineAsKeepalived {
    let keepalived = TestEnvironment.binary("keepalived")
    var golden: String {
        (try? String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("Tests/SupervisorTests/golden/keepalived-help.txt"),
                     encoding: .utf8)) ?? ""
    }
    var manPage: String {
        (try? String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("man/keepalived.8"), encoding: .utf8)) ?? ""
    }

    @Test func helpGoesToStderrAndMatchesTheGoldenText() throws {
        let r = try run([keepalived, "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == golden)
        #expect(try run([keepalived, "-h"]).stderr == golden)
    }

    /// Options as help prints them: ("-f", "--use-file"), (nil, "--all").
    func helpOptions() -> [(short: String?, long: String)] {
        golden.split(separator: "\n").compactMap { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("-") else { return nil }
            let words = t.split(separator: " ").map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ",")) }
            if words[0].hasPrefix("--") { return (nil, words[0]) }
            guard words.count > 1, words[1].hasPrefix("--") else { return nil }
            return (words[0], words[1])
        }
    }

    @Test func everyOptionIsInTheManPage() {
        let opts = helpOptions()
        #expect(opts.count > 35)
        let man = manPage.replacingOccurrences(of: "\\-", with: "-")
        for o in opts where o.long != "--help" || true {
            #expect(man.contains(o.long), "\(o.long) missing from man/keepalived.8")
            if let s = o.short { #expect(man.contains(".BR \(s) ") || man.contains(".B \(s)"), "\(s) missing from man/keepalived.8") }
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived"), "needs Debian's keepalived"))
    func everyOptionOfDebiansKeepalivedIsAccepted() throws {
        let theirs = try run(["/usr/sbin/keepalived", "--help"]).stderr
        let ours = Set(helpOptions().map(\.long))
        var longs: [String] = []
        for line in theirs.split(separator: "\n") {
            for w in line.split(separator: " ") where w.hasPrefix("--") {
                let name = w.split(whereSeparator: { $0 == "=" || $0 == "[" }).first ?? w
                longs.append(String(name).trimmingCharacters(in: CharacterSet(charactersIn: ",")))
            }
        }
        #expect(longs.count >= 30)
        for l in longs { #expect(ours.contains(l), "\(l) is accepted by keepalived 2.2.7 but not here") }
    }

    @Test func signumPrintsKeepalivedsNumbers() throws {
        let expected = ["STOP": "15", "RELOAD": "1", "DATA": "10", "STATS": "12", "STATS_CLEAR": "63", "JSON": "36"]
        for (name, number) in expected {
            let r = try run([keepalived, "--signum=\(name)"])
            #expect(r.status == 0 && r.stdout == "\(number)\n", "\(name)")
            if FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived") {
                #expect(try run(["/usr/sbin/keepalived", "--signum", name]).stdout == r.stdout, "\(name)")
            }
        }
        let bad = try run([keepalived, "--signum", "stop"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("Unknown sigfunc stop"))
    }

    @Test func versionGoesToStderrAndExitsZero() throws {
        let r = try run([keepalived, "-v"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("keepalived-swift"))
        #expect(r.stderr.contains("Keepalived v2.2.7"))
    }

    @Test func anUnknownOptionExitsOneWithUsage() throws {
        let r = try run([keepalived, "--bogus"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("Unknown option '--bogus'"))
        #expect(r.stderr.contains("USAGE: keepalived"))
    }

    @Test func anEmptyConfigFileArgumentIsMissing() throws {
        let r = try run([keepalived, "--use-file=", "-n"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("--use-file"))
    }

    @Test(.enabled(if: !TestEnvironment.isRoot, "run as a non-root user"))
    func withoutRootItRefusesToStartWithStatusFour() throws {
        let r = try run([keepalived, "-n", "-l", "-f", "/nonexistent"])
        #expect(r.status == 4)
    }
}
