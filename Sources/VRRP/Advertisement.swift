// The VRRP advertisement message (RFC 3768 §5.1, RFC 5798 §5.2), without the
// IP header: what travels after the IPv4 header (and AH) or as the IPv6 payload.
import ConfigModel

public enum VRRPVersion: UInt8, Hashable, Sendable, Codable, CustomStringConvertible {
    case v2 = 2
    case v3 = 3
    public var description: String { "VRRPv\(rawValue)" }
}

/// The v2 authentication type byte (RFC 2338 §5.3.6; kept by keepalived).
public enum AuthenticationType: UInt8, Hashable, Sendable, CustomStringConvertible {
    case none = 0
    case password = 1
    case ipsecAH = 2
    public var description: String {
        switch self {
        case .none: return "none"
        case .password: return "PASS"
        case .ipsecAH: return "AH"
        }
    }
}

public enum VRRPWire {
    /// IP protocol numbers.
    public static let protocolVRRP: UInt8 = 112
    public static let protocolAH: UInt8 = 51
    public static let headerLength = 8
    /// v2 always carries 8 bytes of authentication data after the addresses.
    public static let authDataLength = 8
    public static let typeAdvertisement: UInt8 = 1
    /// keepalived's IPv4 TOS / IPv6 traffic class: CS6, network control.
    public static let trafficClass: UInt8 = 0xC0
    public static let ttl: UInt8 = 255

    public static func addressLength(_ family: AddressFamily) -> Int { family == .inet ? 4 : 16 }

    /// The length of a whole message with `count` addresses.
    public static func messageLength(version: VRRPVersion, family: AddressFamily, count: Int) -> Int {
        headerLength + count * addressLength(family) + (version == .v2 ? authDataLength : 0)
    }
}

public struct Advertisement: Hashable, Sendable {
    public var version: VRRPVersion
    public var type: UInt8 = VRRPWire.typeAdvertisement
    public var vrid: UInt8
    public var priority: UInt8
    public var addresses: [IPAddress]
    /// v2: the authentication type byte. v3: the 4 reserved bits (0).
    public var authType: UInt8 = 0
    /// v2: Adver Int in whole seconds (8 bits). v3: Max Adver Int in centiseconds (12 bits).
    public var interval: UInt16
    public var checksum: UInt16 = 0
    /// v2 only: the 8 bytes after the addresses (password for PASS, else zero).
    public var authData: [UInt8] = []

    public init(version: VRRPVersion, vrid: UInt8, priority: UInt8, addresses: [IPAddress],
                interval: UInt16, authType: UInt8 = 0, authData: [UInt8] = [], checksum: UInt16 = 0) {
        self.version = version
        self.vrid = vrid
        self.priority = priority
        self.addresses = addresses
        self.interval = interval
        self.authType = authType
        self.authData = authData
        self.checksum = checksum
    }

    public var family: AddressFamily { addresses.first?.family ?? .inet }

    /// The message bytes with the checksum field as stored.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(VRRPWire.messageLength(version: version, family: family, count: addresses.count))
        out.append(version.rawValue << 4 | (type & 0x0F))
        out.append(vrid)
        out.append(priority)
        out.append(UInt8(truncatingIfNeeded: addresses.count))
        switch version {
        case .v2:
            out.append(authType)
            out.append(UInt8(truncatingIfNeeded: interval))
        case .v3:
            out.append(authType << 4 | UInt8((interval >> 8) & 0x0F))
            out.append(UInt8(truncatingIfNeeded: interval))
        }
        out.append(UInt8(checksum >> 8))
        out.append(UInt8(truncatingIfNeeded: checksum))
        for a in addresses { out += a.bytes }
        if version == .v2 {
            var auth = Array(authData.prefix(VRRPWire.authDataLength))
            auth += [UInt8](repeating: 0, count: VRRPWire.authDataLength - auth.count)
            out += auth
        }
        return out
    }

    /// The message with its checksum computed: v2 over the message alone,
    /// v3 over the pseudo-header of `source` and `destination` (the actual
    /// destination, also in unicast, as keepalived does since 1.3.6).
    public func encoded(source: IPAddress, destination: IPAddress) -> [UInt8] {
        var copy = self
        copy.checksum = 0
        var bytes = copy.encoded()
        let sum = VRRPChecksum.compute(bytes, version: version, source: source, destination: destination)
        bytes[6] = UInt8(sum >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: sum)
        return bytes
    }

    public enum DecodeError: Error, Hashable, Sendable {
        case truncated(needed: Int, got: Int)
        case trailingBytes(Int)
        case unknownVersion(UInt8)
    }

    /// Decodes exactly one message; its length must match its address count.
    public static func decode(_ bytes: ArraySlice<UInt8>, family: AddressFamily) throws(DecodeError) -> Advertisement {
        guard bytes.count >= VRRPWire.headerLength else { throw .truncated(needed: VRRPWire.headerLength, got: bytes.count) }
        let b = bytes.startIndex
        guard let version = VRRPVersion(rawValue: bytes[b] >> 4) else { throw .unknownVersion(bytes[b] >> 4) }
        let count = Int(bytes[b + 3])
        let needed = VRRPWire.messageLength(version: version, family: family, count: count)
        guard bytes.count >= needed else { throw .truncated(needed: needed, got: bytes.count) }
        guard bytes.count == needed else { throw .trailingBytes(bytes.count - needed) }
        let alen = VRRPWire.addressLength(family)
        var addresses: [IPAddress] = []
        addresses.reserveCapacity(count)
        for i in 0..<count {
            let start = b + 8 + i * alen
            addresses.append(IPAddress.from(bytes[start..<(start + alen)]))
        }
        var adv = Advertisement(version: version, vrid: bytes[b + 1], priority: bytes[b + 2], addresses: addresses,
                                interval: 0)
        adv.type = bytes[b] & 0x0F
        switch version {
        case .v2:
            adv.authType = bytes[b + 4]
            adv.interval = UInt16(bytes[b + 5])
            let authStart = b + 8 + count * alen
            adv.authData = Array(bytes[authStart..<(authStart + 8)])
        case .v3:
            adv.authType = bytes[b + 4] >> 4
            adv.interval = UInt16(bytes[b + 4] & 0x0F) << 8 | UInt16(bytes[b + 5])
        }
        adv.checksum = UInt16(bytes[b + 6]) << 8 | UInt16(bytes[b + 7])
        return adv
    }
}

public enum VRRPChecksum {
    /// The checksum for a message whose checksum field is zero. Over a
    /// message that holds its checksum, a correct one gives 0.
    public static func compute<C: Collection>(_ message: C, version: VRRPVersion, source: IPAddress,
                                             destination: IPAddress) -> UInt16 where C.Element == UInt8 {
        var c = InternetChecksum()
        if version == .v3 {
            addPseudoHeader(&c, source: source, destination: destination, length: message.count)
        }
        c.add(message)
        return c.value
    }

    /// RFC 5798 §5.2.8: IPv4 {src, dst, 0, 112, length}; IPv6 RFC 8200 §8.1 {src, dst, length32, 0, 112}.
    static func addPseudoHeader(_ c: inout InternetChecksum, source: IPAddress, destination: IPAddress, length: Int) {
        add(source, to: &c)
        add(destination, to: &c)
        switch source {
        case .v4:
            c.add(word: UInt16(VRRPWire.protocolVRRP))
            c.add(word: UInt16(truncatingIfNeeded: length))
        case .v6:
            c.add(word32: UInt32(truncatingIfNeeded: length))
            c.add(word32: UInt32(VRRPWire.protocolVRRP))
        }
    }

    /// An address's bytes in network order, without making an array of them.
    static func add(_ a: IPAddress, to c: inout InternetChecksum) {
        switch a {
        case .v4(let v): c.add(word32: v.value)
        case .v6(let v):
            c.add(word32: UInt32(truncatingIfNeeded: v.high >> 32))
            c.add(word32: UInt32(truncatingIfNeeded: v.high))
            c.add(word32: UInt32(truncatingIfNeeded: v.low >> 32))
            c.add(word32: UInt32(truncatingIfNeeded: v.low))
        }
    }
}

extension IPAddress {
    /// An address from 4 or 16 network-order bytes.
    static func from(_ bytes: ArraySlice<UInt8>) -> IPAddress {
        if bytes.count == 4 {
            var v: UInt32 = 0
            for x in bytes { v = v << 8 | UInt32(x) }
            return .v4(IPv4Address(v))
        }
        var h: UInt64 = 0, l: UInt64 = 0
        for (i, x) in bytes.enumerated() {
            if i < 8 { h = h << 8 | UInt64(x) } else { l = l << 8 | UInt64(x) }
        }
        return .v6(IPv6Address(high: h, low: l))
    }
}
