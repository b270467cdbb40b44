// VRRPv2 "IPsec AH" authentication as keepalived implements it (reference
// §4.2, from the old draft-ietf-vrrp-ipsecah-spec): a 24-byte AH header
// between the IPv4 header and the VRRP message, SPI = sender address, a
// 32-bit sequence number, and a 96-bit HMAC-MD5 ICV.
import ConfigModel

public struct AuthenticationHeader: Hashable, Sendable {
    public static let length = 24
    public static let icvLength = 12
    /// AH payload length in 32-bit words minus 2: (24 / 4) - 2.
    public static let payloadLengthField: UInt8 = 4

    public var nextHeader: UInt8 = VRRPWire.protocolVRRP
    public var payloadLength: UInt8 = AuthenticationHeader.payloadLengthField
    public var reserved: UInt16 = 0
    public var spi: UInt32
    public var sequence: UInt32
    public var icv: [UInt8]

    public init(spi: UInt32, sequence: UInt32, icv: [UInt8] = [UInt8](repeating: 0, count: AuthenticationHeader.icvLength)) {
        self.spi = spi
        self.sequence = sequence
        self.icv = icv
    }

    public func encode(into out: inout [UInt8], zeroICV: Bool = false) {
        out.append(nextHeader)
        out.append(payloadLength)
        out.append(UInt8(reserved >> 8)); out.append(UInt8(truncatingIfNeeded: reserved))
        for s in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: spi >> UInt32(s))) }
        for s in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: sequence >> UInt32(s))) }
        if zeroICV {
            out += [UInt8](repeating: 0, count: AuthenticationHeader.icvLength)
        } else {
            var v = Array(icv.prefix(AuthenticationHeader.icvLength))
            v += [UInt8](repeating: 0, count: AuthenticationHeader.icvLength - v.count)
            out += v
        }
    }

    public static func parse(_ bytes: [UInt8], at offset: Int) -> AuthenticationHeader? {
        guard offset >= 0, bytes.count - offset >= length else { return nil }
        func u32(_ i: Int) -> UInt32 {
            UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
        }
        var ah = AuthenticationHeader(spi: u32(offset + 4), sequence: u32(offset + 8),
                                      icv: Array(bytes[(offset + 12)..<(offset + 24)]))
        ah.nextHeader = bytes[offset]
        ah.payloadLength = bytes[offset + 1]
        ah.reserved = UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3])
        return ah
    }

    /// The 96-bit ICV keepalived computes: HMAC-MD5 keyed with the zero-padded
    /// password, over the IPv4 header as sent with TOS, fragment field and
    /// header checksum zeroed (ID kept; TTL kept in multicast, zeroed in
    /// unicast), then this AH header with a zero ICV, then the VRRP message.
    public static func icv(key: [UInt8], ipHeader: IPv4Header, ah: AuthenticationHeader,
                           message: ArraySlice<UInt8>, zeroTTL: Bool) -> [UInt8] {
        var h = ipHeader
        h.tos = 0
        h.fragmentField = 0
        h.checksum = 0
        if zeroTTL { h.ttl = 0 }
        var input: [UInt8] = []
        input.reserveCapacity(IPv4Header.length + length + message.count)
        h.encode(into: &input)
        ah.encode(into: &input, zeroICV: true)
        input += message
        return Array(HMACMD5.authenticate(input, key: key).prefix(icvLength))
    }

    /// Constant-time comparison, so a forger learns nothing from timing.
    public static func equalInConstantTime(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}
