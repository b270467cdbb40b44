// Each program that exists, running, shows exactly its documented
// capabilities, no_new_privs and a seccomp filter in /proc/PID/status. The
// daemon issues extend `daemons` as the real programs land.
import ConfigModel
import Foundation
import Testing
import TestSupport

private let needsRoot = Testing.ConditionTrait.enabled(if: TestEnvironment.isRoot, "needs root: drops to the programs' users")

/// CAP_* bit masks as /proc/PID/status prints them.
enum Caps {
    static let netAdmin: UInt64 = 1 << 12, netRaw: UInt64 = 1 << 13
    static let kill: UInt64 = 1 << 5, setgid: UInt64 = 1 << 6, setuid: UInt64 = 1 << 7, setpcap: UInt64 = 1 << 8
    static let dacReadSearch: UInt64 = 1 << 2
    static func hex(_ m: UInt64) -> String {
        let s = String(m, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
    /// man/keepalived.8 and the daemons' man pages document these.
    static let expected: [String: (user: String, caps: UInt64)] = [
        "keepalived": ("root", netRaw | netAdmin | setuid | setgid | setpcap | kill | dacReadSearch),
        "vrrpd": ("keepalived-vrrpd", netRaw | netAdmin),
        "checkd": ("keepalived-checkd", 0),
        "ipvs-applier": ("keepalived-ipvs", netAdmin),
    ]
}

extension RunsProcesses {
@Suite(needsRoot) struct SandboxedPrograms {
    func check(_ pid: Int32, as program: String) {
        let s = Harness.procStatus(pid)
        guard let e = Caps.expected[program] else { Issue.record("no expectation for \(program)"); return }
        let uid = getpwnam(e.user)?.pointee.pw_uid ?? 99999
        #expect(s["Uid"]?.split(separator: "\t").map(String.init) == Array(repeating: "\(uid)", count: 4), "\(program) Uid")
        #expect(s["CapEff"] == Caps.hex(e.caps), "\(program) CapEff")
        #expect(s["CapPrm"] == Caps.hex(e.caps), "\(program) CapPrm")
        #expect(s["CapBnd"] == Caps.hex(e.caps), "\(program) CapBnd")
        #expect(s["CapInh"] == Caps.hex(0), "\(program) CapInh")
        #expect(s["CapAmb"] == Caps.hex(0), "\(program) CapAmb")
        #expect(s["NoNewPrivs"] == "1", "\(program) NoNewPrivs")
        #expect(s["Seccomp"] == "2", "\(program) Seccomp")
    }

    @Test func theSupervisorAndEachDaemonShowExactlyTheirCapabilitiesNoNewPrivsAndSeccomp() throws {
        let h = try Harness("sandbox", config: Fixtures.both())
        defer { h.stop() }
        try h.start()
        for r in Harness.roles { #expect(h.waitForEvent(r) { $0.contains(" applied 1 ") } != nil, "\(r)") }
        check(h.process!.pid, as: "keepalived")
        for r in Harness.roles {
            guard let pid = h.pid(r) else { Issue.record("\(r) not running"); continue }
            check(pid, as: r)
        }
    }

    @Test func aProgramUsingTheSandboxDiesBySIGSYSOnAForbiddenCall() throws {
        let policies = TestEnvironment.packageRoot.appendingPathComponent("policies").path
        let r = try run([TestEnvironment.binary("ka-testchild"), "--role", "checkd", "--policy-dir", policies,
                         "--probe", "forbidden", "-G"])
        #expect(r.signaled)
        #expect(r.status == SIGSYS)
    }

    @Test func aProgramStartedAloneAsRootConfinesItselfTheSameWay() throws {
        let policies = TestEnvironment.packageRoot.appendingPathComponent("policies").path
        let r = try run([TestEnvironment.binary("ka-testchild"), "--role", "vrrpd", "--policy-dir", policies,
                         "--probe", "status", "-G"])
        #expect(r.status == 0)
        let s = Dictionary(uniqueKeysWithValues: r.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
            let p = line.split(separator: ":", maxSplits: 1)
            return p.count == 2 ? (String(p[0]), p[1].trimmingCharacters(in: .whitespaces)) : nil
        })
        #expect(s["CapEff"] == Caps.hex(Caps.netRaw | Caps.netAdmin))
        #expect(s["CapBnd"] == Caps.hex(Caps.netRaw | Caps.netAdmin))
        #expect(s["NoNewPrivs"] == "1")
        #expect(s["Seccomp"] == "2")
    }

    @Test func aProgramWithoutItsPolicyRefusesToStart() throws {
        let r = try run([TestEnvironment.binary("ka-testchild"), "--role", "checkd", "--policy-dir", "/nonexistent",
                         "--probe", "status", "-l", "-G"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot read seccomp policy /nonexistent/ka-testchild.policy"))
    }
}
}

/// The real daemons, as they land: started by the real supervisor from the
/// build directory, each with a configuration that needs only it, in a
/// namespace of its own with an eth0.
extension RunsProcesses {
@Suite(needsRoot) struct SandboxedRealDaemons {
    static func installed(_ name: String) -> Bool { FileManager.default.isExecutableFile(atPath: TestEnvironment.binary(name)) }

    static func vrrpConfig() -> CompiledConfig {
        var c = CompiledConfig()
        var vi = VRRPInstance(name: "VI_SANDBOX")
        vi.interface = "eth0"
        vi.virtualRouterId = 77
        vi.priority = 100
        vi.virtualIpaddress = [AddressEntry(prefix: IPPrefix(address: .v4(IPv4Address(10, 77, 0, 100)), length: 24))]
        c.config.vrrpInstances = [vi]
        return c
    }

    @Test(.enabled(if: installed("checkd"), "checkd is not built"))
    func checkdUnderTheSupervisorShowsExactlyItsCapabilitiesNoNewPrivsAndSeccomp() throws {
        // The real checkd, with ka-testchild standing in for ipvs-applier: this
        // host has no IPVS, and the real applier exits without it (its sandbox
        // is checked inside the IPVS VM by its own suite).
        var c = CompiledConfig()
        var vs = VirtualServer(address: .ip(.v4(IPv4Address(127, 0, 0, 1)), port: 8080))
        vs.delayLoop = .seconds(60)
        var rs = RealServer(address: .v4(IPv4Address(127, 0, 0, 2)))
        rs.port = 8080
        vs.realServers = [rs]
        c.config.virtualServers = [vs]
        let h = try Harness("sb-checkd", config: c)
        defer { h.stop() }
        try Harness.copy(TestEnvironment.binary("checkd"), to: "\(h.bin)/checkd")
        try h.start(["-C"])
        #expect(h.waitForLog(timeout: 15, "checkd runs configuration generation 1"), "\(h.log)")
        guard let pid = Int32((try? String(contentsOfFile: h.checkersPidFile, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else { Issue.record("no checkd pid"); return }
        SandboxedPrograms().check(pid, as: "checkd")
    }

    @Test(.enabled(if: installed("vrrpd"), "vrrpd is not built"))
    func vrrpdUnderTheSupervisorShowsExactlyItsCapabilitiesNoNewPrivsAndSeccomp() throws {
        let ns = try Netns("kasb")
        defer { ns.remove() }
        try ns.sh("ip link add eth0 type veth peer name peer0 && ip link set eth0 up && ip link set peer0 up && ip addr add 10.77.0.1/24 dev eth0")
        let dir = try TempDirectory("ka-sb-vrrpd")
        defer { dir.remove() }
        let conf = dir.file("vrrp.kacf")
        try Harness.writeCompiled(Self.vrrpConfig(), to: conf)
        let p = try ns.spawn([TestEnvironment.binary("keepalived"), "-n", "-l", "-G", "-P", "-f", conf,
                              "-p", dir.file("k.pid"), "-r", dir.file("vrrp.pid"), "-c", dir.file("c.pid"),
                              "--policy-dir", TestEnvironment.packageRoot.appendingPathComponent("policies").path],
                             outputFile: dir.file("log"))
        defer { p.stop(grace: 10) }
        #expect(waitUntil(timeout: 15) { p.output.contains("vrrpd runs configuration generation 1") }, "\(p.output)")
        let vrrpPid = Int32((try? String(contentsOfFile: dir.file("vrrp.pid"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(vrrpPid > 0)
        SandboxedPrograms().check(vrrpPid, as: "vrrpd")
        // The supervisor itself is the ip-netns-exec's child: its pid file says which.
        let kPid = Int32((try? String(contentsOfFile: dir.file("k.pid"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        SandboxedPrograms().check(kPid, as: "keepalived")
    }
}
}
