// How messages name virtual and real servers: by value, as in the config,
// so the receiver checks them against its own compiled allowlist. The wire
// does not depend on ConfigModel; the daemons map these to and from it.

/// An IPv4 or IPv6 address as its 4 or 16 network-order bytes.
public struct WireAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public var isIPv6: Bool { bytes.count == 16 }

    public init(from decoder: any Decoder) throws {
        let b = try decoder.singleValueContainer().decode([UInt8].self)
        guard b.count == 4 || b.count == 16 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "address of \(b.count) bytes, expected 4 or 16"))
        }
        bytes = b
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(bytes)
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map { String($0) }.joined(separator: ".") }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) {
            groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16))
        }
        return groups.joined(separator: ":")
    }
}

public enum TransportProtocol: String, Hashable, Sendable, Codable {
    case tcp = "TCP", udp = "UDP", sctp = "SCTP"
}

/// A virtual server as the config names it.
public enum VirtualServerKey: Hashable, Sendable, Codable, CustomStringConvertible {
    case endpoint(address: WireAddress, port: UInt16, protocol: TransportProtocol)
    case fwmark(UInt32, ipv6: Bool)
    case group(String)

    public var description: String {
        switch self {
        case .endpoint(let a, let p, let proto): return a.isIPv6 ? "[\(a)]:\(p)/\(proto.rawValue)" : "\(a):\(p)/\(proto.rawValue)"
        case .fwmark(let m, let v6): return "FWM \(m)\(v6 ? " (IPv6)" : "")"
        case .group(let g): return "group \(g)"
        }
    }
}

/// A real server within its virtual server.
public struct RealServerKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var address: WireAddress
    public var port: UInt16
    public init(address: WireAddress, port: UInt16) {
        self.address = address
        self.port = port
    }
    public var description: String { address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)" }
}
