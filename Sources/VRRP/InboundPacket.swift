// A packet as the socket layer hands it over, and its structural parse: the
// part done before the instance is known (find the VRID, the AH header and
// where the VRRP message starts). Everything here is bounds-checked: any byte
// string is either parsed or dropped with a reason, never a trap.
import ConfigModel

/// What a raw socket returned.
public struct InboundPacket: Sendable {
    public var family: AddressFamily
    /// IPv4: from the IP header on (raw IPv4 sockets include it).
    /// IPv6: the VRRP message (the kernel strips the IPv6 header).
    /// Indexed from 0: the receiver hands a slice of its own buffer, not a copy.
    public var bytes: ArraySlice<UInt8>
    /// IPv6 only: from recvmsg's address and IPV6_PKTINFO / IPV6_HOPLIMIT.
    public var source: IPAddress?
    public var destination: IPAddress?
    public var hopLimit: UInt8?

    public init(family: AddressFamily, bytes: [UInt8], source: IPAddress? = nil,
                destination: IPAddress? = nil, hopLimit: UInt8? = nil) {
        self.init(family: family, received: bytes[...], source: source, destination: destination, hopLimit: hopLimit)
    }

    /// `received` is used as it is when it starts at index 0 (a prefix of the
    /// receiver's buffer), else copied.
    public init(family: AddressFamily, received: ArraySlice<UInt8>, source: IPAddress? = nil,
                destination: IPAddress? = nil, hopLimit: UInt8? = nil) {
        self.family = family
        self.bytes = received.startIndex == 0 ? received : Array(received)[...]
        self.source = source
        self.destination = destination
        self.hopLimit = hopLimit
    }
}

/// An inbound packet whose headers were found; the message itself is not yet validated.
public struct ParsedPacket: Sendable {
    public let family: AddressFamily
    /// Indexed from 0 (see InboundPacket).
    public let bytes: ArraySlice<UInt8>
    public let source: IPAddress
    public let destination: IPAddress
    /// TTL (IPv4 header) or hop limit (IPv6 cmsg) as received.
    public let ttl: UInt8
    public let ipHeader: IPv4Header?
    public let ah: AuthenticationHeader?
    /// Where the VRRP message starts in `bytes`.
    public let messageOffset: Int

    public var versionNibble: UInt8 { bytes[messageOffset] >> 4 }
    public var type: UInt8 { bytes[messageOffset] & 0x0F }
    public var vrid: UInt8 { bytes[messageOffset + 1] }
    public var priority: UInt8 { bytes[messageOffset + 2] }
    public var addressCount: Int { Int(bytes[messageOffset + 3]) }
    public var messageLength: Int { bytes.count - messageOffset }
    public var message: ArraySlice<UInt8> { bytes[messageOffset...] }

    /// What `parse` found. Not the standard library's Result: destroying a
    /// Result of these went through its generic value witnesses and a type
    /// metadata lookup for every packet received.
    public enum Outcome {
        case success(ParsedPacket)
        case failure(DropReason)

        public func get() throws(DropReason) -> ParsedPacket {
            switch self {
            case .success(let p): return p
            case .failure(let r): throw r
            }
        }
    }

    public static func parse(_ p: InboundPacket) -> Outcome {
        switch p.family {
        case .inet6:
            guard let s = p.source, let d = p.destination, let hl = p.hopLimit else { return .failure(.missingMetadata) }
            guard p.bytes.count >= VRRPWire.headerLength else { return .failure(.truncated) }
            return .success(ParsedPacket(family: .inet6, bytes: p.bytes, source: s, destination: d, ttl: hl,
                                         ipHeader: nil, ah: nil, messageOffset: 0))
        case .inet:
            guard p.bytes.count >= IPv4Header.length else { return .failure(.truncated) }
            guard let ip = IPv4Header.parse(p.bytes) else { return .failure(.malformedIPHeader) }
            var offset = ip.headerLength
            var ah: AuthenticationHeader?
            switch ip.protocolNumber {
            case VRRPWire.protocolVRRP:
                break
            case VRRPWire.protocolAH:
                guard let h = AuthenticationHeader.parse(p.bytes, at: offset) else { return .failure(.truncated) }
                guard h.nextHeader == VRRPWire.protocolVRRP else { return .failure(.ahNextHeaderNotVRRP) }
                ah = h
                offset += AuthenticationHeader.length
            default:
                return .failure(.notVRRP)
            }
            guard p.bytes.count - offset >= VRRPWire.headerLength else { return .failure(.truncated) }
            return .success(ParsedPacket(family: .inet, bytes: p.bytes, source: .v4(ip.source),
                                         destination: .v4(ip.destination), ttl: ip.ttl, ipHeader: ip, ah: ah,
                                         messageOffset: offset))
        }
    }

    /// The message decoded; nil when its length does not match its count.
    public func advertisement() -> Advertisement? {
        try? Advertisement.decode(message, family: family)
    }
}
