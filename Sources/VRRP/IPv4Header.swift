// The 20-byte IPv4 header keepalived builds itself for adverts (raw socket
// with IP_HDRINCL): TOS 0xC0, its own ID counter, DF clear, TTL 255.
import ConfigModel

public struct IPv4Header: Hashable, Sendable {
    public static let length = 20

    public var tos: UInt8 = VRRPWire.trafficClass
    public var totalLength: UInt16
    public var identification: UInt16
    /// Flags and fragment offset; keepalived sends 0 (DF clear).
    public var fragmentField: UInt16 = 0
    public var ttl: UInt8 = VRRPWire.ttl
    public var protocolNumber: UInt8
    public var checksum: UInt16 = 0
    public var source: IPv4Address
    public var destination: IPv4Address
    /// Header length in bytes as received (20 plus options).
    public var headerLength: Int = IPv4Header.length

    public init(totalLength: UInt16, identification: UInt16, protocolNumber: UInt8,
                source: IPv4Address, destination: IPv4Address, ttl: UInt8 = VRRPWire.ttl) {
        self.totalLength = totalLength
        self.identification = identification
        self.protocolNumber = protocolNumber
        self.source = source
        self.destination = destination
        self.ttl = ttl
    }

    /// The 20 bytes with the stored checksum field.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(20)
        encode(into: &out)
        return out
    }

    public func encode(into out: inout [UInt8]) {
        withBytes { out.append(contentsOf: $0) }
    }

    /// The 20 bytes, written on the stack (no allocation).
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var raw: (UInt64, UInt64, UInt32) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &raw) { b in
            b[0] = 0x45
            b[1] = tos
            b[2] = UInt8(totalLength >> 8); b[3] = UInt8(truncatingIfNeeded: totalLength)
            b[4] = UInt8(identification >> 8); b[5] = UInt8(truncatingIfNeeded: identification)
            b[6] = UInt8(fragmentField >> 8); b[7] = UInt8(truncatingIfNeeded: fragmentField)
            b[8] = ttl
            b[9] = protocolNumber
            b[10] = UInt8(checksum >> 8); b[11] = UInt8(truncatingIfNeeded: checksum)
            for i in 0..<4 {
                b[12 + i] = UInt8(truncatingIfNeeded: source.value >> UInt32(24 - 8 * i))
                b[16 + i] = UInt8(truncatingIfNeeded: destination.value >> UInt32(24 - 8 * i))
            }
            return body(UnsafeRawBufferPointer(rebasing: b[0..<IPv4Header.length]))
        }
    }

    /// The header with its checksum computed (the kernel recomputes it on send
    /// with IP_HDRINCL; we fill it so encoded frames match captures byte for byte).
    public func withChecksum() -> IPv4Header {
        var h = self
        h.checksum = 0
        h.checksum = h.withBytes { InternetChecksum.of($0) }
        return h
    }

    /// Reads the fixed part of a header; options are skipped, not interpreted.
    /// nil when the bytes cannot be an IPv4 header.
    public static func parse(_ bytes: [UInt8]) -> IPv4Header? { parse(bytes[...]) }

    public static func parse(_ bytes: ArraySlice<UInt8>) -> IPv4Header? {
        let o = bytes.startIndex
        guard bytes.count >= 20, bytes[o] >> 4 == 4 else { return nil }
        let ihl = Int(bytes[o] & 0x0F) * 4
        guard ihl >= 20, ihl <= bytes.count else { return nil }
        func u16(_ i: Int) -> UInt16 { UInt16(bytes[o + i]) << 8 | UInt16(bytes[o + i + 1]) }
        func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) << 16 | UInt32(u16(i + 2)) }
        var h = IPv4Header(totalLength: u16(2), identification: u16(4), protocolNumber: bytes[o + 9],
                           source: IPv4Address(u32(12)), destination: IPv4Address(u32(16)), ttl: bytes[o + 8])
        h.tos = bytes[o + 1]
        h.fragmentField = u16(6)
        h.checksum = u16(10)
        h.headerLength = ihl
        return h
    }
}
