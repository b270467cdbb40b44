// checkd under the real supervisor, as an operator runs it: keepalived -f
// keepalived.conf compiles the text with kaconf, spawns checkd (as its user,
// with its policy and the capabilities this configuration needs), hands it
// its slice, runs its scripts, and relays its verdicts to ipvs-applier (here
// the test-only ka-testchild, which records what it receives).
import Foundation
import Testing
import TestSupport

/// keepalived with the real kaconf and checkd next to it, ka-testchild as ipvs-applier.
final class SupervisedRun {
    let dir: TempDirectory
    let bin: String
    let process: Spawned

    init(conf: String, netns: Netns? = nil) throws {
        dir = try TempDirectory("ka-sup-checkd")
        chmod(dir.path, 0o755)
        bin = dir.file("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        chmod(bin, 0o755)
        for (from, to) in [("keepalived", "keepalived"), ("kaconf", "kaconf"), ("checkd", "checkd"), ("ka-testchild", "ipvs-applier")] {
            try copyExecutable(from: TestEnvironment.binary(from), to: "\(bin)/\(to)")
        }
        guard mkfifo("\(bin)/ipvs-applier.ctl", 0o666) == 0 else { throw TestFailure("mkfifo failed") }
        chmod("\(bin)/ipvs-applier.ctl", 0o666)
        FileManager.default.createFile(atPath: "\(bin)/ipvs-applier.events", contents: nil)
        chmod("\(bin)/ipvs-applier.events", 0o666)
        let confPath = dir.file("keepalived.conf")
        try conf.write(toFile: confPath, atomically: true, encoding: .utf8)
        chmod(confPath, 0o644)
        let argv = ["\(bin)/keepalived", "-n", "-l", "-G", "-D", "-C", "-f", confPath,
                    "-p", dir.file("k.pid"), "-c", dir.file("c.pid"),
                    "--policy-dir", TestEnvironment.packageRoot.appendingPathComponent("policies").path]
        if let netns {
            process = try netns.spawn(argv, outputFile: dir.file("keepalived.log"))
        } else {
            process = try Spawned(argv, outputFile: dir.file("keepalived.log"))
        }
    }

    /// The operator edits keepalived.conf and sends keepalived SIGHUP.
    func reload(conf: String) throws {
        try conf.write(toFile: dir.file("keepalived.conf"), atomically: true, encoding: .utf8)
        chmod(dir.file("keepalived.conf"), 0o644)
        process.signal(SIGHUP)
    }

    var log: String { process.output }
    var events: String { (try? String(contentsOfFile: "\(bin)/ipvs-applier.events", encoding: .utf8)) ?? "" }
    /// Verdicts checkd sent (relayed to the stand-in ipvs-applier).
    var verdicts: Int { events.components(separatedBy: "received real-server-verdict from checkd").count - 1 }
    var checkdPid: Int32? {
        (try? String(contentsOfFile: dir.file("c.pid"), encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    func stop() {
        process.signal(SIGTERM)
        if !waitUntil(timeout: 15, { !self.process.isRunning }) { process.signal(SIGKILL) }
        process.process.waitUntilExit()
        dir.remove()
    }
}

@Suite(.serialized) struct CheckdSupervised {
    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: the supervisor switches users"))
    func theSupervisorRunsCheckdAndRelaysItsVerdictsToIPVSApplier() throws {
        let server = try Peer("silent")
        defer { server.stop() }
        let sup = try SupervisedRun(conf: Conf.global() + Conf.vs(Conf.rs(server.port, Conf.tcp())))
        defer { sup.stop() }
        #expect(waitUntil(timeout: 20) { sup.events.contains("received real-server-full-state from checkd") },
                "events:\n\(sup.events)\nlog:\n\(sup.log)")
        // A verdict change is relayed too.
        Thread.sleep(forTimeInterval: 1.5)
        let before = sup.verdicts
        server.stop()
        #expect(waitUntil(timeout: 15) { sup.log.contains("TCP_CHECK on service [127.0.0.1]:tcp:\(server.port) of VS [10.9.9.9]:tcp:80 failed") },
                "\(sup.log)")
        #expect(waitUntil(timeout: 5) { sup.verdicts > before }, "events:\n\(sup.events)")
        // checkd runs as its own user, sandboxed, with no capability (no fwmark).
        guard let pid = sup.checkdPid else { Issue.record("no checkers pid file: \(sup.log)"); return }
        #expect(procStatus(pid: pid, "Seccomp") == "2")
        #expect(procStatus(pid: pid, "CapEff") == "0000000000000000")
        #expect(procStatus(pid: pid, "CapBnd") == "0000000000000000")
        #expect(!sup.log.contains("gets CAP_NET_ADMIN"), "\(sup.log)")
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: the supervisor switches users, a namespace"))
    func withACheckerFwmarkTheSupervisorStartsCheckdWithCapNetAdminOnly() throws {
        let ns = try CheckdFwmark.markedOnlyNamespace()
        defer { ns.remove() }
        let server = try Peer("silent", ["--addr", "10.99.0.2", "--port", "8080"], netns: ns)
        defer { server.stop() }
        let sup = try SupervisedRun(conf: Conf.global() + Conf.vs("""
            \(Conf.rs("10.99.0.2", 8080, Conf.tcp("      fwmark 7")))
            \(Conf.rs("10.99.0.3", 8080, Conf.tcp("      connect_ip 10.99.0.2")))
            """), netns: ns)
        defer { sup.stop() }
        // The unmarked check (of .3, connecting to .2) is refused by the rules...
        #expect(waitUntil(timeout: 20) { sup.log.contains("Removing service [10.99.0.3]:tcp:8080") }, "\(sup.log)")
        #expect(sup.log.contains("of VS [10.9.9.9]:tcp:80 failed: unreachable"), "\(sup.log)")
        // ...while the marked one passes and stays in.
        Thread.sleep(forTimeInterval: 2)
        #expect(!sup.log.contains("Removing service [10.99.0.2]:tcp:8080"), "\(sup.log)")
        #expect(sup.log.contains("checkd gets CAP_NET_ADMIN: a checker sets fwmark (SO_MARK)"), "\(sup.log)")
        guard let pid = sup.checkdPid else { Issue.record("no checkers pid file: \(sup.log)"); return }
        #expect(procStatus(pid: pid, "CapEff") == "0000000000001000", "\(sup.log)")
        #expect(procStatus(pid: pid, "CapPrm") == "0000000000001000")
        #expect(procStatus(pid: pid, "CapBnd") == "0000000000001000")
        #expect(procStatus(pid: pid, "Seccomp") == "2")
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: the supervisor switches users"))
    func aSlowMiscScriptIsKilledByTheSupervisorAtMiscTimeoutAndCountsAsAFailure() throws {
        let scripts = try TempDirectory("ka-sup-misc")
        defer { scripts.remove() }
        chmod(scripts.path, 0o755)
        let slow = try scripts.write("slow.sh", "#!/bin/sh\nsleep 20\n", mode: 0o755)
        // misc_timeout 1 for .1; none for .2, so its delay_loop (2 s): the
        // supervisor kills each at what checkd asked, not at its 30 s default.
        let sup = try SupervisedRun(conf: Conf.global("  script_user keepalived-checkd\n  enable_script_security") + Conf.vs("""
            \(Conf.rs("127.0.0.1", 8080, "MISC_CHECK {\n      misc_path \"\(slow)\"\n      misc_timeout 1\n      warmup 0\n    }"))
            \(Conf.rs("127.0.0.2", 8080, "MISC_CHECK {\n      misc_path \"\(slow)\"\n      delay_loop 2\n      warmup 0\n    }"))
            """))
        defer { sup.stop() }
        #expect(waitUntil(timeout: 15) {
            sup.log.contains("MISC_CHECK on service [127.0.0.1]:tcp:8080 of VS [10.9.9.9]:tcp:80 failed: timed out")
                && sup.log.contains("MISC_CHECK on service [127.0.0.2]:tcp:8080 of VS [10.9.9.9]:tcp:80 failed: timed out")
        }, "\(sup.log)")
        #expect(sup.log.contains("ran past its 1.0 seconds timeout"), "\(sup.log)")
        #expect(sup.log.contains("ran past its 2.0 seconds timeout"), "\(sup.log)")
        #expect(!sup.log.contains("ran past its 30.0 seconds timeout"), "\(sup.log)")
        #expect(sup.log.contains("Removing service [127.0.0.1]:tcp:8080"), "\(sup.log)")
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: the supervisor switches users"))
    func aReloadAddingAFwmarkRestartsCheckdWithCapNetAdminAndOneRemovingItDropsIt() throws {
        let server = try Peer("silent")
        defer { server.stop() }
        let plain = Conf.global() + Conf.vs(Conf.rs(server.port, Conf.tcp()))
        let marked = Conf.global() + Conf.vs(Conf.rs(server.port, Conf.tcp("      fwmark 7")))
        let sup = try SupervisedRun(conf: plain)
        defer { sup.stop() }
        #expect(waitUntil(timeout: 20) { sup.log.contains("checkd runs configuration generation 1") }, "\(sup.log)")
        guard let first = sup.checkdPid else { Issue.record("no checkd pid: \(sup.log)"); return }
        #expect(procStatus(pid: first, "CapEff") == "0000000000000000")
        // A process cannot gain a capability: checkd is started again with it.
        try sup.reload(conf: marked)
        #expect(waitUntil(timeout: 20) { sup.checkdPid.map { $0 != first && procStatus(pid: $0, "CapEff") == "0000000000001000" } ?? false },
                "\(sup.log)")
        #expect(sup.log.contains("checkd needs CAP_NET_ADMIN for the new configuration: restarting it"), "\(sup.log)")
        #expect(waitUntil(timeout: 10) { sup.log.contains("checkd runs configuration generation 2") }, "\(sup.log)")
        guard let second = sup.checkdPid else { return }
        // Dropping it needs no restart: checkd drops it itself.
        try sup.reload(conf: plain)
        #expect(waitUntil(timeout: 20) { procStatus(pid: second, "CapEff") == "0000000000000000" }, "\(sup.log)")
        #expect(procStatus(pid: second, "CapPrm") == "0000000000000000")
        #expect(sup.checkdPid == second)
        #expect(sup.log.contains("dropped CAP_NET_ADMIN"), "\(sup.log)")
        #expect(!sup.log.contains("respawning checkd"), "a restart for a capability is not a failure\n\(sup.log)")
    }
}
