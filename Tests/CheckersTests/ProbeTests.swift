import Testing
import Checkers
import ConfigModel

private let ep = Endpoint(address: IPAddress("127.0.0.1")!, port: 25)

@Suite struct SMTPProbeBehaviour {
    @Test func passesOnBannerThenHeloReplyAndSendsQuit() {
        var p = SMTPProbe(endpoint: ep, helo: "checker.example")
        #expect(p.connected() == .wait)
        let helo = p.received(Array("220 mail.example ESMTP\r\n".utf8))
        #expect(helo.send == Array("HELO checker.example\r\n".utf8))
        #expect(helo.verdict == nil)
        let done = p.received(Array("250 mail.example\r\n".utf8))
        #expect(done.verdict == .pass(.smtpOK))
        #expect(done.send == Array("QUIT\r\n".utf8))
    }

    @Test func handlesMultiLineRepliesSplitAcrossSegments() {
        var p = SMTPProbe(endpoint: ep, helo: "h")
        #expect(p.received(Array("220-first\r\n220-sec".utf8)) == .wait)
        #expect(p.received(Array("ond\r\n220 last\r\n".utf8)).send == Array("HELO h\r\n".utf8))
    }

    @Test func failsOnAnUnexpectedCode() {
        var p = SMTPProbe(endpoint: ep, helo: "h")
        #expect(p.received(Array("554 go away\r\n".utf8)).verdict == .fail(.smtpReply(expected: 220, got: "554 go away")))
        var q = SMTPProbe(endpoint: ep, helo: "h")
        _ = q.received(Array("220 hi\r\n".utf8))
        #expect(q.received(Array("501 bad\r\n".utf8)).verdict?.up == false)
    }

    @Test func failsOnGarbage() {
        var p = SMTPProbe(endpoint: ep, helo: "h")
        #expect(p.received(Array("HTTP/1.0 200 OK\r\n".utf8)).verdict?.up == false)
    }
}

@Suite struct DNSProbeBehaviour {
    @Test func queryBytesFollowRFC1035() throws {
        let q = try DNSMessage.query(id: 0x1234, name: "example.com", type: .A)
        #expect(q == [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                      7] + Array("example".utf8) + [3] + Array("com".utf8) + [0, 0, 1, 0, 1])
        let root = try DNSMessage.query(id: 1, name: ".", type: .SOA)
        #expect(Array(root.suffix(5)) == [0, 0, 6, 0, 1])
    }

    @Test func rejectsBadNames() {
        #expect(throws: DNSMessage.EncodeError.emptyLabel) { try DNSMessage.encodeName("a..b") }
        #expect(throws: DNSMessage.EncodeError.labelTooLong(String(repeating: "x", count: 64))) {
            try DNSMessage.encodeName(String(repeating: "x", count: 64) + ".com")
        }
    }

    @Test func replyChecks() {
        let rows: [([UInt8], String?)] = [
            ([0x12, 0x34, 0x81, 0x80] + [UInt8](repeating: 0, count: 8), nil),
            ([0x12, 0x35, 0x81, 0x80] + [UInt8](repeating: 0, count: 8), "reply ID 4661 does not match query ID 4660"),
            ([0x12, 0x34, 0x01, 0x80] + [UInt8](repeating: 0, count: 8), "QR bit not set"),
            ([0x12, 0x34, 0x81, 0x83] + [UInt8](repeating: 0, count: 8), "RCODE 3"),
            ([0x12, 0x34, 0x81], "reply of 3 bytes, shorter than a DNS header"),
        ]
        for (reply, want) in rows { #expect(DNSMessage.problem(inReply: reply, id: 0x1234) == want) }
    }

    @Test func probeUsesARandomIDAndChecksTheReply() {
        var r = FixedRandom([0xBEEF])
        var p = DNSProbe(endpoint: ep, type: .SOA, name: ".", random: &r)
        let q = p.connected().send
        #expect(Array(q.prefix(2)) == [0xBE, 0xEF])
        var reply = q
        reply[2] |= 0x80
        #expect(p.received(reply).verdict == .pass(.dnsOK))
    }

    @Test func aReplyWithAnotherIDIsSkippedAndTheWaitGoesOn() {
        var r = FixedRandom([0x1234])
        var p = DNSProbe(endpoint: ep, type: .A, name: "ok.test", random: &r)
        var reply = p.connected().send
        reply[2] |= 0x80
        var stale = reply
        stale[1] ^= 0x01  // ID 0x1235: an answer to some other query
        #expect(p.received(stale) == .wait)
        #expect(p.received([0x12]) == .wait, "shorter than a header: not a reply either")
        #expect(p.received(reply).verdict == .pass(.dnsOK), "the right reply still counts")
        var q = DNSProbe(endpoint: ep, type: .A, name: "ok.test", random: &r)
        _ = q.connected()
        #expect(q.received(stale) == .wait)
        // Only stale datagrams until connect_timeout: down, saying so.
        let v = q.timedOut()
        #expect(!v.up)
        #expect(v.reason.description.contains("1 other datagram ignored"), "\(v.reason)")
        #expect(!DNSMessage.isReply(stale, to: 0x1234) && DNSMessage.isReply(reply, to: 0x1234))
    }
}

@Suite struct UDPProbeBehaviour {
    @Test func patternMatchesWithNibbleWildcards() {
        let p = ReplyPattern(hex: "0a1X")!
        #expect(p.matches([0x0A, 0x1F, 0xFF]))
        #expect(p.matches([0x0A, 0x10]))
        #expect(!p.matches([0x0A, 0x2F]))
        #expect(!p.matches([0x0A]))
        #expect(ReplyPattern(hex: "zz") == nil)
        #expect(ReplyPattern(hex: "abc")!.matches([0xAB, 0xCF]))
    }

    @Test func withoutRequireReplySilenceIsSuccessAndICMPErrorsFail() {
        var r = FixedRandom([7])
        var p = UDPProbe(spec: UDPProbeSpec(endpoint: ep, payload: nil, requireReply: nil, minReplyLength: 0, maxReplyLength: 255), random: &r)
        #expect(p.connected().send.count == 16)
        #expect(p.timedOut() == .pass(.noICMPError))
        #expect(p.failed(.refused) == .fail(.refused))
    }

    @Test func requireReplyChecksLengthAndContent() {
        var r = FixedRandom([0])
        let spec = UDPProbeSpec(endpoint: ep, payload: [1, 2], requireReply: ReplyPattern(hex: "01"), minReplyLength: 2, maxReplyLength: 4)
        var p = UDPProbe(spec: spec, random: &r)
        #expect(p.connected().send == [1, 2])
        #expect(p.timedOut() == .fail(.timeout))
        var a = p
        #expect(a.received([1, 2]).verdict == .pass(.replied))
        var b = p
        #expect(b.received([1]).verdict?.up == false)
        var c = p
        #expect(c.received([1, 2, 3, 4, 5]).verdict?.up == false)
        var d = p
        #expect(d.received([2, 2]).verdict?.up == false)
    }
}

@Suite struct PingProbeBehaviour {
    @Test func echoRequestIsValidAndRepliesMatchBySequence() {
        let req = ICMPEcho.request(ipv6: false, sequence: 0x0102, payload: [1, 2, 3])
        #expect(req[0] == 8)
        #expect(ICMPEcho.checksum(req) == 0)
        var p = PingProbe(endpoint: Endpoint(address: IPAddress("127.0.0.1")!, port: 0), sequence: 5)
        _ = p.connected()
        #expect(p.received([0, 0, 0, 0, 0, 0, 0, 4]) == .wait)
        #expect(p.received([0, 0, 0, 0, 0, 0, 0, 5]).verdict == .pass(.echoReply))
        var q = PingProbe(endpoint: Endpoint(address: IPAddress("::1")!, port: 0), sequence: 5)
        #expect(q.connected().send.first == 128)
        #expect(q.received([129, 0, 0, 0, 0, 0, 0, 5]).verdict == .pass(.echoReply))
        #expect(q.received([1, 4, 0, 0, 0, 0, 0, 5]).verdict?.up == false)
    }
}

@Suite struct MiscCheckResults {
    @Test func exitStatusesMapAsKeepalivedDoes() {
        let rows: [(ScriptEnd, Bool, Verdict)] = [
            (.exited(0), false, .pass(.exited(0))),
            (.exited(1), false, .fail(.exited(1))),
            (.exited(5), false, .fail(.exited(5))),
            (.exited(5), true, Verdict(up: true, reason: .exited(5), dynamicWeight: 3)),
            (.exited(2), true, Verdict(up: true, reason: .exited(2), dynamicWeight: 0)),
            (.exited(1), true, .fail(.exited(1))),
            (.signaled(9), false, .fail(.killedBySignal(9))),
            (.timedOut, true, .fail(.scriptTimedOut)),
        ]
        for (end, dyn, want) in rows { #expect(MiscCheckResult.verdict(end, dynamic: dyn) == want, "\(end) \(dyn)") }
    }
}
