// MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), written from the RFCs. Only the
// VRRPv2 AH authentication uses them; a small pure implementation keeps the
// VRRP module free of C libraries and system calls. Nothing here allocates
// (STYLE.md §4: every AH advert sent or received is hashed): the block being
// filled lives inline, and a key's padded blocks are hashed once (HMACMD5.Key).

/// A 16-byte digest, held inline.
public struct MD5Digest: Hashable, Sendable {
    public var a: UInt32, b: UInt32, c: UInt32, d: UInt32

    /// Byte `i` (0..<16) in the digest's byte order.
    public subscript(i: Int) -> UInt8 {
        let word = i < 4 ? a : i < 8 ? b : i < 12 ? c : d
        return UInt8(truncatingIfNeeded: word >> (8 * UInt32(i % 4)))
    }

    public var bytes: [UInt8] { (0..<16).map { self[$0] } }
}

public struct MD5: Sendable {
    public static let digestLength = 16
    public static let blockLength = 64

    private var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476)
    /// The block being filled: 64 bytes inline.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var filled = 0
    private var length: UInt64 = 0

    public init() {}

    // RFC 1321 §3.4: per-round shift amounts and the sine-derived constants.
    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]
    private static let constants: [UInt32] = [
        0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
        0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be, 0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
        0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
        0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed, 0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
        0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c, 0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
        0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
        0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
        0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1, 0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
    ]

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        for b in bytes { update(byte: b) }
        length &+= UInt64(bytes.count)
    }

    private mutating func update(byte b: UInt8) {
        withUnsafeMutableBytes(of: &block) { $0[filled] = b }
        filled += 1
        if filled == MD5.blockLength {
            compressBlock()
            filled = 0
        }
    }

    public mutating func finalizeDigest() -> MD5Digest {
        let bitLength = length &* 8
        update(byte: 0x80)
        while filled != 56 { update(byte: 0) }
        for i in 0..<8 { update(byte: UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
        return MD5Digest(a: state.0, b: state.1, c: state.2, d: state.3)
    }

    public mutating func finalize() -> [UInt8] { finalizeDigest().bytes }

    public static func digest<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var m = MD5()
        m.update(bytes)
        return m.finalize()
    }

    private mutating func compressBlock() {
        var x: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeBytes(of: block) { src in
            withUnsafeMutableBytes(of: &x) { dst in
                for i in 0..<16 {
                    let w = UInt32(src[4 * i]) | UInt32(src[4 * i + 1]) << 8
                        | UInt32(src[4 * i + 2]) << 16 | UInt32(src[4 * i + 3]) << 24
                    dst.storeBytes(of: w, toByteOffset: 4 * i, as: UInt32.self)
                }
            }
        }
        var (a, b, c, d) = state
        withUnsafeBytes(of: x) { words in
            for i in 0..<64 {
                var f: UInt32
                var g: Int
                switch i {
                case 0..<16: f = (b & c) | (~b & d); g = i
                case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
                case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
                default: f = c ^ (b | ~d); g = (7 * i) % 16
                }
                f = f &+ a &+ MD5.constants[i] &+ words.load(fromByteOffset: 4 * g, as: UInt32.self)
                a = d
                d = c
                c = b
                let s = MD5.shifts[i]
                b = b &+ (f << s | f >> (32 - s))
            }
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}

/// HMAC-MD5 (RFC 2104): keys longer than one block are hashed first, shorter
/// ones zero-padded to the block length.
public struct HMACMD5: Sendable {
    /// A key's inner and outer states after their padded key blocks: made
    /// once per key, copied per message.
    public struct Key: Sendable {
        let inner: MD5
        let outer: MD5

        public init<K: Collection>(_ key: K) where K.Element == UInt8 {
            var k = key.count > MD5.blockLength ? MD5.digest(key) : Array(key)
            k += [UInt8](repeating: 0, count: MD5.blockLength - k.count)
            var i = MD5(), o = MD5()
            i.update(k.lazy.map { $0 ^ 0x36 })
            o.update(k.lazy.map { $0 ^ 0x5C })
            inner = i
            outer = o
        }
    }

    private var inner: MD5
    private let outer: MD5

    public init(key: Key) {
        inner = key.inner
        outer = key.outer
    }

    public init<K: Collection>(key: K) where K.Element == UInt8 { self.init(key: Key(key)) }

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 { inner.update(bytes) }

    public mutating func finalizeDigest() -> MD5Digest {
        let innerDigest = inner.finalizeDigest()
        var o = outer
        o.update((0..<MD5.digestLength).lazy.map { innerDigest[$0] })
        return o.finalizeDigest()
    }

    public mutating func finalize() -> [UInt8] { finalizeDigest().bytes }

    public static func authenticate<K: Collection, C: Collection>(_ message: C, key: K) -> [UInt8]
    where K.Element == UInt8, C.Element == UInt8 {
        var h = HMACMD5(key: key)
        h.update(message)
        return h.finalize()
    }
}
