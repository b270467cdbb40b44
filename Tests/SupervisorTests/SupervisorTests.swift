// The supervisor's acceptance tests, run for real as root: keepalived with
// ka-testchild standing in for each daemon (see Harness).
import ConfigModel
import Foundation
import Testing
import TestSupport

private let needsRoot = Testing.ConditionTrait.enabled(if: TestEnvironment.isRoot, "needs root: starts children as other users")

extension RunsProcesses {
@Suite(needsRoot) struct SupervisorRespawn {
    @Test func aChildKilledWithSIGKILLIsRespawnedWithinOneSecond() throws {
        let h = try Harness("kill9", config: Fixtures.vrrpOnly())
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("vrrpd") { $0.hasSuffix("applied 1 \($0.split(separator: " ").last ?? "")") } != nil)
        guard let pid = h.pid("vrrpd") else { Issue.record("vrrpd did not start:\n\(h.log)"); return }
        let killed = Date()
        kill(pid, SIGKILL)
        let respawned = waitUntil(timeout: 5) { (h.pid("vrrpd") ?? pid) != pid }
        let took = Date().timeIntervalSince(killed)
        #expect(respawned)
        #expect(took < 1.0, "respawned after \(took) s")
        #expect(h.log.contains("vrrpd (pid \(pid)) killed by SIGKILL"))
        // The new one gets the configuration too.
        #expect(h.waitForEvent("vrrpd") { $0.hasPrefix("\(h.pid("vrrpd") ?? 0) applied 1") } != nil)
    }

    @Test func aStoppedChildIsDetectedAsHungAndReplacedWithinTwoWatchdogPeriods() throws {
        let h = try Harness("sigstop", config: Fixtures.vrrpOnly())
        defer { h.stop() }
        let period = 2.0
        try h.start(watchdog: period)
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        guard let pid = h.pid("vrrpd") else { Issue.record("vrrpd did not start:\n\(h.log)"); return }
        let stopped = Date()
        kill(pid, SIGSTOP)
        // Killed (and reaped) within two periods of the stop...
        let killed = waitUntil(timeout: 10) { kill(pid, 0) != 0 }
        let tookToKill = Date().timeIntervalSince(stopped)
        #expect(killed)
        #expect(tookToKill <= 2 * period + 0.2, "killed after \(tookToKill) s")
        // ...and replaced right after, given the time a process needs to start.
        let replaced = waitUntil(timeout: 10) { (h.pid("vrrpd") ?? pid) != pid }
        let took = Date().timeIntervalSince(stopped)
        #expect(replaced)
        #expect(took < 2 * period + 1.0, "replaced after \(took) s")
        #expect(h.log.contains("vrrpd (pid \(pid)) hung: no answer to the watchdog"))
    }

    @Test func withDontRespawnTheSupervisorExitsWithAMessage() throws {
        let h = try Harness("norespawn", config: Fixtures.both())
        defer { h.stop() }
        try h.start(["-R"])
        #expect(h.waitForEvent("checkd") { $0.contains(" applied 1 ") } != nil)
        guard let pid = h.pid("checkd") else { Issue.record("checkd did not start"); return }
        kill(pid, SIGKILL)
        let exited = waitUntil(timeout: 10) { !(h.process?.isRunning ?? false) }
        #expect(exited)
        #expect(h.process?.process.terminationStatus == 1)
        #expect(h.log.contains("-R (--dont-respawn) is set: not respawning"))
        #expect(h.events("checkd").filter { $0.contains(" started pid ") }.count == 1)
        // The others were stopped in order, not left behind.
        #expect(h.events("vrrpd").contains { $0.hasSuffix("shutdown signal") })
    }

    @Test func aChildSendingGarbageIsClosedAndReplacedWhileTheSupervisorRuns() throws {
        let h = try Harness("garbage", config: Fixtures.vrrpOnly())
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        guard let pid = h.pid("vrrpd") else { Issue.record("vrrpd did not start"); return }
        try h.command("vrrpd", "garbage")
        #expect(waitUntil(timeout: 5) { (h.pid("vrrpd") ?? pid) != pid })
        #expect(h.log.contains("closing the channel to vrrpd (pid \(pid)): malformed frame: bad magic"))
        #expect(h.process?.isRunning == true)
    }

    @Test func aChildCallingAForbiddenSystemCallIsReportedKilledBySIGSYS() throws {
        let h = try Harness("sigsys", config: Fixtures.vrrpOnly())
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        guard let pid = h.pid("vrrpd") else { Issue.record("vrrpd did not start"); return }
        try h.command("vrrpd", "forbidden")
        #expect(h.waitForLog("vrrpd (pid \(pid)) killed by SIGSYS"))
        #expect(waitUntil(timeout: 5) { (h.pid("vrrpd") ?? pid) != pid })
    }
}
}

extension RunsProcesses {
@Suite(needsRoot) struct SupervisorConfigurationAndSignals {
    @Test func reloadWithABrokenConfigurationKeepsTheOldOneAndAFixedOneDeliversANewGeneration() throws {
        let h = try Harness("reload", config: Fixtures.both())
        defer { h.stop() }
        try h.start()
        for r in Harness.roles { #expect(h.waitForEvent(r) { $0.contains(" applied 1 ") } != nil, "\(r)") }
        let good = try Data(contentsOf: URL(fileURLWithPath: h.configPath))
        try Data("KACF garbage".utf8).write(to: URL(fileURLWithPath: h.configPath))
        kill(h.process!.pid, SIGHUP)
        #expect(h.waitForLog("keeping the running configuration (generation 1)"))
        #expect(h.log.contains("reload failed"))
        #expect(!h.events("vrrpd").contains { $0.contains(" applied 2 ") })
        #expect(h.process?.isRunning == true)
        try good.write(to: URL(fileURLWithPath: h.configPath))
        kill(h.process!.pid, SIGHUP)
        for r in Harness.roles { #expect(h.waitForEvent(r) { $0.contains(" applied 2 ") } != nil, "\(r)") }
        #expect(h.waitForLog("vrrpd runs configuration generation 2"))
    }

    @Test func aReloadStopsDaemonsTheNewConfigurationDoesNotNeed() throws {
        let h = try Harness("reload-narrow", config: Fixtures.both())
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("checkd") { $0.contains(" applied 1 ") } != nil)
        try Harness.writeCompiled(Fixtures.vrrpOnly(), to: h.configPath)
        kill(h.process!.pid, SIGHUP)
        #expect(h.waitForEvent("checkd") { $0.hasSuffix("shutdown reload") } != nil)
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 2 ") } != nil)
        #expect(h.waitForLog("checkd (pid"))
        _ = waitUntil(timeout: 3) { false }
        #expect(h.events("checkd").filter { $0.contains(" started pid ") }.count == 1)
    }

    @Test func sigtermStopsEveryChildInOrderAndRemovesThePidFiles() throws {
        let h = try Harness("term", config: Fixtures.both())
        defer { h.stop() }
        try h.start()
        for r in Harness.roles { #expect(h.waitForEvent(r) { $0.contains(" applied 1 ") } != nil) }
        #expect(waitUntil(timeout: 5) { FileManager.default.fileExists(atPath: h.checkersPidFile) })
        let supervisorPid = try String(contentsOfFile: h.pidFile, encoding: .utf8)
        #expect(supervisorPid == "\(h.process!.pid)\n")
        #expect(try String(contentsOfFile: h.vrrpPidFile, encoding: .utf8) == "\(h.pid("vrrpd") ?? 0)\n")
        #expect(try String(contentsOfFile: h.checkersPidFile, encoding: .utf8) == "\(h.pid("checkd") ?? 0)\n")
        kill(h.process!.pid, SIGTERM)
        #expect(waitUntil(timeout: 20) { !(h.process?.isRunning ?? false) })
        #expect(h.process?.process.terminationStatus == 0)
        let order = ["vrrpd (pid", "checkd (pid", "ipvs-applier (pid"].map { h.log.range(of: "\($0)")?.lowerBound }
        #expect(order.allSatisfy { $0 != nil })
        let stops = ["vrrpd", "checkd", "ipvs-applier"].compactMap { h.log.range(of: "\($0) (pid \(h.pid($0) ?? 0)) stopped")?.lowerBound }
        #expect(stops.count == 3 && stops == stops.sorted())
        for f in [h.pidFile, h.vrrpPidFile, h.checkersPidFile] { #expect(!FileManager.default.fileExists(atPath: f), "\(f)") }
    }

    @Test func sigusr1AndSigusr2WriteTheDumpsFromTheChildrensReplies() throws {
        let h = try Harness("dump", config: Fixtures.both())
        defer { h.stop() }
        try h.start()
        for r in Harness.roles { #expect(h.waitForEvent(r) { $0.contains(" applied 1 ") } != nil) }
        kill(h.process!.pid, SIGUSR1)
        #expect(h.waitForLog("data written to /tmp/keepalived.data"))
        let data = try String(contentsOfFile: "/tmp/keepalived.data", encoding: .utf8)
        for r in Harness.roles { #expect(data.contains("ka-testchild \(r) generation 1"), "\(r)") }
        #expect(data.contains(" VRRP Instance = TEST_1"))
        kill(h.process!.pid, SIGUSR2)
        #expect(h.waitForLog("stats written to /tmp/keepalived.stats"))
        let stats = try String(contentsOfFile: "/tmp/keepalived.stats", encoding: .utf8)
        #expect(stats.contains("VRRP Instance: TEST_1\n  Advertisements:\n    Received: 0\n    Sent: 42\n"))
    }

    @Test func vrrpStatesAreRelayedToTheCheckerAndTheApplier() throws {
        let h = try Harness("relay", config: Fixtures.both())
        defer { h.stop() }
        try h.start()
        for r in Harness.roles { #expect(h.waitForEvent(r) { $0.contains(" applied 1 ") } != nil) }
        try h.command("vrrpd", "vrrp VI_1 MASTER")
        #expect(h.waitForEvent("checkd") { $0.hasSuffix("received vrrp-state-change from vrrpd") } != nil)
        #expect(h.waitForEvent("ipvs-applier") { $0.hasSuffix("received vrrp-state-change from vrrpd") } != nil)
    }
}
}

extension RunsProcesses {
@Suite(needsRoot) struct SupervisorScripts {
    @Test func aScriptRunsAsItsUserWithNoCapabilitiesAndOnlyDescriptorsZeroToTwo() throws {
        let h0 = try TempDirectory("ka-scriptout")
        defer { h0.remove() }
        chmod(h0.path, 0o777)
        let seen = h0.file("seen")
        let script = Fixtures.script(0, ["/bin/sh", "-c",
            "exec >> \(seen); id -u; grep -E '^Cap(Eff|Prm|Inh|Bnd|Amb)|^NoNewPrivs' /proc/$$/status; ls /proc/$$/fd; env; ps -o pgid= -p $$; echo sh=$$"],
            user: "nobody", timeout: 10)
        let h = try Harness("script-user", config: Fixtures.vrrpOnly(scripts: [script]))
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        try h.command("vrrpd", "script 0 notify VI_1 MASTER 100")
        #expect(h.waitForEvent("vrrpd") { $0.hasSuffix("script-result 0 exited with status 0") } != nil)
        let lines = try String(contentsOfFile: seen, encoding: .utf8).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.first == "65534")
        let caps = lines.filter { $0.hasPrefix("Cap") }
        #expect(caps.count == 5)
        for l in caps { #expect(l.hasSuffix("0000000000000000"), "\(l)") }
        #expect(lines.filter { Int($0) != nil }.dropFirst().dropLast() == ["0", "1", "2"])
        #expect(lines.contains { $0.hasPrefix("PATH=") })
        #expect(!lines.contains { $0.hasPrefix("HOME=") || $0.hasPrefix("TERM=") })
        // Its own process group: the group id is the shell's pid.
        let sh = lines.first { $0.hasPrefix("sh=") }.map { String($0.dropFirst(3)) }
        #expect(sh != nil && lines.contains(sh!))
        #expect(h.log.contains("running script 0 for vrrpd as nobody"))
    }

    @Test func theNotifyArgumentsAreAppended() throws {
        let d = try TempDirectory("ka-notify")
        defer { d.remove() }
        chmod(d.path, 0o777)
        let script = Fixtures.script(0, ["/bin/sh", "-c", "echo \"$@\" > \(d.file("args"))", "notify"], user: "nobody", timeout: 10)
        let h = try Harness("notify-args", config: Fixtures.vrrpOnly(scripts: [script]))
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        try h.command("vrrpd", "script 0 notify VI_1 MASTER 150")
        #expect(h.waitForEvent("vrrpd") { $0.hasSuffix("script-result 0 exited with status 0") } != nil)
        #expect(try String(contentsOfFile: d.file("args"), encoding: .utf8) == "INSTANCE VI_1 MASTER 150\n")
    }

    @Test func aHangingScriptIsKilledAtItsTimeoutWithItsChildren() throws {
        let d = try TempDirectory("ka-hang")
        defer { d.remove() }
        chmod(d.path, 0o777)
        let script = Fixtures.script(0, ["/bin/sh", "-c", "sleep 60 & echo $! > \(d.file("bg")); sleep 60"], user: "nobody", timeout: 1)
        let h = try Harness("script-hang", config: Fixtures.vrrpOnly(scripts: [script]))
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        let asked = Date()
        try h.command("vrrpd", "script 0")
        #expect(h.waitForEvent("vrrpd", timeout: 10) { $0.hasSuffix("script-result 0 timed out and was killed") } != nil)
        let took = Date().timeIntervalSince(asked)
        #expect(took >= 1.0 && took < 3.0, "\(took) s")
        let bg = Int32((try? String(contentsOfFile: d.file("bg"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(bg > 0)
        #expect(waitUntil(timeout: 3) {
            let stat = (try? String(contentsOfFile: "/proc/\(bg)/stat", encoding: .utf8)) ?? ""
            return stat.isEmpty || stat.contains(") Z ")
        }, "the script's background child survived")
    }

    @Test func aRequestForAScriptThatDoesNotExistIsRefusedAndLogged() throws {
        let h = try Harness("script-unknown", config: Fixtures.vrrpOnly(scripts: [Fixtures.script(0, ["/bin/true"], user: "nobody")]))
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        try h.command("vrrpd", "script 99")
        #expect(h.waitForEvent("vrrpd") { $0.contains("script-result 99 refused: no script 99") } != nil)
        #expect(h.log.contains("asked for script 99, which its configuration does not have: refused"))
    }

    @Test func onlyVrrpdMayPassNotifyArguments() throws {
        let h = try Harness("script-args", config: Fixtures.both(scripts: [Fixtures.script(0, ["/bin/true"], user: "nobody")]))
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("checkd") { $0.contains(" applied 1 ") } != nil)
        try h.command("checkd", "script 0 notify VI_1 MASTER 100")
        #expect(h.waitForEvent("checkd") { $0.contains("script-result 0 refused") } != nil)
    }
}
}

extension RunsProcesses {
@Suite(needsRoot) struct SupervisorNamespace {
    @Test func dashSRunsTheSupervisorAndItsDaemonsInTheNamedNetworkNamespace() throws {
        let ns = try Netns("kans")
        defer { ns.remove() }
        let h = try Harness("netns", config: Fixtures.vrrpOnly())
        defer { h.stop() }
        try h.start(["-s", ns.name])
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        let want = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        let nsIno = try FileManager.default.attributesOfItem(atPath: "/run/netns/\(ns.name)")[.systemFileNumber] as? UInt64
        for pid in [h.process!.pid, h.pid("vrrpd") ?? 0] {
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
            #expect(link != want, "pid \(pid) stayed in the test's namespace")
            #expect(link == "net:[\(nsIno ?? 0)]", "pid \(pid): \(link)")
        }
    }
}
}

extension RunsProcesses {
@Suite(needsRoot) struct SupervisorOwnScripts {
    @Test func startupScriptRunsBeforeTheDaemonsAndShutdownScriptAfterThem() throws {
        let d = try TempDirectory("ka-own")
        defer { d.remove() }
        chmod(d.path, 0o777)
        var c = Fixtures.vrrpOnly()
        c.config.global.startupScript = Fixtures.script(10, ["/bin/sh", "-c", "echo startup >> \(d.file("order"))"], user: "nobody")
        c.config.global.shutdownScript = Fixtures.script(11, ["/bin/sh", "-c", "echo shutdown >> \(d.file("order"))"], user: "nobody")
        c.scripts = [c.config.global.startupScript!, c.config.global.shutdownScript!]
        let h = try Harness("own-scripts", config: c)
        defer { h.stop() }
        try h.start()
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        #expect((try? String(contentsOfFile: d.file("order"), encoding: .utf8)) == "startup\n")
        #expect(h.log.range(of: "startup_script exited with status 0")!.lowerBound < h.log.range(of: "Starting vrrpd child process")!.lowerBound)
        kill(h.process!.pid, SIGTERM)
        #expect(waitUntil(timeout: 15) { !(h.process?.isRunning ?? false) })
        #expect((try? String(contentsOfFile: d.file("order"), encoding: .utf8)) == "startup\nshutdown\n")
        #expect(h.log.range(of: "vrrpd (pid")!.lowerBound < h.log.range(of: "running shutdown_script")!.lowerBound)
    }
}
}

extension RunsProcesses {
@Suite(needsRoot) struct SupervisorInTheBackground {
    @Test func withoutDashNItForksAwayAndItsPidFileNamesTheRunningSupervisor() throws {
        let h = try Harness("fork", config: Fixtures.vrrpOnly())
        defer { h.stop() }
        let r = try run(["\(h.bin)/keepalived", "-G", "-f", h.configPath, "-p", h.pidFile, "-r", h.vrrpPidFile,
                         "-c", h.checkersPidFile, "--policy-dir", TestEnvironment.packageRoot.appendingPathComponent("policies").path],
                        timeout: 20)
        #expect(r.status == 0)
        #expect(h.waitForEvent("vrrpd") { $0.contains(" applied 1 ") } != nil)
        let pid = Int32((try? String(contentsOfFile: h.pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(pid > 0)
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
        #expect(comm.hasPrefix("keepalived"))
        // A second one refuses to start beside it.
        let second = try run(["\(h.bin)/keepalived", "-n", "-l", "-G", "-f", h.configPath, "-p", h.pidFile], timeout: 20)
        #expect(second.stderr.contains("daemon is already running (pid \(pid)"))
        kill(pid, SIGTERM)
        #expect(waitUntil(timeout: 15) { kill(pid, 0) != 0 })
        #expect(!FileManager.default.fileExists(atPath: h.pidFile))
    }
}
}
