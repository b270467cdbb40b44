// The supervisor with the real compiler: it runs kaconf (as
// keepalived-kaconf, holding only CAP_DAC_READ_SEARCH) on a root-only
// keepalived.conf, hands the daemons its slices, and on SIGHUP keeps the
// running configuration when the new text has errors, logging them.
import ConfigModel
import Foundation
import Testing
import TestSupport

enum ConfigTexts {
    static func vrrp(vrid: String = "51", priority: Int = 100) -> String {
        """
        global_defs {
            router_id test
        }
        vrrp_instance VI_1 {
            state BACKUP
            interface eth0
            virtual_router_id \(vrid)
            priority \(priority)
            virtual_ipaddress {
                192.0.2.10/24
            }
        }

        """
    }
}

extension RunsProcesses {
@Suite(.enabled(if: TestEnvironment.isRoot && ConfigTestCorpus.kaconfLints, "needs root and kaconf"))
struct SupervisorWithTheCompiler {
    @Test func aRootOnlyConfigurationIsCompiledByKaconfAndDelivered() throws {
        let h = try Harness("text", text: ConfigTexts.vrrp())
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil, "\(h.log)")
        #expect(h.events("checkd").isEmpty, "a VRRP-only configuration starts no checker")
    }

    @Test func reloadWithErrorsKeepsTheRunningConfigurationAndLogsTheDiagnostics() throws {
        let h = try Harness("text-reload", text: ConfigTexts.vrrp())
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil, "\(h.log)")
        try h.writeText(ConfigTexts.vrrp(vrid: "300"))
        kill(h.process!.pid, SIGHUP)
        #expect(h.waitForLog("keeping the running configuration (generation 1)"))
        // kaconf's own diagnostic, with file and line, reached the log.
        #expect(h.log.contains("keepalived.conf:7:"), "\(h.log)")
        #expect(h.log.contains("300"))
        #expect(!h.events("vrrpd").contains { $0.contains(" applied 2 ") })
        try h.writeText(ConfigTexts.vrrp(priority: 120))
        kill(h.process!.pid, SIGHUP)
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 2 ") } != nil)
        #expect(h.waitForLog("vrrpd runs configuration generation 2"))
    }

    @Test func aConfigurationWithErrorsAtStartIsRefusedWithStatusSix() throws {
        let h = try Harness("text-bad", text: ConfigTexts.vrrp(vrid: "0"))
        defer { h.stop() }
        try h.start()
        #expect(waitUntil(timeout: 20) { !(h.process?.isRunning ?? false) })
        #expect(h.process?.process.terminationStatus == 6)
        #expect(h.log.contains("compiling") && h.log.contains("failed"))
    }

    @Test func dumpConfLogsTheConfigurationAtStart() throws {
        let h = try Harness("text-dump", text: ConfigTexts.vrrp())
        defer { h.stop() }
        try h.start(["-d"])
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        #expect(h.log.contains("------< Global definitions >------"))
        #expect(h.log.contains("VI_1"))
    }

    @Test func aDaemonCannotRunAnotherDaemonsScript() throws {
        let notify = Fixtures.script(0, ["/bin/true"], user: "nobody")
        let h = try Harness("slice-scripts", config: Fixtures.both(scripts: [notify]))
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("checkd") { $0.contains(" applied 1 ") } != nil)
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        // Script 0 is vrrpd's notify_master: not in checkd's slice.
        try h.command("checkd", "script 0")
        #expect(h.waitForEvent("checkd") { $0.contains("script-result 0 refused: no script 0 in checkd's configuration") } != nil)
        try h.command("vrrpd", "script 0")
        #expect(h.waitForEvent("vrrpd") { $0.hasSuffix("script-result 0 exited with status 0") } != nil)
    }
}
}
