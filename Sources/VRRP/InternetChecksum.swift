// RFC 1071 Internet checksum, used by the VRRP message (v2 plain, v3 with a
// pseudo-header), the IPv4 header and ICMPv6 neighbour advertisements.

/// Accumulates 16-bit big-endian words; odd trailing bytes are padded with zero.
public struct InternetChecksum: Sendable {
    private var sum: UInt64 = 0
    private var pendingHighByte: UInt8?

    public init() {}

    public mutating func add<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        for b in bytes { add(byte: b) }
    }

    public mutating func add(byte b: UInt8) {
        if let high = pendingHighByte {
            sum &+= UInt64(high) << 8 | UInt64(b)
            pendingHighByte = nil
        } else {
            pendingHighByte = b
        }
    }

    public mutating func add(word: UInt16) {
        add(byte: UInt8(word >> 8))
        add(byte: UInt8(truncatingIfNeeded: word))
    }

    public mutating func add(word32 w: UInt32) {
        add(word: UInt16(w >> 16))
        add(word: UInt16(truncatingIfNeeded: w))
    }

    /// The one's complement of the folded sum, as it goes on the wire.
    public var value: UInt16 {
        var s = sum
        if let high = pendingHighByte { s &+= UInt64(high) << 8 }
        while s > 0xFFFF { s = (s & 0xFFFF) + (s >> 16) }
        return ~UInt16(s)
    }

    public static func of<C: Collection>(_ bytes: C) -> UInt16 where C.Element == UInt8 {
        var c = InternetChecksum()
        c.add(bytes)
        return c.value
    }
}
