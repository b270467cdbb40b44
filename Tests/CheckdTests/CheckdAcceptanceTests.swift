// checkd end to end: the real program against real servers on loopback (and
// in a namespace for PING_CHECK), with short, generous time bounds.
import Foundation
import Testing
import ConfigModel
import TestSupport
import Wire

func tcp(_ c: CheckerCommon) -> Checker { .tcp(c) }

@Suite(.serialized) struct CheckdAcceptance {
    @Test func tcpCheckGoesDownAfterRetriesSpacedByDelayBeforeRetryAndComesBack() throws {
        let server = try Peer("silent")
        let port = server.port
        let run = try CheckdRun(Cfg.config([Cfg.vs([Cfg.rs(port: port, [tcp(Cfg.common(retry: 2, dbr: 0.5))])])]))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: port) == true }, "up when healthy\n\(run.log)")
        // Let a check pass so the server has been seen up, then stop it.
        Thread.sleep(forTimeInterval: 1.5)
        let killed = Date()
        server.stop()
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: port) == false }, "down\n\(run.log)")
        let down = run.applier.verdicts(port: port).last { !$0.up }
        let elapsed = down.map { $0.at.timeIntervalSince(killed) } ?? -1
        // First failure within one delay_loop, then two retries 0.5 s apart.
        #expect(elapsed >= 1.0 && elapsed < 6, "down after \(elapsed) s")
        let retries = run.logLines(containing: "attempt failed")
        #expect(retries.count == 2, "\(retries)")
        #expect(run.logLines(containing: "failed after 2 retries").count == 1, "\(run.log)")
        // Back up when the server returns on the same port.
        let again = try Peer("silent", ["--port", "\(port)"])
        defer { again.stop() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: port) == true }, "back up\n\(run.log)")
        #expect(run.logLines(containing: "Adding service [127.0.0.1]:tcp:\(port)").count == 1)
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: checkd drops to its own user"))
    func checkdRunsAsItsOwnUserWithNoCapabilitiesAndSeccomp() throws {
        let server = try Peer("silent")
        defer { server.stop() }
        let run = try CheckdRun(Cfg.config([Cfg.vs([Cfg.rs(port: server.port, [tcp(Cfg.common())])])]))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: server.port) == true }, "\(run.log)")
        let status = try String(contentsOfFile: "/proc/\(run.process.pid)/status", encoding: .utf8)
        func field(_ name: String) -> String {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) } ?? "?"
        }
        let uid = getpwnam("keepalived-checkd").map { String($0.pointee.pw_uid) } ?? "?"
        #expect(field("Uid").split(separator: "\t").first.map(String.init) == uid)
        #expect(field("CapEff") == "0000000000000000")
        #expect(field("CapPrm") == "0000000000000000")
        #expect(field("CapBnd") == "0000000000000000")
        #expect(field("NoNewPrivs") == "1")
        #expect(field("Seccomp") == "2")
    }

    @Test func alphaStartsDownAndComesUpOnTheFirstPass() throws {
        let server = try Peer("silent")
        defer { server.stop() }
        let port = server.port
        let run = try CheckdRun(Cfg.config([Cfg.vs([Cfg.rs(port: port, [tcp(Cfg.common(alpha: true))])])]))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: port) == true }, "\(run.log)")
        // Down at start is the applier's own assumption for an alpha server, so
        // nothing is said until the first check passes: then "up", once.
        let states = run.applier.verdicts(port: port).map(\.up)
        #expect(states.enumerated().filter { $0.offset == 0 || states[$0.offset - 1] != $0.element }.map(\.element) == [true])
        #expect(run.applier.verdicts(port: port).filter { !$0.full }.map(\.up) == [true], "incremental verdicts only on changes")
    }

    @Test func aSlowServerHitsConnectTimeout() throws {
        let server = try Peer("stall")
        defer { server.stop() }
        let run = try CheckdRun(Cfg.config([Cfg.vs([Cfg.rs(port: server.port, [tcp(Cfg.common(timeout: 0.5))])])]))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: server.port) == false }, "\(run.log)")
        #expect(run.applier.verdicts(port: server.port).last?.reason.contains("timeout") == true)
    }

    @Test func smtpDnsAndUdpChecksAgainstRealServers() throws {
        let smtp = try Peer("smtp"), smtpBad = try Peer("smtp-reject")
        let dns = try Peer("dns"), udp = try Peer("udp-echo")
        defer { smtp.stop(); smtpBad.stop(); dns.stop(); udp.stop() }
        var s = SMTPCheck(); s.common = Cfg.common(); s.heloName = "checkd.test"
        var d = DNSCheck(); d.common = Cfg.common(); d.type = .A; d.name = "ok.test"
        var dBad = d; dBad.name = "nx.test"
        var u = UDPCheck(); u.common = Cfg.common(); u.payload = [0x01, 0x02]; u.requireReplyEnabled = true; u.requireReply = "0102"
        var uBad = u; uBad.requireReply = "ff"
        let config = Cfg.config([
            Cfg.vs(port: 25, [Cfg.rs(port: smtp.port, [.smtp(s)]), Cfg.rs(port: smtpBad.port, [.smtp(s)])]),
            Cfg.vs(port: 53, [Cfg.rs(port: dns.port, [.dns(d)]), Cfg.rs(port: dns.port, address: "127.0.0.2", [.dns(dBad)]) {
                $0.checkers = [{ var x = dBad; x.common.connectIp = IPAddress("127.0.0.1"); return .dns(x) }()]
            }]) { $0.protocol = .udp },
            Cfg.vs(port: 7, [Cfg.rs(port: udp.port, [.udp(u)]), Cfg.rs(port: udp.port, address: "127.0.0.2", [{ var x = uBad; x.common.connectIp = IPAddress("127.0.0.1"); return .udp(x) }()])]) { $0.protocol = .udp },
        ])
        let run = try CheckdRun(config)
        defer { run.stop(); run.cleanup() }
        func state(_ port: UInt16, _ addr: String) -> Bool? { run.applier.lastState(port: port, address: addr) }
        #expect(run.applier.waitFor(timeout: 10) {
            state(smtpBad.port, "127.0.0.1") == false && state(dns.port, "127.0.0.2") == false && state(udp.port, "127.0.0.2") == false
        }, "\(run.log)")
        Thread.sleep(forTimeInterval: 2)
        #expect(state(smtp.port, "127.0.0.1") == true)
        #expect(state(dns.port, "127.0.0.1") == true)
        #expect(state(udp.port, "127.0.0.1") == true)
    }

    @Test func quorumLossBringsTheSorryServer() throws {
        let a = try Peer("silent"), b = try Peer("silent")
        defer { a.stop() }
        let vs = Cfg.vs([Cfg.rs(port: a.port, [tcp(Cfg.common())]), Cfg.rs(port: b.port, [tcp(Cfg.common())])]) {
            $0.quorum = 2
            $0.sorryServer = SorryServer(address: IPAddress("127.0.0.1")!, port: 9)
        }
        let run = try CheckdRun(Cfg.config([vs]))
        defer { run.stop(); run.cleanup() }
        func sorry() -> Bool? { run.applier.sorryActive() }
        #expect(run.applier.waitFor(timeout: 10) { sorry() == false }, "\(run.log)")
        b.stop()
        #expect(run.applier.waitFor(timeout: 10) { sorry() == true }, "\(run.log)")
        #expect(run.logLines(containing: "Lost quorum 2-0=2 > 1").count == 1, "\(run.log)")
    }

    @Test func lvsNotifyFifoGetsKeepalivedsLines() throws {
        let fifoDir = try TempDirectory("ka-fifo")
        defer { fifoDir.remove() }
        chmod(fifoDir.path, 0o1777)
        let path = fifoDir.file("lvs.fifo")
        #expect(mkfifo(path, 0o666) == 0)
        chmod(path, 0o666)
        let reader = open(path, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        let server = try Peer("silent")
        let port = server.port
        let run = try CheckdRun(Cfg.config([Cfg.vs([Cfg.rs(port: port, [tcp(Cfg.common())])])]) {
            $0.global.lvsNotifyFifo = FifoSpec(path: path)
        })
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: port) == true })
        Thread.sleep(forTimeInterval: 1.2)
        server.stop()
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: port) == false }, "\(run.log)")
        Thread.sleep(forTimeInterval: 0.3)
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = read(reader, &buf, buf.count)
        let text = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
        #expect(text.contains("VS [10.9.9.9]:tcp:80 UP\n"), "\(text)")
        #expect(text.contains("RS [127.0.0.1]:tcp:\(port) [10.9.9.9]:tcp:80 DOWN\n"), "\(text)")
        #expect(text.contains("VS [10.9.9.9]:tcp:80 DOWN\n"), "\(text)")
    }

    @Test func sighupChangingOneVirtualServerLeavesTheOthersAlone() throws {
        let a = try Peer("silent"), b = try Peer("silent"), c = try Peer("silent")
        defer { a.stop(); b.stop(); c.stop() }
        let vs1 = Cfg.vs(port: 80, [Cfg.rs(port: a.port, [tcp(Cfg.common())])])
        let vs2 = Cfg.vs(port: 81, [Cfg.rs(port: b.port, [tcp(Cfg.common())])])
        let run = try CheckdRun(Cfg.config([vs1, vs2]))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: a.port) == true && run.applier.lastState(port: b.port) == true })
        Thread.sleep(forTimeInterval: 1.5)
        var vs2b = vs2
        vs2b.realServers.append(Cfg.rs(port: c.port, [tcp(Cfg.common())]))
        try run.reload(Cfg.config([vs1, vs2b]), generation: 2)
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: c.port) == true }, "\(run.log)")
        Thread.sleep(forTimeInterval: 2.5)
        // The unchanged virtual server's real server never left the pool.
        #expect(run.applier.verdicts(port: a.port).allSatisfy { $0.up })
        #expect(run.applier.verdicts(port: a.port).filter { !$0.full }.count <= 1, "no verdict since the start")
        #expect(run.logLines(containing: "reloaded").count == 1, "\(run.log)")
        #expect(run.applier.received.contains { if case .realServerFullState(let f) = $0.message { return f.generation == Generation(2) }; return false })
    }

    @Test func miscCheckRunsItsScriptAndFollowsTheExitStatus() throws {
        let dir = try TempDirectory("ka-misc")
        defer { dir.remove() }
        let flag = dir.file("status")
        try "0".write(toFile: flag, atomically: true, encoding: .utf8)
        let script = try dir.write("check.sh", "#!/bin/sh\nexit $(cat \(flag))\n", mode: 0o755)
        var m = MiscCheck()
        m.common = Cfg.common()
        m.miscPath = Script(id: ScriptID(0), argv: [script])
        m.miscTimeout = .seconds(2)
        // Alone, checkd runs scripts only as itself: the configuration says so.
        let run = try CheckdRun(Cfg.config([Cfg.vs([Cfg.rs(port: 8080, [.misc(m)])])]) { $0.global.scriptUser = "keepalived-checkd" },
                                scripts: [Script(id: ScriptID(0), argv: [script])])
        defer { run.stop(); run.cleanup() }
        Thread.sleep(forTimeInterval: 2.5)
        #expect(run.applier.lastState(port: 8080) == true, "\(run.log)")
        try "1".write(toFile: flag, atomically: true, encoding: .utf8)
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: 8080) == false }, "\(run.log)")
        #expect(run.applier.verdicts(port: 8080).last?.reason.contains("exited with status 1") == true)
    }

    @Test func fileCheckFollowsTheTrackFile() throws {
        let dir = try TempDirectory("ka-track")
        defer { dir.remove() }
        let path = dir.file("weight")
        try "0".write(toFile: path, atomically: false, encoding: .utf8)
        var tf = TrackFile(name: "tf"); tf.file = path; tf.weight = 0
        var fc = FileCheck(); fc.trackFile = "tf"
        let run = try CheckdRun(Cfg.config([Cfg.vs([Cfg.rs(port: 8081, [.file(fc)])])]) { $0.trackFiles = [tf] })
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: 8081) == true }, "\(run.log)")
        try "3".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: 8081) == false }, "\(run.log)")
        try "0".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: 8081) == true }, "\(run.log)")
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: a network namespace for PING_CHECK"))
    func pingCheckInANamespace() throws {
        let ns = try Netns("ping")
        defer { ns.remove() }
        // Unprivileged ICMP datagram sockets: the namespace's ping_group_range must include checkd's group.
        try ns.sh("sysctl -qw net.ipv4.ping_group_range='0 2147483647'")
        try ns.sh("ip link add v0 type veth peer name v1 && ip addr add 10.77.0.1/24 dev v0 && ip link set v0 up")
        var pingOK = CheckerCommon(); pingOK = Cfg.common(timeout: 0.5)
        let run = try CheckdRun(Cfg.config([Cfg.vs([
            Cfg.rs(port: 0, address: "127.0.0.1", [.ping(pingOK)]),
            Cfg.rs(port: 0, address: "10.77.0.2", [.ping(pingOK)]),
            Cfg.rs(port: 0, address: "::1", [.ping(pingOK)]),
        ])]), netns: ns)
        defer { run.stop(); run.cleanup() }
        func state(_ addr: String) -> Bool? { run.applier.lastState(port: 0, address: addr) }
        #expect(run.applier.waitFor(timeout: 10) { state("10.77.0.2") == false }, "\(run.log)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(state("127.0.0.1") == true, "\(run.log)")
        #expect(state("0:0:0:0:0:0:0:1") ?? true, "\(run.log)")
        #expect(!run.log.contains("ping_group_range"), "\(run.log)")
    }
}
