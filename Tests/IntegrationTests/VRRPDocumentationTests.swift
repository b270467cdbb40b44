// vrrpd's command line, man page, unit and policy kept in step.
import Foundation
import Testing
import TestSupport

@Suite struct VRRPDocumentationTests {
    static let manPage = (try? String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("man/vrrpd.8"),
                                      encoding: .utf8)) ?? ""

    @Test func everyFlagOfTheHelpAppearsInTheManPage() throws {
        let help = try TestSupport.run([TestEnvironment.binary("vrrpd"), "--help"]).stdout
        let flags = help.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" })
            .filter { $0.hasPrefix("-") }.map { String($0) }
        #expect(flags.count >= 20)
        for flag in Set(flags) {
            // groff escapes '-' as '\-'.
            #expect(Self.manPage.contains(flag.replacingOccurrences(of: "-", with: "\\-")), "\(flag) is in man/vrrpd.8")
        }
    }

    @Test func theHelpMatchesTheGoldenText() throws {
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/vrrpd-help.txt")
        let r = try TestSupport.run([TestEnvironment.binary("vrrpd"), "--help"])
        #expect(r.status == 0)
        #expect(r.stdout == (try String(contentsOf: golden, encoding: .utf8)),
                "vrrpd --help changed: update Tests/IntegrationTests/Golden/vrrpd-help.txt and man/vrrpd.8")
    }

    @Test func badCommandLinesExitWithArgumentParsersStatusAndShape() throws {
        for argv in [["--bogus"], ["-f"], ["extra"], ["--dont-fork=3"], ["-lx"]] {
            let r = try TestSupport.run([TestEnvironment.binary("vrrpd")] + argv)
            #expect(r.status == 64, "\(argv)")
            #expect(r.stderr.hasPrefix("Error: ") && r.stderr.contains("See 'vrrpd --help' for more information."), "\(argv)")
        }
    }

    @Test func theHelpTextNamesEveryOptionTheIssueAsksFor() throws {
        let help = try TestSupport.run([TestEnvironment.binary("vrrpd"), "--help"]).stdout
        for flag in ["-f, --use-file", "--compiled", "-n, --dont-fork", "-l, --log-console", "-D, --log-detail",
                     "--pid", "--runtime-dir", "-V, --dont-release-vrrp", "--status"] {
            #expect(help.contains(flag), "\(flag)")
        }
    }

    @Test func badCommandLinesAreRefusedWithASentence() throws {
        let r = try TestSupport.run([TestEnvironment.binary("vrrpd"), "-f", "a.conf", "--compiled", "b.kacf"])
        #expect(r.status != 0 && r.stderr.contains("give either -f FILE or --compiled FILE, not both"))
        let s = try TestSupport.run([TestEnvironment.binary("vrrpd"), "-S", "local9"])
        #expect(s.status != 0 && s.stderr.contains("log facility 'local9'"))
    }

    @Test func theUnitIsHardenedAndKeepsTheHostNetwork() throws {
        let unit = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("units/vrrpd.service"),
                              encoding: .utf8)
        let settings = unit.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(!settings.contains { $0.hasPrefix("PrivateNetwork=") || $0.hasPrefix("PrivateUsers=") })
        #expect(unit.contains("CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN"))
        #expect(unit.contains("User=keepalived-vrrpd"))
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else { return }
        let r = try TestSupport.run(["/usr/bin/systemd-analyze", "security", "--offline=yes",
                                     TestEnvironment.packageRoot.appendingPathComponent("units/vrrpd.service").path])
        let line = r.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        print("vrrpd.service: \(line)")
        let score = line.split(separator: " ").compactMap { Double($0) }.first
        #expect(score.map { $0 <= 2.5 } == true, "exposure \(score ?? -1)")
    }

    @Test func theUnitVerifiesWithTheBuiltProgramAndManPage() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else { return }
        let dir = try TempDirectory("ka-unit")
        defer { dir.remove() }
        var unit = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("units/vrrpd.service"),
                              encoding: .utf8)
        unit = unit.replacingOccurrences(of: "/usr/local/sbin/vrrpd", with: TestEnvironment.binary("vrrpd"))
        let path = try dir.write("vrrpd.service", unit)
        // man(1) looks for section 8 pages in man8/ under each MANPATH entry.
        try FileManager.default.createDirectory(atPath: dir.file("man/man8"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.packageRoot.appendingPathComponent("man/vrrpd.8").path,
                                         toPath: dir.file("man/man8/vrrpd.8"))
        var env = ProcessInfo.processInfo.environment
        env["MANPATH"] = dir.file("man")
        let r = try TestSupport.run(["/usr/bin/systemd-analyze", "verify", path], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func thePolicyListsOnlyKnownCallsOnce() throws {
        let text = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("policies/vrrpd.policy"),
                              encoding: .utf8)
        let calls = text.split(separator: "\n").map { $0.split(separator: "#")[0...].first ?? "" }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        #expect(Set(calls).count == calls.count)
        #expect(!calls.contains("ptrace") && !calls.contains("mount") && !calls.contains("setuid"))
    }
}
