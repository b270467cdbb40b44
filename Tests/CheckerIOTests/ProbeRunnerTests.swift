// Probes run on the real reactor against real servers on loopback.
import Foundation
import Testing
import Checkers
import CheckerIO
import ConfigModel
import Reactor
import TestSupport

/// A test peer from Tests/peers/checkd_peers.py, stopped by `stop()`.
final class Peer {
    let process: Spawned
    let port: UInt16
    let log: TempDirectory

    init(_ kind: String, _ extra: [String] = []) throws {
        log = try TempDirectory("ka-peer")
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/peers/checkd_peers.py").path
        process = try Spawned(["/usr/bin/python3", script, kind] + extra, outputFile: log.file("out"))
        var found: UInt16?
        _ = process.waitForOutput(timeout: 20) { out in
            for line in out.split(separator: "\n") where line.hasPrefix("PORT ") {
                found = UInt16(line.dropFirst(5))
                return true
            }
            return false
        }
        guard let found else {
            process.stop()
            throw TestFailure("peer \(kind) did not start: \(process.output)")
        }
        port = found
    }

    func stop() {
        // SIGKILL: children of the test runner may inherit a blocked SIGTERM.
        process.signal(SIGKILL)
        process.process.waitUntilExit()
        log.remove()
    }
}

/// A port nothing listens on (bound then released).
func closedPort(udp: Bool = false) -> UInt16 {
    let s = socket(AF_INET, udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue), 0)
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) } }
    _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
    close(s)
    return UInt16(bigEndian: a.sin_port)
}

/// Runs one probe on a fresh reactor; returns its verdict and how long it took.
func run(_ probe: any Probe, timeout: Duration = .seconds(2)) throws -> (Verdict, Double) {
    let reactor = try Reactor()
    let runner = try ProbeRunner(reactor: reactor)
    var verdict: Verdict?
    let start = Date()
    runner.start(probe, timeout: timeout) { v in
        verdict = v
        reactor.stop()
    }
    if verdict == nil {
        // A generous bound so a broken probe cannot hang the suite.
        reactor.schedule(after: .seconds(30)) { reactor.stop() }
        try reactor.run()
    }
    guard let verdict else { throw TestFailure("probe never finished") }
    #expect(runner.active == 0)
    return (verdict, Date().timeIntervalSince(start))
}

let loopback = IPAddress("127.0.0.1")!

@Suite(.serialized) struct ProbesAgainstRealServers {
    @Test func tcpCheckPassesWhenAServerListens() throws {
        let peer = try Peer("silent")
        defer { peer.stop() }
        let (v, _) = try run(TCPProbe(endpoint: Endpoint(address: loopback, port: peer.port)))
        #expect(v == .pass(.connected))
    }

    @Test func tcpCheckFailsRefusedOnAClosedPort() throws {
        let (v, _) = try run(TCPProbe(endpoint: Endpoint(address: loopback, port: closedPort())))
        #expect(v == .fail(.refused))
    }

    @Test func aSlowServerHitsConnectTimeout() throws {
        let peer = try Peer("stall")
        defer { peer.stop() }
        let (v, elapsed) = try run(TCPProbe(endpoint: Endpoint(address: loopback, port: peer.port)), timeout: .milliseconds(700))
        #expect(v == .fail(.timeout))
        #expect(elapsed >= 0.6 && elapsed < 10)
    }

    @Test func tcpCheckBindsToTheConfiguredSource() throws {
        let peer = try Peer("silent")
        defer { peer.stop() }
        let (v, _) = try run(TCPProbe(endpoint: Endpoint(address: loopback, port: peer.port, bindto: IPAddress("127.0.0.2")!)))
        #expect(v == .pass(.connected))
        let (bad, _) = try run(TCPProbe(endpoint: Endpoint(address: loopback, port: peer.port, bindto: IPAddress("192.0.2.1")!)))
        #expect(bad.up == false)
        if case .socketError(let why) = bad.reason { #expect(why.contains("bind")) } else { Issue.record("\(bad)") }
    }

    @Test func smtpCheckPassesAgainstAiosmtpd() throws {
        let peer = try Peer("smtp")
        defer { peer.stop() }
        let (v, _) = try run(SMTPProbe(endpoint: Endpoint(address: loopback, port: peer.port), helo: "checkd.test"))
        #expect(v == .pass(.smtpOK))
    }

    @Test func smtpCheckFailsOnARejectingBanner() throws {
        let peer = try Peer("smtp-reject")
        defer { peer.stop() }
        let (v, _) = try run(SMTPProbe(endpoint: Endpoint(address: loopback, port: peer.port), helo: "checkd.test"))
        #expect(v == .fail(.smtpReply(expected: 220, got: "554 no service here")))
    }

    @Test func smtpCheckTimesOutOnASilentServer() throws {
        let peer = try Peer("silent")
        defer { peer.stop() }
        let (v, _) = try run(SMTPProbe(endpoint: Endpoint(address: loopback, port: peer.port), helo: "h"), timeout: .milliseconds(500))
        #expect(v == .fail(.timeout))
    }

    @Test func dnsCheckPassesOnAnAnswerAndFailsOnNXDOMAIN() throws {
        let peer = try Peer("dns")
        defer { peer.stop() }
        var r = SplitMix64(seed: 1)
        let e = Endpoint(address: loopback, port: peer.port)
        #expect(try run(DNSProbe(endpoint: e, type: .SOA, name: ".", random: &r)).0 == .pass(.dnsOK))
        #expect(try run(DNSProbe(endpoint: e, type: .A, name: "ok.test", random: &r)).0 == .pass(.dnsOK))
        #expect(try run(DNSProbe(endpoint: e, type: .A, name: "missing.test", random: &r)).0 == .fail(.dnsReply("RCODE 3")))
    }

    @Test func dnsCheckFailsWhenNothingAnswers() throws {
        var r = SplitMix64(seed: 2)
        let (v, _) = try run(DNSProbe(endpoint: Endpoint(address: loopback, port: closedPort(udp: true)), type: .SOA, name: ".", random: &r))
        #expect(v == .fail(.refused))
    }

    @Test func udpCheckWithRequireReplyAgainstAnEchoServer() throws {
        let peer = try Peer("udp-echo")
        defer { peer.stop() }
        var r = SplitMix64(seed: 3)
        let e = Endpoint(address: loopback, port: peer.port)
        let good = UDPProbeSpec(endpoint: e, payload: [0xAB, 0xCD, 0x01], requireReply: ReplyPattern(hex: "abXd"), minReplyLength: 2, maxReplyLength: 10)
        #expect(try run(UDPProbe(spec: good, random: &r)).0 == .pass(.replied))
        var wrong = good
        wrong.requireReply = ReplyPattern(hex: "ff")
        #expect(try run(UDPProbe(spec: wrong, random: &r)).0.up == false)
        var short = good
        short.minReplyLength = 5
        #expect(try run(UDPProbe(spec: short, random: &r)).0.up == false)
    }

    @Test func udpCheckWithoutRequireReplyPassesOnSilenceAndFailsOnICMPError() throws {
        let peer = try Peer("udp-swallow")
        defer { peer.stop() }
        var r = SplitMix64(seed: 4)
        let silent = UDPProbeSpec(endpoint: Endpoint(address: loopback, port: peer.port), payload: nil, requireReply: nil, minReplyLength: 0, maxReplyLength: 255)
        #expect(try run(UDPProbe(spec: silent, random: &r), timeout: .milliseconds(300)).0 == .pass(.noICMPError))
        var closed = silent
        closed.endpoint.port = closedPort(udp: true)
        #expect(try run(UDPProbe(spec: closed, random: &r), timeout: .seconds(2)).0 == .fail(.refused))
        var required = silent
        required.requireReply = ReplyPattern(nibbles: [])
        #expect(try run(UDPProbe(spec: required, random: &r), timeout: .milliseconds(300)).0 == .fail(.timeout))
    }
}

@Suite(.serialized) struct SMTPAlertsAgainstAiosmtpd {
    @Test func anAlertIsDeliveredWithSubjectAndBody() throws {
        let peer = try Peer("smtp")
        defer { peer.stop() }
        let message = SMTPAlertMessage(from: "checkd@test", to: ["ops@test", "oncall@test"],
                                       subject: "[lb1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN",
                                       body: "=> TCP_CHECK failed on service : connection refused <=\n.leading dot", helo: "lb1")
        let (v, _) = try run(SMTPAlertProbe(endpoint: Endpoint(address: loopback, port: peer.port), message: message))
        #expect(v == .pass(.smtpOK))
        #expect(waitUntil(timeout: 5) { peer.process.output.contains("END MESSAGE") })
        let out = peer.process.output
        #expect(out.contains("MESSAGE FROM checkd@test TO ops@test,oncall@test"))
        #expect(out.contains("Subject: [lb1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN"))
        #expect(out.contains("=> TCP_CHECK failed on service : connection refused <="))
        #expect(out.contains("\n.leading dot"))
    }
}

/// A probe that reads until the server closes (a stand-in for a slow HTTP body).
struct ReadToEndProbe: Probe {
    let endpoint: Endpoint
    var received = 0
    var transport: ProbeTransport { .stream(endpoint) }
    mutating func connected() -> ProbeOutput { .wait }
    mutating func received(_ bytes: [UInt8]) -> ProbeOutput { received += bytes.count; return .wait }
    mutating func peerClosed() -> Verdict { .pass(.replied) }
}

@Suite(.serialized) struct RunnerAtScale {
    @Test func manyAttemptsAtOnceEachEndOnceAndTheirSessionsAreReused() throws {
        let peer = try Peer("silent")
        defer { peer.stop() }
        let reactor = try Reactor()
        let runner = try ProbeRunner(reactor: reactor)
        var verdicts: [UInt64: [Verdict]] = [:]
        runner.onFinish = { tag, v, _ in
            verdicts[tag, default: []].append(v)
            if verdicts.count == 600 { reactor.stop() }
        }
        let open = Endpoint(address: loopback, port: peer.port), closed = Endpoint(address: loopback, port: closedPort())
        // Three rounds of 200: each round reuses the sessions of the last.
        for round in 0..<3 {
            for i in 0..<200 {
                let tag = UInt64(round * 200 + i)
                runner.start(TCPProbe(endpoint: i % 2 == 0 ? open : closed), timeout: .seconds(5), tag: tag)
            }
            // A generous bound so a lost attempt fails the test instead of hanging it.
            var gaveUp = false
            let bound = reactor.schedule(after: .seconds(30)) { gaveUp = true }
            while runner.active > 0 && !gaveUp { try reactor.runOnce(timeout: .seconds(1)) }
            reactor.cancel(bound)
            #expect(!gaveUp, "round \(round): \(runner.active) attempts never ended")
        }
        #expect(verdicts.count == 600)
        #expect(verdicts.values.allSatisfy { $0.count == 1 }, "each attempt ends exactly once")
        #expect(verdicts.filter { $0.key % 2 == 0 }.allSatisfy { $0.value == [.pass(.connected)] })
        #expect(verdicts.filter { $0.key % 2 == 1 }.allSatisfy { $0.value == [.fail(.refused)] })
        #expect(runner.active == 0)
        #expect(runner.pooled == 200, "rounds two and three ran in the sessions of round one")
    }

    @Test func progressMovesTheTimeoutAndSilenceEndsIt() throws {
        // The server sends a byte every 0.3 s for 3 s: with a 0.8 s timeout the
        // attempt lives on progress; against a silent server the same timeout ends it.
        let slow = try Peer("trickle"), silent = try Peer("silent")
        defer { slow.stop(); silent.stop() }
        let reactor = try Reactor()
        let runner = try ProbeRunner(reactor: reactor)
        var ended: [UInt64: (Verdict, Instant)] = [:]
        runner.onFinish = { tag, v, at in
            ended[tag] = (v, at)
            if ended.count == 3 { reactor.stop() }
        }
        let start = reactor.clock.now
        runner.start(ReadToEndProbe(endpoint: Endpoint(address: loopback, port: slow.port)), timeout: .milliseconds(800), tag: 1)
        runner.start(ReadToEndProbe(endpoint: Endpoint(address: loopback, port: silent.port)), timeout: .milliseconds(800), tag: 2)
        // A long timeout filed first, a short one after: the short one still ends on time.
        runner.start(ReadToEndProbe(endpoint: Endpoint(address: loopback, port: silent.port)), timeout: .seconds(20), tag: 3)
        runner.start(ReadToEndProbe(endpoint: Endpoint(address: loopback, port: silent.port)), timeout: .milliseconds(300), tag: 4)
        reactor.schedule(after: .seconds(30)) { reactor.stop() }
        try reactor.run()
        #expect(ended[1]?.0 == .pass(.replied), "progress kept it alive: \(String(describing: ended[1]))")
        #expect(ended[2]?.0 == .fail(.timeout))
        #expect(ended[4]?.0 == .fail(.timeout))
        #expect(ended[3] == nil, "the 20 s attempt is still waiting")
        if let (_, at) = ended[4] { #expect(at - start < .seconds(2), "the short timeout fired on time") }
        if let (_, at) = ended[1] { #expect(at - start > .seconds(2), "it ran past its 0.8 s timeout on progress") }
        #expect(runner.active == 1)
    }

    @Test func aCompletionMayStartTheNextAttemptInTheSameSession() throws {
        let peer = try Peer("silent")
        defer { peer.stop() }
        let reactor = try Reactor()
        let runner = try ProbeRunner(reactor: reactor)
        var order: [UInt64] = []
        runner.onFinish = { tag, v, _ in
            order.append(tag)
            #expect(v == .pass(.connected))
            if tag < 5 {
                runner.start(TCPProbe(endpoint: Endpoint(address: loopback, port: peer.port)), timeout: .seconds(5), tag: tag + 1)
            } else {
                reactor.stop()
            }
        }
        runner.start(TCPProbe(endpoint: Endpoint(address: loopback, port: peer.port)), timeout: .seconds(5), tag: 1)
        reactor.schedule(after: .seconds(30)) { reactor.stop() }
        try reactor.run()
        #expect(order == [1, 2, 3, 4, 5])
        #expect(runner.active == 0)
    }
}
