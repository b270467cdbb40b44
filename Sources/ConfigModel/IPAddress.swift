// IP addresses and prefixes, parsed and printed without libc so every module
// (the VRRP codec, the IPVS diff, the checkers) can use them in pure code.

public struct IPv4Address: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    /// The address as a number: 10.0.0.1 is 0x0A000001.
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Dotted quad, four decimal parts 0...255, no leading '+', no empty part.
    public init?(_ text: some StringProtocol) {
        var value: UInt32 = 0
        var parts = 0
        var current: UInt32 = 0
        var digits = 0
        for u in text.utf8 {
            if u == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | current
                parts += 1
                current = 0
                digits = 0
            } else if u >= 0x30 && u <= 0x39 {
                current = current * 10 + UInt32(u - 0x30)
                digits += 1
                guard digits <= 3, current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        self.value = value << 8 | current
    }

    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    /// Dotted quad, written byte by byte (every address of a large
    /// configuration is printed into the compiled file).
    public var description: String {
        var buf: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &buf) { raw in
            var n = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                let octet = Int((value >> UInt32(shift)) & 0xff)
                if octet >= 100 { raw[n] = UInt8(48 + octet / 100); n += 1 }
                if octet >= 10 { raw[n] = UInt8(48 + octet / 10 % 10); n += 1 }
                raw[n] = UInt8(48 + octet % 10)
                n += 1
                if shift > 0 { raw[n] = 46; n += 1 }
            }
            return String(decoding: raw[0..<n], as: UTF8.self)
        }
    }

    public var isMulticast: Bool { value >> 28 == 0xE }
    public var isLoopback: Bool { value >> 24 == 127 }
    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
}

public struct IPv6Address: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Inlinable: vrrpd reads the source of every IPv6 advert through it, and
    /// unspecialised (another module's generic) it cost ~15,000 instructions.
    @inlinable
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
        }
        high = h
        low = l
    }

    /// RFC 4291 §2.2 text forms, including '::' and a trailing dotted quad.
    public init?(_ text: some StringProtocol) {
        let s = String(text)
        guard !s.isEmpty, s.utf8.count <= 45 else { return nil }
        var groups: [UInt16] = []
        var tailGroups: [UInt16] = []
        var sawDoubleColon = false
        let halves = s.components(separatedByString: "::")
        guard halves.count <= 2 else { return nil }
        func parseGroups(_ part: String, allowV4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (i, f) in fields.enumerated() {
                if i == fields.count - 1, allowV4Tail, f.contains(".") {
                    guard let v4 = IPv4Address(f) else { return nil }
                    out.append(UInt16(v4.value >> 16))
                    out.append(UInt16(truncatingIfNeeded: v4.value))
                    continue
                }
                guard !f.isEmpty, f.utf8.count <= 4, let v = UInt16(f, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        if halves.count == 2 {
            sawDoubleColon = true
            guard let a = parseGroups(halves[0], allowV4Tail: false),
                  let b = parseGroups(halves[1], allowV4Tail: true) else { return nil }
            groups = a
            tailGroups = b
            guard groups.count + tailGroups.count <= 7 else { return nil }
        } else {
            guard let a = parseGroups(s, allowV4Tail: true), a.count == 8 else { return nil }
            groups = a
        }
        if sawDoubleColon {
            groups += Array(repeating: 0, count: 8 - groups.count - tailGroups.count) + tailGroups
        }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        high = h
        low = l
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(s))) }
        for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(s))) }
        return out
    }

    var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> UInt64(48 - 16 * $0)) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> UInt64(48 - 16 * $0)) }
    }

    /// RFC 5952 canonical text: lower case, longest run of zero groups (two or more) as '::'.
    public var description: String {
        let g = groups
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ r: Range<Int>) -> String { r.map { String(g[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLen)..<8)
    }

    public var isLinkLocal: Bool { high >> 54 == 0x3FA }  // fe80::/10
    public var isMulticast: Bool { high >> 56 == 0xFF }
    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { (a.high, a.low) < (b.high, b.low) }
}

public enum AddressFamily: String, Hashable, Sendable, Codable {
    case inet
    case inet6
}

public enum IPAddress: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public init?(_ text: some StringProtocol) {
        if let a = IPv4Address(text) { self = .v4(a) } else if let a = IPv6Address(text) { self = .v6(a) } else { return nil }
    }

    public var family: AddressFamily {
        switch self {
        case .v4: return .inet
        case .v6: return .inet6
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): return a.bytes
        case .v6(let a): return a.bytes
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): return a.description
        case .v6(let a): return a.description
        }
    }

    public var isMulticast: Bool {
        switch self {
        case .v4(let a): return a.isMulticast
        case .v6(let a): return a.isMulticast
        }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): return x < y
        case (.v6(let x), .v6(let y)): return x < y
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }

    // Stored as text in both encodings: readable in `kaconf dump --json`.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let a = IPAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IP address: \(text)"))
        }
        self = a
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// An address with a prefix length: 10.0.0.1/24, fd00::1/64.
public struct IPPrefix: Hashable, Sendable, Codable, CustomStringConvertible {
    public var address: IPAddress
    public var length: UInt8

    public init(address: IPAddress, length: UInt8) {
        self.address = address
        self.length = length
    }

    /// `ADDR` (full-length prefix) or `ADDR/LEN`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let a = IPAddress(parts[0]) else { return nil }
        let max: UInt8 = a.family == .inet ? 32 : 128
        if parts.count == 2 {
            guard let l = UInt8(parts[1]), l <= max, !parts[1].hasPrefix("+") else { return nil }
            length = l
        } else {
            length = max
        }
        address = a
    }

    public var description: String { "\(address)/\(length)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let p = IPPrefix(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IP prefix: \(text)"))
        }
        self = p
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension String {
    /// Splits on a multi-character separator (FoundationEssentials-free).
    func components(separatedByString sep: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}
