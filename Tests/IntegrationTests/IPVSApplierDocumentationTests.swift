// ipvs-applier's command line, man page, unit and policy kept in step; and
// what it does on a kernel without IPVS (this machine's).
import Foundation
import Testing
import TestSupport

@Suite struct IPVSApplierDocumentationTests {
    static let root = TestEnvironment.packageRoot
    static let manPage = (try? String(contentsOf: root.appendingPathComponent("man/ipvs-applier.8"), encoding: .utf8)) ?? ""

    func help() throws -> String { try TestSupport.run([TestEnvironment.binary("ipvs-applier"), "--help"]).stdout }

    @Test func everyFlagOfTheHelpAppearsInTheManPage() throws {
        let flags = try help().split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" })
            .filter { $0.hasPrefix("-") }.map { String($0) }
        #expect(flags.count >= 20)
        for flag in Set(flags) {
            // groff escapes '-' as '\-'.
            #expect(Self.manPage.contains(flag.replacingOccurrences(of: "-", with: "\\-")), "\(flag) is in man/ipvs-applier.8")
        }
    }

    @Test func theHelpNamesEveryOptionTheIssueAsksFor() throws {
        let h = try help()
        for flag in ["-f, --use-file", "--compiled", "-l, --log-console", "-D, --log-detail", "-p, --pid",
                     "--runtime-dir", "-I, --dont-release-ipvs", "-n, --dont-fork"] {
            #expect(h.contains(flag), "\(flag)")
        }
    }

    @Test func badCommandLinesAreRefusedWithASentence() throws {
        let r = try TestSupport.run([TestEnvironment.binary("ipvs-applier"), "-f", "a.conf", "--compiled", "b.kacf"])
        #expect(r.status == 64 && r.stderr.contains("give either -f FILE or --compiled FILE, not both"))
        let s = try TestSupport.run([TestEnvironment.binary("ipvs-applier"), "-S", "local9"])
        #expect(s.status == 64 && s.stderr.contains("log facility 'local9'"))
    }

    @Test func withoutIPVSInTheKernelItSaysSoAndExits69() throws {
        // This machine's kernel has no ip_vs: the family cannot be resolved.
        let dir = try TempDirectory("ka-ipvs")
        defer { dir.remove() }
        let conf = try dir.write("k.conf", """
            virtual_server 10.0.0.1 80 {
              lb_algo rr
              lb_kind NAT
              protocol TCP
              real_server 10.1.0.1 80 {
              }
            }
            """)
        let r = try TestSupport.run([TestEnvironment.binary("ipvs-applier"), "-f", conf, "--runtime-dir", dir.path,
                                     "--no-syslog", "--log-console"], timeout: 120)
        let out = r.stdout + r.stderr
        if FileManager.default.fileExists(atPath: "/proc/net/ip_vs") { return }  // a kernel with IPVS: covered in the guest
        #expect(r.status == 69, "\(out)")  // EX_UNAVAILABLE, as the man page says
        #expect(out.contains("IPVS is not available in this kernel (generic netlink family IPVS not found; load it with 'modprobe ip_vs')"), "\(out)")
    }

    @Test func theUnitHoldsOnlyNetAdminKeepsTheHostNetworkAndScoresAtMost1_8() throws {
        let unit = try String(contentsOf: Self.root.appendingPathComponent("units/ipvs-applier.service"), encoding: .utf8)
        let settings = unit.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(!settings.contains { $0.hasPrefix("PrivateNetwork=") || $0.hasPrefix("PrivateUsers=") })
        #expect(settings.contains("CapabilityBoundingSet=CAP_NET_ADMIN"))
        #expect(settings.contains("AmbientCapabilities=CAP_NET_ADMIN"))
        #expect(settings.contains("User=keepalived-ipvs"))
        #expect(settings.contains("RestrictAddressFamilies=AF_NETLINK AF_UNIX"))
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "systemd-analyze is needed (scripts/setup.sh installs systemd)")
        let r = try TestSupport.run(["/usr/bin/systemd-analyze", "security", "--offline=yes",
                                     Self.root.appendingPathComponent("units/ipvs-applier.service").path])
        let line = r.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        print("ipvs-applier.service: \(line)")
        let score = line.split(separator: " ").compactMap { Double($0) }.first
        #expect(score.map { $0 <= 1.8 } == true, "exposure \(score ?? -1)")
    }

    @Test func theUnitVerifiesWithTheBuiltProgramAndManPage() throws {
        let dir = try TempDirectory("ka-unit")
        defer { dir.remove() }
        var unit = try String(contentsOf: Self.root.appendingPathComponent("units/ipvs-applier.service"), encoding: .utf8)
        unit = unit.replacingOccurrences(of: "/usr/local/sbin/ipvs-applier", with: TestEnvironment.binary("ipvs-applier"))
        let path = try dir.write("ipvs-applier.service", unit)
        try FileManager.default.createDirectory(atPath: dir.file("man/man8"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.root.appendingPathComponent("man/ipvs-applier.8").path,
                                         toPath: dir.file("man/man8/ipvs-applier.8"))
        var env = ProcessInfo.processInfo.environment
        env["MANPATH"] = dir.file("man")
        let r = try TestSupport.run(["/usr/bin/systemd-analyze", "verify", path], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func thePolicyListsEachCallOnceAndNothingThatChangesIdentityOrMounts() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("policies/ipvs-applier.policy"), encoding: .utf8)
        let calls = text.split(separator: "\n").map { $0.split(separator: "#", omittingEmptySubsequences: false).first ?? "" }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        #expect(Set(calls).count == calls.count)
        for banned in ["ptrace", "mount", "setuid", "setgid", "setresuid", "chroot", "init_module", "bpf", "reboot"] {
            #expect(!calls.contains(banned), "\(banned)")
        }
        // The netlink and socket calls the program cannot run without.
        for needed in ["sendto", "recvmsg", "epoll_wait", "pwrite64", "ftruncate", "accept4"] {
            #expect(calls.contains(needed), "\(needed)")
        }
    }
}
