// UDP_CHECK: send a payload (random bytes when none is configured); without
// require_reply the server is up unless an ICMP error comes back before the
// timeout; with it, a reply must arrive, its length within
// min_reply_length...max_reply_length, and its start must match the pattern
// (hex nibbles, `X` matches any nibble).

/// A `require_reply` pattern: one entry per nibble, nil = wildcard.
public struct ReplyPattern: Hashable, Sendable, CustomStringConvertible {
    public var nibbles: [UInt8?]

    public init(nibbles: [UInt8?]) { self.nibbles = nibbles }

    /// Parses "0a1bXX" (case-insensitive; X/x is a wildcard nibble). An odd
    /// number of nibbles leaves the last byte's low nibble unchecked.
    public init?(hex: String) {
        var out: [UInt8?] = []
        for u in hex.utf8 {
            switch u {
            case 0x30...0x39: out.append(u - 0x30)
            case 0x61...0x66: out.append(u - 0x61 + 10)
            case 0x41...0x46: out.append(u - 0x41 + 10)
            case UInt8(ascii: "x"), UInt8(ascii: "X"): out.append(nil)
            default: return nil
            }
        }
        nibbles = out
    }

    /// Bytes the pattern covers.
    public var byteCount: Int { (nibbles.count + 1) / 2 }

    /// Whether `reply` starts with bytes matching the pattern.
    public func matches(_ reply: some Collection<UInt8>) -> Bool {
        let bytes = Array(reply.prefix(byteCount))
        guard bytes.count == byteCount else { return false }
        for (i, n) in nibbles.enumerated() {
            guard let n else { continue }
            let b = bytes[i / 2]
            let have = i % 2 == 0 ? b >> 4 : b & 0x0F
            if have != n { return false }
        }
        return true
    }

    public var description: String {
        String(nibbles.map { n -> Character in
            guard let n else { return "X" }
            return Character(Unicode.Scalar(n < 10 ? 0x30 + n : 0x61 + n - 10))
        })
    }
}

/// One UDP_CHECK attempt.
public struct UDPProbe: Probe {
    public let spec: UDPProbeSpec
    public let payload: [UInt8]

    /// `random` supplies the payload when none is configured.
    public init(spec: UDPProbeSpec, random: inout some RandomSource) {
        self.spec = spec
        if let p = spec.payload, !p.isEmpty {
            payload = p
        } else {
            // keepalived sends random data when no payload is configured.
            payload = (0..<16).map { _ in UInt8(truncatingIfNeeded: random.next(upTo: 255)) }
        }
    }

    public var transport: ProbeTransport { .datagram(spec.endpoint) }

    public mutating func connected() -> ProbeOutput { ProbeOutput(send: payload) }

    public mutating func received(_ bytes: [UInt8]) -> ProbeOutput {
        guard let pattern = spec.requireReply else { return .done(.pass(.replied)) }
        let n = bytes.count
        if n < spec.minReplyLength || n > spec.maxReplyLength {
            return .done(.fail(.replyMismatch("reply of \(n) bytes outside \(spec.minReplyLength)...\(spec.maxReplyLength)")))
        }
        if !pattern.matches(bytes) {
            return .done(.fail(.replyMismatch("reply does not match \(pattern)")))
        }
        return .done(.pass(.replied))
    }

    public mutating func peerClosed() -> Verdict { .fail(.peerClosed) }

    /// No answer in time: fine unless a reply is required (no ICMP error came back).
    public mutating func timedOut() -> Verdict {
        spec.requireReply == nil ? .pass(.noICMPError) : .fail(.timeout)
    }
}
