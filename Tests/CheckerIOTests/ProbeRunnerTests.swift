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
    let runner = ProbeRunner(reactor: reactor)
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
