// DNS_CHECK (reference §5.5): one UDP query (RD set) for `name` of `type`;
// the reply must carry the query's ID, have QR set and RCODE 0 (RFC 1035 §4.1).
// Datagrams with another ID are skipped, and the wait goes on until
// connect_timeout, as a resolver does.

import ConfigModel

public enum DNSMessage {
    /// RFC 1035 §3.2.2 and RFC 3596 (AAAA).
    public static func typeCode(_ t: DNSCheck.QueryType) -> UInt16 {
        switch t {
        case .A: return 1
        case .NS: return 2
        case .CNAME: return 5
        case .SOA: return 6
        case .MX: return 15
        case .TXT: return 16
        case .AAAA: return 28
        }
    }

    public enum EncodeError: Error, Equatable, CustomStringConvertible {
        case labelTooLong(String)
        case nameTooLong
        case emptyLabel
        public var description: String {
            switch self {
            case .labelTooLong(let l): return "DNS label '\(l)' longer than 63 bytes"
            case .nameTooLong: return "DNS name longer than 255 bytes"
            case .emptyLabel: return "DNS name has an empty label"
            }
        }
    }

    /// The wire form of a domain name: "." is the root (a single zero byte);
    /// a trailing dot is optional.
    public static func encodeName(_ name: String) throws(EncodeError) -> [UInt8] {
        var out: [UInt8] = []
        var text = Substring(name)
        if text.hasSuffix(".") { text = text.dropLast() }
        if !text.isEmpty {
            for label in text.split(separator: ".", omittingEmptySubsequences: false) {
                let bytes = Array(label.utf8)
                guard !bytes.isEmpty else { throw .emptyLabel }
                guard bytes.count <= 63 else { throw .labelTooLong(String(label)) }
                out.append(UInt8(bytes.count))
                out += bytes
            }
        }
        out.append(0)
        guard out.count <= 255 else { throw .nameTooLong }
        return out
    }

    /// A standard query with RD set, one question of class IN.
    public static func query(id: UInt16, name: String, type: DNSCheck.QueryType) throws(EncodeError) -> [UInt8] {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF),
                            0x01, 0x00,  // QR=0, opcode QUERY, RD=1
                            0x00, 0x01,  // QDCOUNT
                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        out += try encodeName(name)
        let t = typeCode(type)
        out += [UInt8(t >> 8), UInt8(t & 0xFF), 0x00, 0x01]
        return out
    }

    /// Whether a datagram is the answer to query `id`: at least a header,
    /// carrying that ID. Anything else is not ours (a late answer to an
    /// earlier query, a stray or forged datagram) and is skipped, as a
    /// resolver skips it (RFC 5452 §9.1), while the wait goes on.
    public static func isReply(_ r: [UInt8], to id: UInt16) -> Bool {
        r.count >= 12 && (UInt16(r[0]) << 8 | UInt16(r[1])) == id
    }

    /// Checks our reply: nil when acceptable, else why not.
    public static func problem(inReply r: [UInt8], id: UInt16) -> String? {
        guard r.count >= 12 else { return "reply of \(r.count) bytes, shorter than a DNS header" }
        let rid = UInt16(r[0]) << 8 | UInt16(r[1])
        guard rid == id else { return "reply ID \(rid) does not match query ID \(id)" }
        guard r[2] & 0x80 != 0 else { return "QR bit not set" }
        let rcode = r[3] & 0x0F
        guard rcode == 0 else { return "RCODE \(rcode)" }
        return nil
    }
}

public struct DNSProbe: Probe {
    public let endpoint: Endpoint
    public let id: UInt16
    private let query: [UInt8]?
    private let encodeError: String?

    public init(endpoint: Endpoint, type: DNSCheck.QueryType, name: String, random: inout some RandomSource) {
        self.endpoint = endpoint
        id = UInt16(truncatingIfNeeded: random.next(upTo: 0xFFFF))
        do {
            query = try DNSMessage.query(id: id, name: name, type: type)
            encodeError = nil
        } catch {
            query = nil
            encodeError = error.description
        }
    }

    public var transport: ProbeTransport { .datagram(endpoint) }

    public mutating func connected() -> ProbeOutput {
        guard let query else { return .done(.fail(.dnsReply(encodeError ?? "bad query"))) }
        return ProbeOutput(send: query)
    }

    /// Datagrams that were not the reply to this query, skipped.
    public private(set) var ignored = 0

    public mutating func received(_ bytes: [UInt8]) -> ProbeOutput {
        // Not ours: keep waiting for the right one until connect_timeout.
        guard DNSMessage.isReply(bytes, to: id) else {
            ignored += 1
            return .wait
        }
        if let p = DNSMessage.problem(inReply: bytes, id: id) { return .done(.fail(.dnsReply(p))) }
        return .done(.pass(.dnsOK))
    }

    public mutating func timedOut() -> Verdict {
        ignored > 0 ? .fail(.dnsReply("no reply with query ID \(id) (\(ignored) other datagram\(ignored == 1 ? "" : "s") ignored)"))
                    : .fail(.timeout)
    }

    public mutating func peerClosed() -> Verdict { .fail(.peerClosed) }
}
