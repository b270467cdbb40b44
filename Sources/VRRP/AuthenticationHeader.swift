// VRRPv2 "IPsec AH" authentication as keepalived implements it (reference
// §4.2, from the old draft-ietf-vrrp-ipsecah-spec): a 24-byte AH header
// between the IPv4 header and the VRRP message, SPI = sender address, a
// 32-bit sequence number, and a 96-bit HMAC-MD5 ICV. Parsing, encoding and
// the ICV allocate nothing: every AH advert sent or received goes through them.
import ConfigModel

/// The 96-bit integrity check value, held inline.
public struct ICV: Hashable, Sendable, CustomStringConvertible {
    var high: UInt64
    var low: UInt32

    public static let zero = ICV(high: 0, low: 0)

    init(high: UInt64, low: UInt32) {
        self.high = high
        self.low = low
    }

    /// From 12 bytes (shorter: zero-padded; longer: the first 12).
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        var h: UInt64 = 0, l: UInt32 = 0
        var i = 0
        for b in bytes.prefix(AuthenticationHeader.icvLength) {
            if i < 8 { h |= UInt64(b) << UInt64(56 - 8 * i) } else { l |= UInt32(b) << UInt32(24 - 8 * (i - 8)) }
            i += 1
        }
        high = h
        low = l
    }

    /// The first 96 bits of a digest.
    init(_ d: MD5Digest) {
        self.init((0..<AuthenticationHeader.icvLength).lazy.map { d[$0] })
    }

    public subscript(i: Int) -> UInt8 {
        i < 8 ? UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * i)) : UInt8(truncatingIfNeeded: low >> UInt32(24 - 8 * (i - 8)))
    }

    public var bytes: [UInt8] { (0..<AuthenticationHeader.icvLength).map { self[$0] } }

    public var description: String { bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }

    /// Constant-time comparison, so a forger learns nothing from timing.
    public func equalInConstantTime(_ other: ICV) -> Bool {
        ((high ^ other.high) | UInt64(low ^ other.low)) == 0
    }
}

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
    public var icv: ICV

    public init(spi: UInt32, sequence: UInt32, icv: ICV = .zero) {
        self.spi = spi
        self.sequence = sequence
        self.icv = icv
    }

    public func encode(into out: inout [UInt8], zeroICV: Bool = false) {
        withBytes(zeroICV: zeroICV) { out.append(contentsOf: $0) }
    }

    /// The 24 bytes, written on the stack.
    public func withBytes<R>(zeroICV: Bool = false, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var raw: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &raw) { b in
            b[0] = nextHeader
            b[1] = payloadLength
            b[2] = UInt8(reserved >> 8); b[3] = UInt8(truncatingIfNeeded: reserved)
            for i in 0..<4 {
                b[4 + i] = UInt8(truncatingIfNeeded: spi >> UInt32(24 - 8 * i))
                b[8 + i] = UInt8(truncatingIfNeeded: sequence >> UInt32(24 - 8 * i))
            }
            if !zeroICV { for i in 0..<AuthenticationHeader.icvLength { b[12 + i] = icv[i] } }
            return body(UnsafeRawBufferPointer(b))
        }
    }

    public static func parse(_ bytes: [UInt8], at offset: Int) -> AuthenticationHeader? { parse(bytes[...], at: offset) }

    /// The header at `offset` from the start of `bytes`.
    public static func parse(_ bytes: ArraySlice<UInt8>, at offset: Int) -> AuthenticationHeader? {
        guard offset >= 0, bytes.count - offset >= length else { return nil }
        let o = bytes.startIndex + offset
        func u32(_ i: Int) -> UInt32 {
            UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
        }
        var ah = AuthenticationHeader(spi: u32(o + 4), sequence: u32(o + 8), icv: ICV(bytes[(o + 12)..<(o + 24)]))
        ah.nextHeader = bytes[o]
        ah.payloadLength = bytes[o + 1]
        ah.reserved = UInt16(bytes[o + 2]) << 8 | UInt16(bytes[o + 3])
        return ah
    }

    /// The 96-bit ICV keepalived computes: HMAC-MD5 keyed with the zero-padded
    /// password, over the IPv4 header as sent with TOS, fragment field and
    /// header checksum zeroed (ID kept; TTL kept in multicast, zeroed in
    /// unicast), then this AH header with a zero ICV, then the VRRP message.
    public static func icv<M: Collection>(key: HMACMD5.Key, ipHeader: IPv4Header, ah: AuthenticationHeader,
                                          message: M, zeroTTL: Bool) -> ICV where M.Element == UInt8 {
        var h = ipHeader
        h.tos = 0
        h.fragmentField = 0
        h.checksum = 0
        if zeroTTL { h.ttl = 0 }
        var mac = HMACMD5(key: key)
        h.withBytes { mac.update($0) }
        ah.withBytes(zeroICV: true) { mac.update($0) }
        mac.update(message)
        return ICV(mac.finalizeDigest())
    }

    public static func icv<M: Collection>(key: [UInt8], ipHeader: IPv4Header, ah: AuthenticationHeader,
                                          message: M, zeroTTL: Bool) -> ICV where M.Element == UInt8 {
        icv(key: HMACMD5.Key(key), ipHeader: ipHeader, ah: ah, message: message, zeroTTL: zeroTTL)
    }

    /// Constant-time comparison, so a forger learns nothing from timing.
    public static func equalInConstantTime(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}
