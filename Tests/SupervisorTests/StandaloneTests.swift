// Daemons started alone (as their systemd units would): each loads the
// compiled file itself, they find each other over named sockets, and a
// daemon runs its scripts through its own ka-script-host, as its own user.
import ConfigModel
import Foundation
import Testing
import TestSupport

private let needsRoot = Testing.ConditionTrait.enabled(if: TestEnvironment.isRoot, "needs root: drops to the programs' users")

extension RunsProcesses {
@Suite(needsRoot) struct DaemonsStartedAlone {
    @Test func theyLoadTheFileFindEachOtherAndRelayVRRPStates() throws {
        let h = try Harness("alone", config: Fixtures.both())
        defer { h.stop() }
        try h.startAlone("ipvs-applier")
        try h.startAlone("checkd")
        try h.startAlone("vrrpd")
        for r in Harness.roles { #expect(h.waitForEvent(r) { $0.contains(" applied 1 ") } != nil, "\(r)") }
        // vrrpd connects to both, checkd to the applier.
        #expect(h.waitForEvent("checkd") { $0.hasSuffix("received peer-change from keepalived") } != nil)
        _ = waitUntil(timeout: 6) { (h.alone["vrrpd"]?.output ?? "").contains("ipvs-applier connected") && (h.alone["vrrpd"]?.output ?? "").contains("checkd connected") }
        try h.command("vrrpd", "vrrp VI_1 MASTER")
        #expect(h.waitForEvent("checkd") { $0.hasSuffix("received vrrp-state-change from vrrpd") } != nil)
        #expect(h.waitForEvent("ipvs-applier") { $0.hasSuffix("received vrrp-state-change from vrrpd") } != nil)
        // Each is sandboxed alone as under the supervisor.
        for r in Harness.roles {
            guard let pid = h.pid(r) else { continue }
            let s = Harness.procStatus(pid)
            #expect(s["NoNewPrivs"] == "1" && s["Seccomp"] == "2", "\(r)")
        }
    }

    @Test func aConnectionFromAnUnexpectedUserIsRefused() throws {
        let h = try Harness("alone-cred", config: Fixtures.both())
        defer { h.stop() }
        try h.startAlone("ipvs-applier")
        #expect(h.waitForEvent("ipvs-applier") { $0.contains(" applied 1 ") } != nil)
        let path = "\(h.runtimeDirectory)/ipvs-applier/ipvs-applier.sock"
        #expect(waitUntil(timeout: 5) { FileManager.default.fileExists(atPath: path) })
        // This test runs as root: not checkd's or vrrpd's user.
        let r = try run(["/usr/bin/python3", "-c", """
            import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect('\(path)'); s.recv(10)
            """], timeout: 10)
        #expect(r.status == 0)
        #expect(waitUntil(timeout: 5) { (h.alone["ipvs-applier"]?.output ?? "").contains("refused: not the user of checkd or vrrpd") })
    }

    @Test func aDaemonAloneRunsItsScriptsAsItself() throws {
        let d = try TempDirectory("ka-alone-script")
        defer { d.remove() }
        chmod(d.path, 0o777)
        let script = Fixtures.script(0, ["/bin/sh", "-c", "exec > \(d.file("seen")); id -un; grep -E '^CapEff' /proc/$$/status"],
                                     user: "keepalived-vrrpd", timeout: 5)
        let h = try Harness("alone-script", config: Fixtures.vrrpOnly(scripts: [script]))
        defer { h.stop() }
        // A relative -f: ka-script-host, which starts in "/", loads it too.
        try h.startAlone("vrrpd", relativeConfig: true)
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        try h.command("vrrpd", "script 0")
        #expect(h.waitForEvent("vrrpd") { $0.hasSuffix("script-result 0 exited with status 0") } != nil)
        let seen = (try? String(contentsOfFile: d.file("seen"), encoding: .utf8)) ?? ""
        #expect(seen.hasPrefix("keepalived-vrrpd\n"))
        #expect(seen.contains("CapEff:\t0000000000000000"))
        try h.command("vrrpd", "script 5")
        #expect(h.waitForEvent("vrrpd") { $0.contains("script-result 5 refused") } != nil)
    }

    /// What vrrpd does once settled (cshim_release_program_text), in a
    /// sandboxed daemon running as its own user, with /proc/self/pagemap
    /// opened before it gave up root: clean pages of code and data go,
    /// written data stays, and the daemon carries on.
    @Test func aSandboxedDaemonDropsItsCleanPagesAndKeepsItsData() throws {
        let h = try Harness("alone-release", config: Fixtures.vrrpOnly())
        defer { h.stop() }
        try h.startAlone("vrrpd")
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        for round in 1...2 {
            try h.command("vrrpd", "release-memory")
            let released = { h.events("vrrpd").filter { $0.contains(" released ") } }
            #expect(waitUntil(timeout: 10) { released().count == round })
            let e = released().last
            #expect(e?.hasSuffix("data-intact true") == true, "round \(round): \(e ?? "no event")")
            #expect(e?.contains("pagemap true") == true, "round \(round): \(e ?? "no event")")
            let bytes = e.flatMap { $0.components(separatedBy: " released ").last?.split(separator: " ").first }.flatMap { Int($0) } ?? 0
            #expect(bytes > 1_000_000, "round \(round): \(bytes) bytes released")
            let stack = e.flatMap { $0.components(separatedBy: " stack ").last?.split(separator: " ").first }.flatMap { Int($0) } ?? 0
            #expect(stack >= 200_000, "round \(round): \(stack) bytes of dead stack released")
        }
        try h.command("vrrpd", "script 5")
        #expect(h.waitForEvent("vrrpd") { $0.contains("script-result 5") } != nil, "still serving its reactor")
    }

    @Test func aDaemonAloneRefusesAConfigurationWithAScriptForAnotherUser() throws {
        let h = try Harness("alone-other", config: Fixtures.vrrpOnly(scripts: [Fixtures.script(0, ["/bin/true"], user: "nobody")]))
        defer { h.stop() }
        try h.startAlone("vrrpd")
        #expect(waitUntil(timeout: 10) { !(h.alone["vrrpd"]?.isRunning ?? true) })
        #expect(h.alone["vrrpd"]?.process.terminationStatus == 2)
        #expect((h.alone["vrrpd"]?.output ?? "").contains("is configured to run as 'nobody', but this program runs alone as 'keepalived-vrrpd'"))
    }

    @Test func sighupReloadsTheFileAndABrokenFileKeepsTheOldConfiguration() throws {
        let h = try Harness("alone-hup", config: Fixtures.vrrpOnly())
        defer { h.stop() }
        try h.startAlone("vrrpd", relativeConfig: true)
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        let good = try Data(contentsOf: URL(fileURLWithPath: h.configPath))
        try Data("not compiled".utf8).write(to: URL(fileURLWithPath: h.configPath))
        kill(h.alone["vrrpd"]!.pid, SIGHUP)
        #expect(waitUntil(timeout: 5) { (h.alone["vrrpd"]?.output ?? "").contains("keeping generation 1") })
        try good.write(to: URL(fileURLWithPath: h.configPath))
        kill(h.alone["vrrpd"]!.pid, SIGHUP)
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 2 ") } != nil)
    }
}
}
