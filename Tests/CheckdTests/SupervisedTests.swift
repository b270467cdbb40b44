// checkd under the real supervisor: keepalived spawns it (as its user, with
// its policy), hands it its slice, relays its verdicts to ipvs-applier (here
// the test-only ka-testchild, which records what it receives).
import Codec
import ConfigModel
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct CheckdSupervised {
    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: the supervisor switches users"))
    func theSupervisorRunsCheckdAndRelaysItsVerdictsToIPVSApplier() throws {
        let server = try Peer("silent")
        defer { server.stop() }
        let dir = try TempDirectory("ka-sup-checkd")
        defer { dir.remove() }
        let bin = dir.file("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        chmod(bin, 0o755)
        for (from, to) in [("keepalived", "keepalived"), ("checkd", "checkd"), ("ka-testchild", "ipvs-applier")] {
            try copyExecutable(from: TestEnvironment.binary(from), to: "\(bin)/\(to)")
            chmod("\(bin)/\(to)", 0o755)
        }
        #expect(mkfifo("\(bin)/ipvs-applier.ctl", 0o666) == 0)
        chmod("\(bin)/ipvs-applier.ctl", 0o666)
        FileManager.default.createFile(atPath: "\(bin)/ipvs-applier.events", contents: nil)
        chmod("\(bin)/ipvs-applier.events", 0o666)

        var c = CompiledConfig()
        c.generation = 1
        c.config = Cfg.config([Cfg.vs([Cfg.rs(port: server.port, [.tcp(Cfg.common())])])])
        let configPath = dir.file("keepalived.kacf")
        try Data(try c.serialized()).write(to: URL(fileURLWithPath: configPath))
        chmod(configPath, 0o644)
        let sup = try Spawned(["\(bin)/keepalived", "-n", "-l", "-G", "-D", "-C", "-f", configPath,
                               "-p", dir.file("k.pid"), "-c", dir.file("c.pid"),
                               "--policy-dir", TestEnvironment.packageRoot.appendingPathComponent("policies").path],
                              outputFile: dir.file("keepalived.log"))
        defer {
            sup.signal(SIGTERM)
            if !waitUntil(timeout: 15, { !sup.isRunning }) { sup.signal(SIGKILL) }
            sup.process.waitUntilExit()
        }
        func events() -> String { (try? String(contentsOfFile: "\(bin)/ipvs-applier.events", encoding: .utf8)) ?? "" }
        #expect(waitUntil(timeout: 20) { events().contains("received real-server-full-state from checkd") },
                "events:\n\(events())\nlog:\n\(sup.output)")
        // A verdict change is relayed too.
        func verdicts() -> Int { events().components(separatedBy: "received real-server-verdict from checkd").count - 1 }
        Thread.sleep(forTimeInterval: 1.5)
        let before = verdicts()
        server.stop()
        #expect(waitUntil(timeout: 15) { sup.output.contains("TCP_CHECK on service [127.0.0.1]:tcp:\(server.port) of VS [10.9.9.9]:tcp:80 failed") },
                "\(sup.output)")
        #expect(waitUntil(timeout: 5) { verdicts() > before }, "events:\n\(events())")
        // checkd runs as its own user, sandboxed.
        let pid = (try? String(contentsOfFile: dir.file("c.pid"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) {
            #expect(status.contains("Seccomp:\t2"))
            #expect(status.contains("CapEff:\t0000000000000000"))
        } else {
            Issue.record("no checkers pid file: \(sup.output)")
        }
    }
}
