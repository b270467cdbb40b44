// smtp_alert: one mail per event to the global smtp_server, as keepalived
// sends it (HELO, MAIL FROM, RCPT TO per notification_email, DATA, QUIT).
// A probe like the checkers' (bytes in, bytes out), so the same runner
// drives it and it is tested against a real SMTP server.

public struct SMTPAlertMessage: Hashable, Sendable {
    public var from: String
    public var to: [String]
    public var subject: String
    public var body: String
    public var helo: String

    public init(from: String, to: [String], subject: String, body: String, helo: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.helo = helo
    }

    /// The DATA section: headers, body, dot-stuffed (RFC 5321 §4.5.2), and the final dot.
    public var data: [UInt8] {
        var text = "From: \(from)\r\nSubject: \(subject)\r\nX-Mailer: Keepalived\r\n"
        text += "To: \(to.joined(separator: ", "))\r\n\r\n"
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            var l = String(line)
            if l.hasSuffix("\r") { l.removeLast() }
            text += (l.hasPrefix(".") ? "." : "") + l + "\r\n"
        }
        text += ".\r\n"
        return Array(text.utf8)
    }
}

public struct SMTPAlertProbe: Probe {
    public let endpoint: Endpoint
    public let message: SMTPAlertMessage
    private enum Stage: Equatable { case banner, helo, mailFrom, rcpt(Int), data, body, quit }
    private var stage = Stage.banner
    private var reader = SMTPReplyReader()

    public init(endpoint: Endpoint, message: SMTPAlertMessage) {
        self.endpoint = endpoint
        self.message = message
    }

    public var transport: ProbeTransport { .stream(endpoint) }
    public mutating func connected() -> ProbeOutput { .wait }

    public mutating func received(_ bytes: [UInt8]) -> ProbeOutput {
        reader.feed(bytes)
        while true {
            switch reader.next() {
            case .needMore: return .wait
            case .malformed(let why): return .done(.fail(.malformedResponse(why)))
            case .reply(let code, let text):
                func expect(_ want: Int, then next: Stage, send: String) -> ProbeOutput {
                    guard code == want else { return .done(.fail(.smtpReply(expected: want, got: text))) }
                    stage = next
                    return ProbeOutput(send: Array(send.utf8))
                }
                switch stage {
                case .banner: return expect(220, then: .helo, send: "HELO \(message.helo)\r\n")
                case .helo: return expect(250, then: .mailFrom, send: "MAIL FROM:<\(message.from)>\r\n")
                case .mailFrom:
                    guard !message.to.isEmpty else { return .done(.fail(.smtpReply(expected: 250, got: "no recipients"))) }
                    return expect(250, then: .rcpt(0), send: "RCPT TO:<\(message.to[0])>\r\n")
                case .rcpt(let i):
                    if i + 1 < message.to.count { return expect(250, then: .rcpt(i + 1), send: "RCPT TO:<\(message.to[i + 1])>\r\n") }
                    return expect(250, then: .data, send: "DATA\r\n")
                case .data:
                    guard code == 354 else { return .done(.fail(.smtpReply(expected: 354, got: text))) }
                    stage = .body
                    return ProbeOutput(send: message.data)
                case .body:
                    guard code == 250 else { return .done(.fail(.smtpReply(expected: 250, got: text))) }
                    stage = .quit
                    return .done(.pass(.smtpOK), send: Array("QUIT\r\n".utf8))
                case .quit:
                    return .wait
                }
            }
        }
    }

    public mutating func peerClosed() -> Verdict { .fail(.peerClosed) }
}
