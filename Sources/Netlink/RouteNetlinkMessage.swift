// rtnetlink message encoding and parsing (RFC 3549, linux/rtnetlink.h):
// a 16-byte nlmsghdr, a family header (ifaddrmsg, ifinfomsg), then
// type-length-value attributes aligned to 4 bytes. Pure byte work, in host
// byte order as the kernel expects; tests run it without a socket.

public enum RouteNetlinkConstant {
    public static let headerLength = 16
    // nlmsg types
    public static let done: UInt16 = 3
    public static let error: UInt16 = 2
    public static let newLink: UInt16 = 16
    public static let delLink: UInt16 = 17
    public static let getLink: UInt16 = 18
    public static let newAddress: UInt16 = 20
    public static let delAddress: UInt16 = 21
    public static let getAddress: UInt16 = 22
    // nlmsg flags
    public static let request: UInt16 = 0x1
    public static let multi: UInt16 = 0x2
    public static let ack: UInt16 = 0x4
    public static let dump: UInt16 = 0x300
    public static let replace: UInt16 = 0x100
    public static let excl: UInt16 = 0x200
    public static let create: UInt16 = 0x400
    // multicast groups (bind mask)
    public static let groupLink: UInt32 = 0x1
    public static let groupIPv4Address: UInt32 = 0x10
    public static let groupIPv6Address: UInt32 = 0x100
}

/// Builds one request. Attributes are appended in order; lengths are fixed up at the end.
public struct RouteMessageWriter {
    public private(set) var bytes: [UInt8] = []

    public init(type: UInt16, flags: UInt16, sequence: UInt32) {
        bytes.reserveCapacity(128)
        appendU32(0)  // length, set by `finish`
        appendU16(type)
        appendU16(flags)
        appendU32(sequence)
        appendU32(0)  // port id: the kernel fills ours in
    }

    public mutating func appendU8(_ v: UInt8) { bytes.append(v) }
    public mutating func appendU16(_ v: UInt16) { withUnsafeBytes(of: v) { bytes += $0 } }
    public mutating func appendU32(_ v: UInt32) { withUnsafeBytes(of: v) { bytes += $0 } }
    public mutating func appendI32(_ v: Int32) { withUnsafeBytes(of: v) { bytes += $0 } }

    private mutating func pad() { while bytes.count % 4 != 0 { bytes.append(0) } }

    public mutating func attribute(_ type: UInt16, _ payload: [UInt8]) {
        pad()
        appendU16(UInt16(4 + payload.count))
        appendU16(type)
        bytes += payload
        pad()
    }

    public mutating func attribute(_ type: UInt16, u32 v: UInt32) {
        attribute(type, withUnsafeBytes(of: v) { Array($0) })
    }

    /// A NUL-terminated string attribute (IFA_LABEL, IFLA_IFNAME).
    public mutating func attribute(_ type: UInt16, string s: String) {
        attribute(type, Array(s.utf8) + [0])
    }

    public consuming func finish() -> [UInt8] {
        pad()
        let n = UInt32(bytes.count)
        withUnsafeBytes(of: n) { for i in 0..<4 { bytes[i] = $0[i] } }
        return bytes
    }
}

/// One message inside a received buffer.
public struct RouteMessage {
    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    /// The message after its 16-byte header.
    public var payload: ArraySlice<UInt8>
}

public enum RouteMessageParser {
    /// Splits a datagram into messages; stops at the first malformed header.
    public static func messages(_ buffer: ArraySlice<UInt8>) -> [RouteMessage] {
        var out: [RouteMessage] = []
        var i = buffer.startIndex
        while buffer.endIndex - i >= RouteNetlinkConstant.headerLength {
            let len = Int(readU32(buffer, i))
            guard len >= RouteNetlinkConstant.headerLength, len <= buffer.endIndex - i else { break }
            out.append(RouteMessage(type: readU16(buffer, i + 4), flags: readU16(buffer, i + 6),
                                    sequence: readU32(buffer, i + 8),
                                    payload: buffer[(i + RouteNetlinkConstant.headerLength)..<(i + len)]))
            i += (len + 3) & ~3
        }
        return out
    }

    /// Attributes after a fixed header of `skip` bytes: type (nesting bits masked) -> payload.
    public static func attributes(_ payload: ArraySlice<UInt8>, skip: Int) -> [(UInt16, ArraySlice<UInt8>)] {
        var out: [(UInt16, ArraySlice<UInt8>)] = []
        var i = payload.startIndex + skip
        while payload.endIndex - i >= 4 {
            let len = Int(readU16(payload, i))
            let type = readU16(payload, i + 2) & 0x3FFF
            guard len >= 4, len <= payload.endIndex - i else { break }
            out.append((type, payload[(i + 4)..<(i + len)]))
            i += (len + 3) & ~3
        }
        return out
    }

    public static func readU16(_ b: ArraySlice<UInt8>, _ i: Int) -> UInt16 {
        UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }

    public static func readU32(_ b: ArraySlice<UInt8>, _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    public static func readI32(_ b: ArraySlice<UInt8>, _ i: Int) -> Int32 { Int32(bitPattern: readU32(b, i)) }

    /// A NUL-terminated string payload.
    public static func string(_ b: ArraySlice<UInt8>) -> String {
        String(decoding: b.prefix { $0 != 0 }, as: UTF8.self)
    }
}
