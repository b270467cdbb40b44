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
