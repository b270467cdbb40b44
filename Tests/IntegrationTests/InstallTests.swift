// scripts/install.sh into a DESTDIR in a temporary directory (the programs
// from this build, not a release build): every file lands where the
// programs and man look for it, a second run changes nothing, and the
// installed keepalived, started from there with no --policy-dir, finds its
// policy and its daemons' under <prefix>/share/keepalived-swift/policies and
// kaconf in <prefix>/bin.
import Foundation
import Testing
import TestSupport

@Suite(.serialized, .enabled(if: TestEnvironment.isRoot, "needs root: installs files owned by root, runs the installed supervisor"))
struct InstallScript {
    static let root = TestEnvironment.packageRoot.path

    static func files(in dir: String) -> [String: Data] {
        var out: [String: Data] = [:]
        guard let e = FileManager.default.enumerator(atPath: dir) else { return out }
        while let f = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(dir)/\(f)", isDirectory: &isDir), !isDir.boolValue {
                out[f] = FileManager.default.contents(atPath: "\(dir)/\(f)") ?? Data()
            }
        }
        return out
    }

    static func shipped(_ dir: String, _ suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(dir)")) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
    }

    @Test func everyFileLandsAndTheInstalledSupervisorFindsItsPoliciesAndKaconf() throws {
        let tmp = try TempDirectory("ka-install")
        defer { tmp.remove() }
        chmod(tmp.path, 0o755)
        let dest = tmp.file("dest")
        let install = ["\(Self.root)/scripts/install.sh", "--destdir", dest, "--bin", TestEnvironment.binDirectory.path, "--no-users"]
        let first = try run(install, timeout: 120)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let after1 = Self.files(in: dest)

        var expected: [String] = []
        for p in ["keepalived", "vrrpd", "checkd", "ipvs-applier", "ka-script-host"] { expected.append("usr/local/sbin/\(p)") }
        for p in ["kaconf", "genhash"] { expected.append("usr/local/bin/\(p)") }
        for p in Self.shipped("policies", ".policy") where p != "ka-testchild.policy" {
            expected.append("usr/local/share/keepalived-swift/policies/\(p)")
        }
        for m in Self.shipped("man", "") where m.range(of: #"\.[0-9]$"#, options: .regularExpression) != nil {
            expected.append("usr/local/share/man/man\(m.last!)/\(m)")
        }
        for u in Self.shipped("units", ".service") { expected.append("etc/systemd/system/\(u)") }
        #expect(expected.count >= 7 + 5 + 7 + 4)
        for f in expected { #expect(after1[f] != nil, "\(f) was not installed") }
        #expect(Set(after1.keys) == Set(expected), "unexpected files: \(Set(after1.keys).subtracting(expected).sorted())")
        // Programs executable, the rest readable, nothing writable by others.
        for f in expected {
            let mode = ((try? FileManager.default.attributesOfItem(atPath: "\(dest)/\(f)"))?[.posixPermissions] as? Int) ?? 0
            #expect(mode == (f.contains("/sbin/") || f.contains("/bin/") ? 0o755 : 0o644), "\(f): mode \(String(mode, radix: 8))")
        }
        // The units point at the installed programs.
        let unit = String(decoding: after1["etc/systemd/system/keepalived.service"] ?? Data(), as: UTF8.self)
        #expect(unit.contains("ExecStart=/usr/local/sbin/keepalived"))

        // Idempotent: a second run succeeds and leaves the same files.
        let second = try run(install, timeout: 120)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(Self.files(in: dest) == after1)

        // The installed supervisor, with no --policy-dir and no --kaconf, on a text
        // configuration in a namespace: its policy, vrrpd's, and kaconf from ../bin.
        let ns = try Netns("kainst")
        defer { ns.remove() }
        try ns.sh("ip link add eth0 type veth peer name peer0 && ip link set eth0 up && ip link set peer0 up && ip addr add 10.62.0.1/24 dev eth0")
        let conf = try tmp.write("keepalived.conf", """
            vrrp_instance VI_INSTALLED {
                state BACKUP
                interface eth0
                virtual_router_id 62
                priority 100
                advert_int 1
                virtual_ipaddress {
                    10.62.0.100/24
                }
            }

            """)
        let sbin = "\(dest)/usr/local/sbin"
        let k = try ns.spawn(["\(sbin)/keepalived", "-n", "-l", "-G", "-f", conf, "-p", tmp.file("k.pid"),
                              "-r", tmp.file("vrrp.pid"), "-c", tmp.file("c.pid")], outputFile: tmp.file("keepalived.log"))
        defer { k.stop(grace: 15) }
        let policies = "\(dest)/usr/local/share/keepalived-swift/policies"
        #expect(k.waitForOutput(timeout: 30) { $0.contains("vrrpd runs configuration generation 1") }, "\(k.output)")
        #expect(k.output.contains("allowed by \(policies)/keepalived.policy"), "\(k.output)")
        #expect(k.output.contains("allowed by \(policies)/vrrpd.policy"), "\(k.output)")
        k.stop(grace: 15)
        #expect(k.process.terminationStatus == 0)

        // keepalived -T runs the installed genhash (from ../bin).
        let t = try run(["\(sbin)/keepalived", "-T", "--help"], timeout: 30)
        #expect((t.stdout + t.stderr).contains("--use-ssl"), "\(t.stdout)\(t.stderr)")
    }
}
