// SMTP_CHECK (reference §5.5): connect, expect a 220 banner, send
// `HELO <helo_name>`, expect 250, send QUIT. Replies may span several lines
// ("250-..." continuation lines end with a "250 ..." line, RFC 5321 §4.2.1).

/// Reads SMTP replies out of a byte stream: complete multi-line replies only.
public struct SMTPReplyReader: Sendable {
    private var buffer: [UInt8] = []
    /// Replies longer than this are refused (a misbehaving peer, not SMTP).
    public static let maxReply = 16 * 1024

    public init() {}

    public enum Result: Equatable, Sendable {
        case needMore
        /// The reply code and its last line's text.
        case reply(code: Int, text: String)
        case malformed(String)
    }

    public mutating func feed(_ bytes: [UInt8]) { buffer += bytes }

    /// The next complete reply in the buffer, consuming it.
    public mutating func next() -> Result {
        var start = 0
        var code: Int?
        while let nl = buffer[start...].firstIndex(of: 0x0A) {
            var line = buffer[start..<nl]
            if line.last == 0x0D { line = line.dropLast() }
            guard line.count >= 3, let c = Int(String(decoding: line.prefix(3), as: UTF8.self)), (100...599).contains(c) else {
                return .malformed(String(decoding: line.prefix(80), as: UTF8.self))
            }
            if let code, code != c { return .malformed("reply code changed from \(code) to \(c) within a reply") }
            code = c
            let sep = line.count > 3 ? line[line.startIndex + 3] : UInt8(ascii: " ")
            start = nl + 1
            if sep != UInt8(ascii: "-") {
                let text = String(decoding: line, as: UTF8.self)
                buffer.removeFirst(start)
                return .reply(code: c, text: text)
            }
        }
        if buffer.count > SMTPReplyReader.maxReply { return .malformed("reply longer than \(SMTPReplyReader.maxReply) bytes") }
        return .needMore
    }
}

public struct SMTPProbe: Probe {
    public let endpoint: Endpoint
    public let helo: String
    private enum Stage { case banner, helo, done }
    private var stage = Stage.banner
    private var reader = SMTPReplyReader()

    public init(endpoint: Endpoint, helo: String) {
        self.endpoint = endpoint
        self.helo = helo
    }

    public var transport: ProbeTransport { .stream(endpoint) }

    public mutating func connected() -> ProbeOutput { .wait }

    public mutating func received(_ bytes: [UInt8]) -> ProbeOutput {
        reader.feed(bytes)
        while true {
            switch reader.next() {
            case .needMore:
                return .wait
            case .malformed(let why):
                stage = .done
                return .done(.fail(.malformedResponse(why)))
            case .reply(let code, let text):
                switch stage {
                case .banner:
                    guard code == 220 else { stage = .done; return .done(.fail(.smtpReply(expected: 220, got: text))) }
                    stage = .helo
                    return ProbeOutput(send: Array("HELO \(helo)\r\n".utf8))
                case .helo:
                    stage = .done
                    guard code == 250 else { return .done(.fail(.smtpReply(expected: 250, got: text))) }
                    return .done(.pass(.smtpOK), send: Array("QUIT\r\n".utf8))
                case .done:
                    return .wait
                }
            }
        }
    }

    public mutating func peerClosed() -> Verdict {
        .fail(.smtpReply(expected: stage == .banner ? 220 : 250, got: "connection closed"))
    }
}
