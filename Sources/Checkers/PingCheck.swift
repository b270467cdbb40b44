// PING_CHECK: one ICMP / ICMPv6 echo over an unprivileged datagram socket
// (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)). The kernel sets the identifier
// and the checksum and hands back only replies to this socket, without the IP
// header; the group must be in net.ipv4.ping_group_range (one sysctl covers
// both families).

public enum ICMPEcho {
    /// RFC 792 echo request 8 / reply 0; RFC 4443 echo request 128 / reply 129.
    public static func request(ipv6: Bool, sequence: UInt16, payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [ipv6 ? 128 : 8, 0, 0, 0, 0, 0, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        out += payload
        if !ipv6 {
            // The kernel fills it in for ping sockets; set it anyway so the
            // bytes are a valid message on their own.
            let c = checksum(out)
            out[2] = UInt8(c >> 8)
            out[3] = UInt8(c & 0xFF)
        }
        return out
    }

    /// RFC 1071 internet checksum.
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    public enum Reply: Equatable, Sendable {
        case echoReply(sequence: UInt16)
        case other(type: UInt8, code: UInt8)
        case malformed
    }

    public static func parse(_ b: [UInt8], ipv6: Bool) -> Reply {
        guard b.count >= 8 else { return .malformed }
        if b[0] == (ipv6 ? 129 : 0) && b[1] == 0 { return .echoReply(sequence: UInt16(b[6]) << 8 | UInt16(b[7])) }
        return .other(type: b[0], code: b[1])
    }
}

public struct PingProbe: Probe {
    public let endpoint: Endpoint
    public let sequence: UInt16
    private let payload: [UInt8]
    private var ipv6: Bool {
        if case .v6 = endpoint.address { return true }
        return false
    }

    public init(endpoint: Endpoint, sequence: UInt16) {
        self.endpoint = endpoint
        self.sequence = sequence
        payload = Array("keepalived-swift checkd".utf8)
    }

    public var transport: ProbeTransport { .icmpEcho(endpoint) }

    public mutating func connected() -> ProbeOutput {
        ProbeOutput(send: ICMPEcho.request(ipv6: ipv6, sequence: sequence, payload: payload))
    }

    public mutating func received(_ bytes: [UInt8]) -> ProbeOutput {
        switch ICMPEcho.parse(bytes, ipv6: ipv6) {
        case .echoReply(let seq) where seq == sequence:
            return .done(.pass(.echoReply))
        case .echoReply:
            return .wait  // a late reply to an earlier attempt
        case .other(let t, let c):
            return .done(.fail(.replyMismatch("ICMP type \(t) code \(c)")))
        case .malformed:
            return .wait
        }
    }

    public mutating func peerClosed() -> Verdict { .fail(.peerClosed) }
}
