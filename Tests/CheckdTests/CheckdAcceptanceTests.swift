// checkd end to end: the real program against real servers on loopback (and
// in a namespace for PING_CHECK), with short, generous time bounds. Each
// test writes a keepalived.conf and has kaconf compile it, as an operator does.
import Foundation
import Testing
import TestSupport
import Wire

@Suite(.serialized) struct CheckdAcceptance {
    @Test func tcpCheckGoesDownAfterRetriesSpacedByDelayBeforeRetryAndComesBack() throws {
        let server = try Peer("silent")
        let port = server.port
        let run = try CheckdRun(conf: Conf.global() + Conf.vs(Conf.rs(port, Conf.tcp(retry: 2, delayBeforeRetry: "0.5"))))
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
        let run = try CheckdRun(conf: Conf.global() + Conf.vs(Conf.rs(server.port, Conf.tcp())))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: server.port) == true }, "\(run.log)")
        let uid = getpwnam("keepalived-checkd").map { String($0.pointee.pw_uid) } ?? "?"
        #expect(run.status("Uid").split(separator: "\t").first.map(String.init) == uid)
        // No checker sets fwmark: no capability at all.
        #expect(run.status("CapEff") == "0000000000000000")
        #expect(run.status("CapPrm") == "0000000000000000")
        #expect(run.status("CapBnd") == "0000000000000000")
        #expect(run.status("NoNewPrivs") == "1")
        #expect(run.status("Seccomp") == "2")
        #expect(!run.log.contains("CAP_NET_ADMIN"), "\(run.log)")
    }

    @Test func alphaStartsDownAndComesUpOnTheFirstPass() throws {
        let server = try Peer("silent")
        defer { server.stop() }
        let port = server.port
        let run = try CheckdRun(conf: Conf.global() + Conf.vs(Conf.rs(port, Conf.tcp("      alpha"))))
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
        let run = try CheckdRun(conf: Conf.global() + Conf.vs(Conf.rs(server.port, Conf.tcp(connectTimeout: "0.5"))))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: server.port) == false }, "\(run.log)")
        #expect(run.applier.verdicts(port: server.port).last?.reason.contains("timeout") == true)
    }

    @Test func smtpDnsAndUdpChecksAgainstRealServers() throws {
        let smtp = try Peer("smtp"), smtpBad = try Peer("smtp-reject")
        let dns = try Peer("dns"), udp = try Peer("udp-echo")
        defer { smtp.stop(); smtpBad.stop(); dns.stop(); udp.stop() }
        let timing = "connect_timeout 1\n      retry 0\n      warmup 0"
        let conf = Conf.global()
            + Conf.vs(port: 25, """
                \(Conf.rs(smtp.port, "SMTP_CHECK {\n      helo_name checkd.test\n      \(timing)\n    }"))
                \(Conf.rs(smtpBad.port, "SMTP_CHECK {\n      helo_name checkd.test\n      \(timing)\n    }"))
                """)
            + Conf.vs(port: 53, proto: "UDP", """
                \(Conf.rs(dns.port, "DNS_CHECK {\n      type A\n      name ok.test\n      \(timing)\n    }"))
                \(Conf.rs("127.0.0.2", dns.port, "DNS_CHECK {\n      type A\n      name nx.test\n      connect_ip 127.0.0.1\n      \(timing)\n    }"))
                """)
            + Conf.vs(port: 7, proto: "UDP", """
                \(Conf.rs(udp.port, "UDP_CHECK {\n      payload 0102\n      require_reply 0102\n      \(timing)\n    }"))
                \(Conf.rs("127.0.0.2", udp.port, "UDP_CHECK {\n      payload 0102\n      require_reply ff\n      connect_ip 127.0.0.1\n      \(timing)\n    }"))
                """)
        let run = try CheckdRun(conf: conf)
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

    @Test func dnsCheckSkipsAReplyWithAnotherIDAndWaitsForItsOwn() throws {
        // One server answers every query twice: first with another ID, then
        // (0.1 s later) with the right one. The other sends only wrong-ID answers.
        let first = try Peer("dns", ["--wrong-id", "first"])
        let only = try Peer("dns", ["--wrong-id", "only"])
        defer { first.stop(); only.stop() }
        func dnsCheck(_ extra: String = "") -> String {
            "DNS_CHECK {\n      type A\n      name ok.test\n      connect_timeout 1\n      retry 0\n      warmup 0\n\(extra)\n    }"
        }
        let run = try CheckdRun(conf: Conf.global() + Conf.vs(port: 53, proto: "UDP", """
            \(Conf.rs(first.port, dnsCheck()))
            \(Conf.rs(only.port, dnsCheck()))
            """))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: only.port) == false }, "\(run.log)")
        // A failure only at connect_timeout, saying what was skipped; never "does not match".
        let reason = run.applier.verdicts(port: only.port).last?.reason ?? ""
        #expect(reason.contains("no reply with query ID") && reason.contains("ignored"), "\(reason)")
        Thread.sleep(forTimeInterval: 2.5)
        #expect(run.applier.verdicts(port: first.port).allSatisfy { $0.up }, "\(run.log)")
        #expect(run.applier.lastState(port: first.port) == true)
        #expect(!run.log.contains("does not match query ID"), "\(run.log)")
    }

    @Test func quorumLossBringsTheSorryServer() throws {
        let a = try Peer("silent"), b = try Peer("silent")
        defer { a.stop() }
        let run = try CheckdRun(conf: Conf.global() + Conf.vs("""
              quorum 2
              sorry_server 127.0.0.1 9
            \(Conf.rs(a.port, Conf.tcp()))
            \(Conf.rs(b.port, Conf.tcp()))
            """))
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
        let run = try CheckdRun(conf: Conf.global("  lvs_notify_fifo \(path)") + Conf.vs(Conf.rs(port, Conf.tcp())))
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
        let vs1 = Conf.vs(port: 80, Conf.rs(a.port, Conf.tcp()))
        let run = try CheckdRun(conf: Conf.global() + vs1 + Conf.vs(port: 81, Conf.rs(b.port, Conf.tcp())))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: a.port) == true && run.applier.lastState(port: b.port) == true })
        Thread.sleep(forTimeInterval: 1.5)
        // The operator adds a real server to the second virtual server and reloads.
        try run.reload(conf: Conf.global() + vs1 + Conf.vs(port: 81, Conf.rs(b.port, Conf.tcp()) + "\n" + Conf.rs(c.port, Conf.tcp())))
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
        chmod(dir.path, 0o755)
        let flag = dir.file("status")
        try "0".write(toFile: flag, atomically: true, encoding: .utf8)
        chmod(flag, 0o644)
        let script = try dir.write("check.sh", "#!/bin/sh\nexit $(cat \(flag))\n", mode: 0o755)
        // Alone, checkd runs scripts only as itself: the configuration says so.
        let run = try CheckdRun(conf: Conf.global("  script_user keepalived-checkd\n  enable_script_security") + Conf.vs(
            Conf.rs(8080, "MISC_CHECK {\n      misc_path \"\(script)\"\n      misc_timeout 2\n      warmup 0\n    }")))
        defer { run.stop(); run.cleanup() }
        Thread.sleep(forTimeInterval: 2.5)
        #expect(run.applier.lastState(port: 8080) == true, "\(run.log)")
        try "1".write(toFile: flag, atomically: true, encoding: .utf8)
        chmod(flag, 0o644)
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: 8080) == false }, "\(run.log)")
        #expect(run.applier.verdicts(port: 8080).last?.reason.contains("exited with status 1") == true)
    }

    @Test func aSlowMiscScriptIsKilledAtMiscTimeoutOrDelayLoopAndCountsAsAFailure() throws {
        let dir = try TempDirectory("ka-misc-slow")
        defer { dir.remove() }
        chmod(dir.path, 0o755)
        let slow = try dir.write("slow.sh", "#!/bin/sh\nsleep 20\n", mode: 0o755)
        // .1: misc_timeout 1; .2: none, so delay_loop (2 s) bounds it. Neither
        // may run to the script runner's own 30 s default.
        let run = try CheckdRun(conf: Conf.global("  script_user keepalived-checkd\n  enable_script_security") + Conf.vs("""
            \(Conf.rs("127.0.0.1", 8080, "MISC_CHECK {\n      misc_path \"\(slow)\"\n      misc_timeout 1\n      warmup 0\n    }"))
            \(Conf.rs("127.0.0.2", 8080, "MISC_CHECK {\n      misc_path \"\(slow)\"\n      delay_loop 2\n      warmup 0\n    }"))
            """))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 15) {
            run.applier.lastState(port: 8080, address: "127.0.0.1") == false && run.applier.lastState(port: 8080, address: "127.0.0.2") == false
        }, "\(run.log)")
        #expect(run.applier.verdicts(port: 8080, address: "127.0.0.1").last?.reason.contains("timed out") == true)
        #expect(run.applier.verdicts(port: 8080, address: "127.0.0.2").last?.reason.contains("timed out") == true)
        // Killed by ka-script-host at the timeout checkd asked for.
        #expect(run.log.contains("ran past its 1.0 seconds timeout"), "\(run.log)")
        #expect(run.log.contains("ran past its 2.0 seconds timeout"), "\(run.log)")
        #expect(!run.log.contains("ran past its 30.0 seconds timeout"), "\(run.log)")
    }

    @Test func fileCheckFollowsTheTrackFile() throws {
        let dir = try TempDirectory("ka-track")
        defer { dir.remove() }
        chmod(dir.path, 0o755)
        let path = dir.file("weight")
        try "0".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o644)
        let run = try CheckdRun(conf: Conf.global() + "track_file tf {\n  file \(path)\n  weight 0\n}\n"
                                + Conf.vs(Conf.rs(8081, "FILE_CHECK {\n      track_file tf\n    }")))
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
        let ping = "PING_CHECK {\n      connect_timeout 0.5\n      retry 0\n      warmup 0\n    }"
        // An IPv6 real server needs an IPv6 virtual server (keepalived skips it otherwise).
        let run = try CheckdRun(conf: Conf.global() + Conf.vs("""
            \(Conf.rs("127.0.0.1", 80, ping))
            \(Conf.rs("10.77.0.2", 80, ping))
            """) + Conf.vs(at: "fd00::9", Conf.rs("::1", 80, ping)), netns: ns)
        defer { run.stop(); run.cleanup() }
        func state(_ addr: String) -> Bool? { run.applier.lastState(port: 80, address: addr) }
        #expect(run.applier.waitFor(timeout: 10) { state("10.77.0.2") == false }, "\(run.log)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(state("127.0.0.1") == true, "\(run.log)")
        let loopback6 = WireAddress(bytes: [UInt8](repeating: 0, count: 15) + [1])?.description ?? "::1"
        #expect(state(loopback6) == true, "::1 answers\n\(run.log)")
        #expect(!run.log.contains("ping_group_range"), "\(run.log)")
    }
}

/// A checker `fwmark` (SO_MARK) needs CAP_NET_ADMIN: checkd holds it only then.
@Suite(.serialized) struct CheckdFwmark {
    /// A namespace where 10.99.0.2 is reachable only with fwmark 7: policy
    /// rules send marked traffic to the local table and refuse the rest
    /// (ENETUNREACH). tcp_fwmark_accept lets the server's SYN-ACK carry the
    /// client's mark back.
    static func markedOnlyNamespace() throws -> Netns {
        let ns = try Netns("fwmark")
        try ns.sh("""
            sysctl -qw net.ipv4.tcp_fwmark_accept=1 && \
            ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up && \
            ip addr add 10.99.0.2/32 dev v0 && \
            ip rule add pref 10 fwmark 7 lookup local && \
            ip rule add pref 20 to 10.99.0.2 unreachable && \
            ip rule add pref 100 lookup local && ip rule del pref 0
            """)
        return ns
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: a network namespace and checkd's user"))
    func aCheckerFwmarkGivesCheckdCapNetAdminAloneAndTheMarkIsApplied() throws {
        let ns = try CheckdFwmark.markedOnlyNamespace()
        defer { ns.remove() }
        let server = try Peer("silent", ["--addr", "10.99.0.2", "--port", "8080"], netns: ns)
        defer { server.stop() }
        // .2 is checked with the mark (up); .3 connects to the same server
        // without it (unreachable: the rules are real, so the mark is what counts).
        let run = try CheckdRun(conf: Conf.global() + Conf.vs("""
            \(Conf.rs("10.99.0.2", 8080, Conf.tcp("      fwmark 7")))
            \(Conf.rs("10.99.0.3", 8080, Conf.tcp("      connect_ip 10.99.0.2")))
            """), netns: ns)
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) {
            run.applier.lastState(port: 8080, address: "10.99.0.2") == true && run.applier.lastState(port: 8080, address: "10.99.0.3") == false
        }, "\(run.log)")
        #expect(run.applier.verdicts(port: 8080, address: "10.99.0.3").last?.reason.contains("unreachable") == true)
        // CAP_NET_ADMIN (bit 12) and nothing else, as its own user, and said so.
        #expect(run.status("CapEff") == "0000000000001000", "\(run.log)")
        #expect(run.status("CapPrm") == "0000000000001000")
        #expect(run.status("CapBnd") == "0000000000001000")
        #expect(run.status("Seccomp") == "2")
        let uid = getpwnam("keepalived-checkd").map { String($0.pointee.pw_uid) } ?? "?"
        #expect(run.status("Uid").split(separator: "\t").first.map(String.init) == uid)
        #expect(run.log.contains("holding CAP_NET_ADMIN: a checker sets fwmark (SO_MARK)"), "\(run.log)")
        #expect(!run.log.contains("SO_MARK 7): "), "no SO_MARK failure\n\(run.log)")
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: checkd drops to its own user"))
    func aReloadThatDropsTheLastFwmarkDropsCapNetAdmin() throws {
        let server = try Peer("silent")
        defer { server.stop() }
        let run = try CheckdRun(conf: Conf.global() + Conf.vs(Conf.rs(server.port, Conf.tcp("      fwmark 7"))))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: server.port) == true }, "\(run.log)")
        #expect(run.status("CapEff") == "0000000000001000", "\(run.log)")
        try run.reload(conf: Conf.global() + Conf.vs(Conf.rs(server.port, Conf.tcp())))
        #expect(waitUntil(timeout: 10) { run.status("CapEff") == "0000000000000000" }, "\(run.log)")
        #expect(run.status("CapPrm") == "0000000000000000")
        #expect(run.log.contains("dropped CAP_NET_ADMIN"), "\(run.log)")
        // Still checking, still confined.
        #expect(run.process.isRunning && run.status("Seccomp") == "2")
        #expect(run.applier.lastState(port: server.port) == true)
    }
}
