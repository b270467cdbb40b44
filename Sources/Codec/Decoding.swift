// Decoder side of the format described in Format.swift. Every read is bounds
// checked and reported as a CodecError; nothing here traps on bad input.

final class DecodingSource {
    let bytes: [UInt8]
    let limits: DecodeLimits
    var keys: [String] = []
    var keyIndex: [String: Int] = [:]
    private(set) var rootOffset = 0

    init(bytes: [UInt8], limits: DecodeLimits) throws(CodecError) {
        self.bytes = bytes
        self.limits = limits
        var i = 0
        let n = try readVarint(&i)
        // Each key needs at least one byte: a count beyond that is a lie.
        guard n <= UInt64(bytes.count - i) else { throw .truncated(at: i) }
        keys.reserveCapacity(Int(n))
        for _ in 0..<Int(n) {
            let at = i
            let s = try readString(&i)
            if keyIndex[s] != nil { throw .duplicateKey(s, at: at) }
            keyIndex[s] = keys.count
            keys.append(s)
        }
        rootOffset = i
    }

    @inline(__always)
    func byte(_ i: Int) throws(CodecError) -> UInt8 {
        guard i < bytes.count else { throw .truncated(at: i) }
        return bytes[i]
    }

    func readVarint(_ i: inout Int) throws(CodecError) -> UInt64 {
        let start = i
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte(i)
            i += 1
            if shift == 63 && b > 1 { throw .badVarint(at: start) }
            v |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
            if shift > 63 { throw .badVarint(at: start) }
        }
    }

    func readU32(_ i: inout Int) throws(CodecError) -> Int {
        guard i + 4 <= bytes.count else { throw .truncated(at: i) }
        let v = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        i += 4
        return Int(v)
    }

    func readLength(_ i: inout Int) throws(CodecError) -> Int {
        let at = i
        let n = try readVarint(&i)
        guard n <= UInt64(bytes.count - i) else { throw .truncated(at: at) }
        return Int(n)
    }

    func readString(_ i: inout Int) throws(CodecError) -> String {
        let at = i
        let n = try readLength(&i)
        let slice = bytes[i..<(i + n)]
        i += n
        guard let s = String(validating: slice, as: UTF8.self) else { throw .badUTF8(at: at) }
        return s
    }

    /// Validates the value at `at` and returns the offset just past it.
    func skip(at: Int, depth: Int) throws(CodecError) -> Int {
        var i = at
        let raw = try byte(i)
        guard let tag = Tag(rawValue: raw) else { throw .badTag(raw, at: i) }
        i += 1
        switch tag {
        case .null, .false, .true: return i
        case .unsigned, .negative: _ = try readVarint(&i); return i
        case .double:
            guard i + 8 <= bytes.count else { throw .truncated(at: i) }
            return i + 8
        case .string: _ = try readString(&i); return i
        case .bytes: let n = try readLength(&i); return i + n
        case .keyed, .unkeyed:
            if depth >= limits.maxDepth { throw .tooDeep(limit: limits.maxDepth) }
            let count = try readU32(&i)
            let length = try readU32(&i)
            let bodyStart = i
            guard length <= bytes.count - bodyStart, count <= length else { throw .lengthMismatch(at: at) }
            for _ in 0..<count {
                if tag == .keyed {
                    let k = try readVarint(&i)
                    guard k < UInt64(keys.count) else { throw .badKeyIndex(Int(truncatingIfNeeded: k), at: i) }
                }
                i = try skip(at: i, depth: depth + 1)
            }
            guard i - bodyStart == length else { throw .lengthMismatch(at: at) }
            return i
        }
    }

    /// Offset just past the value at `at`, for a document already validated by
    /// `skip` (so container lengths can be trusted and jumped over).
    func skipValidated(at: Int) throws(CodecError) -> Int {
        let t = try tag(at: at)
        switch t {
        case .keyed, .unkeyed:
            var i = at + 5
            let length = try readU32(&i)
            return i + length
        default:
            return try skip(at: at, depth: 0)
        }
    }

    func tag(at i: Int) throws(CodecError) -> Tag {
        let raw = try byte(i)
        guard let t = Tag(rawValue: raw) else { throw .badTag(raw, at: i) }
        return t
    }

    func readBool(at i: Int) throws(CodecError) -> Bool {
        switch try tag(at: i) {
        case .true: return true
        case .false: return false
        default: throw .typeMismatch(expected: "Bool", at: i)
        }
    }

    func readInteger<T: FixedWidthInteger>(_ type: T.Type, at i: Int) throws(CodecError) -> T {
        var j = i + 1
        switch try tag(at: i) {
        case .unsigned:
            let m = try readVarint(&j)
            guard let v = T(exactly: m) else { throw .integerOutOfRange(type: "\(T.self)", at: i) }
            return v
        case .negative:
            let m = try readVarint(&j)
            // value = -(m+1); representable only by signed types
            guard T.isSigned, m <= UInt64(Int64.max) else { throw .integerOutOfRange(type: "\(T.self)", at: i) }
            let v = ~Int64(m)
            guard let r = T(exactly: v) else { throw .integerOutOfRange(type: "\(T.self)", at: i) }
            return r
        default:
            throw .typeMismatch(expected: "\(T.self)", at: i)
        }
    }

    func readDouble(at i: Int) throws(CodecError) -> Double {
        switch try tag(at: i) {
        case .double:
            guard i + 9 <= bytes.count else { throw .truncated(at: i) }
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(bytes[i + 1 + k]) << UInt64(8 * k) }
            return Double(bitPattern: bits)
        case .unsigned:
            return Double(try readInteger(UInt64.self, at: i))
        case .negative:
            return Double(try readInteger(Int64.self, at: i))
        default:
            throw .typeMismatch(expected: "Double", at: i)
        }
    }

    func readStringValue(at i: Int) throws(CodecError) -> String {
        guard try tag(at: i) == .string else { throw .typeMismatch(expected: "String", at: i) }
        var j = i + 1
        return try readString(&j)
    }

    func readBytesValue(at i: Int) throws(CodecError) -> [UInt8] {
        guard try tag(at: i) == .bytes else { throw .typeMismatch(expected: "bytes", at: i) }
        var j = i + 1
        let n = try readLength(&j)
        return Array(bytes[j..<(j + n)])
    }

    func decodeValue<T: Decodable>(_ type: T.Type, at i: Int, path: [any CodingKey], depth: Int) throws -> T {
        // Fast paths for common leaves, matching EncodingSink.encodeValue.
        if T.self == String.self { return try readStringValue(at: i) as! T }
        if T.self == Int.self { return try readInteger(Int.self, at: i) as! T }
        if T.self == Bool.self { return try readBool(at: i) as! T }
        if T.self == [UInt8].self { return try readBytesValue(at: i) as! T }
        if T.self == UInt8.self { return try readInteger(UInt8.self, at: i) as! T }
        if T.self == UInt16.self { return try readInteger(UInt16.self, at: i) as! T }
        if T.self == UInt32.self { return try readInteger(UInt32.self, at: i) as! T }
        if T.self == UInt64.self { return try readInteger(UInt64.self, at: i) as! T }
        if T.self == Int32.self { return try readInteger(Int32.self, at: i) as! T }
        if T.self == Double.self { return try readDouble(at: i) as! T }
        return try T(from: ValueDecoder(source: self, offset: i, codingPath: path, depth: depth))
    }
}

struct ValueDecoder: Decoder {
    let source: DecodingSource
    let offset: Int
    var codingPath: [any CodingKey]
    let depth: Int
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(try KeyedReader<Key>(source: source, header: offset, codingPath: codingPath, depth: depth))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try UnkeyedReader(source: source, header: offset, codingPath: codingPath, depth: depth)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleReader(source: source, offset: offset, codingPath: codingPath, depth: depth)
    }
}

struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let source: DecodingSource
    var codingPath: [any CodingKey]
    let depth: Int
    /// (key index, value offset) in stream order, and where the next lookup
    /// starts: decoding usually asks for keys in the order they were written.
    private final class Index {
        var entries: [(key: Int, at: Int)] = []
        var cursor = 0
    }
    private let index = Index()

    init(source: DecodingSource, header: Int, codingPath: [any CodingKey], depth: Int) throws {
        self.source = source
        self.codingPath = codingPath
        self.depth = depth + 1
        guard try source.tag(at: header) == .keyed else {
            throw CodecError.typeMismatch(expected: "keyed container (\(Codec.pathString(codingPath)))", at: header)
        }
        if depth + 1 > source.limits.maxDepth { throw CodecError.tooDeep(limit: source.limits.maxDepth) }
        var i = header + 1
        let count = try source.readU32(&i)
        _ = try source.readU32(&i)
        index.entries.reserveCapacity(count)
        for _ in 0..<count {
            let k = Int(try source.readVarint(&i))
            // The root was validated by skip(), so key indexes are in range.
            index.entries.append((k, i))
            i = try source.skipValidated(at: i)
        }
        if count > 1 {
            var seen = Set<Int>()
            for e in index.entries where !seen.insert(e.key).inserted {
                throw CodecError.duplicateKey(source.keys[e.key], at: e.at)
            }
        }
    }

    var allKeys: [Key] { index.entries.compactMap { Key(stringValue: source.keys[$0.key]) } }

    private func find(_ key: Key) -> Int? {
        guard let k = source.keyIndex[key.stringValue] else { return nil }
        let entries = index.entries
        let c = index.cursor
        if c < entries.count, entries[c].key == k {
            index.cursor = c + 1
            return entries[c].at
        }
        for (n, e) in entries.enumerated() where e.key == k {
            index.cursor = n + 1
            return e.at
        }
        return nil
    }

    private func require(_ key: Key) throws -> Int {
        guard let at = find(key) else {
            throw CodecError.missingKey(key.stringValue, path: Codec.pathString(codingPath))
        }
        return at
    }

    func contains(_ key: Key) -> Bool {
        guard let k = source.keyIndex[key.stringValue] else { return false }
        return index.entries.contains { $0.key == k }
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let at = find(key) else { return true }
        let isNil = try source.tag(at: at) == .null
        if !isNil { index.cursor -= 1 }  // let the following decode find it again
        return isNil
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try source.readBool(at: require(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try source.readStringValue(at: require(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try source.readDouble(at: require(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try source.readDouble(at: require(key))) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try source.readInteger(Int.self, at: require(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try source.readInteger(Int8.self, at: require(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try source.readInteger(Int16.self, at: require(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try source.readInteger(Int32.self, at: require(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try source.readInteger(Int64.self, at: require(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try source.readInteger(UInt.self, at: require(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try source.readInteger(UInt8.self, at: require(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try source.readInteger(UInt16.self, at: require(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try source.readInteger(UInt32.self, at: require(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try source.readInteger(UInt64.self, at: require(key)) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let at = try require(key)
        return try source.decodeValue(T.self, at: at, path: codingPath + [key], depth: depth)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let at = find(key) else { return nil }
        if try source.tag(at: at) == .null { return nil }
        return try source.decodeValue(T.self, at: at, path: codingPath + [key], depth: depth)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type,
                                                        forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        let at = try require(key)
        return KeyedDecodingContainer(try KeyedReader<NestedKey>(source: source, header: at,
                                                                 codingPath: codingPath + [key], depth: depth))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let at = try require(key)
        return try UnkeyedReader(source: source, header: at, codingPath: codingPath + [key], depth: depth)
    }

    func superDecoder() throws -> any Decoder { try superDecoder(forKey: Key(stringValue: "super")!) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        let at = try require(key)
        return ValueDecoder(source: source, offset: at, codingPath: codingPath + [key], depth: depth)
    }
}

struct UnkeyedReader: UnkeyedDecodingContainer {
    let source: DecodingSource
    var codingPath: [any CodingKey]
    let depth: Int
    let count: Int?
    var currentIndex = 0
    private var next: Int

    init(source: DecodingSource, header: Int, codingPath: [any CodingKey], depth: Int) throws {
        self.source = source
        self.codingPath = codingPath
        self.depth = depth + 1
        guard try source.tag(at: header) == .unkeyed else {
            throw CodecError.typeMismatch(expected: "unkeyed container (\(Codec.pathString(codingPath)))", at: header)
        }
        if depth + 1 > source.limits.maxDepth { throw CodecError.tooDeep(limit: source.limits.maxDepth) }
        var i = header + 1
        count = try source.readU32(&i)
        _ = try source.readU32(&i)
        next = i
    }

    var isAtEnd: Bool { currentIndex >= count! }

    private mutating func advance() throws -> Int {
        guard !isAtEnd else {
            throw CodecError.invalidValue("\(Codec.pathString(codingPath)): fewer elements than expected")
        }
        let at = next
        next = try source.skipValidated(at: at)
        currentIndex += 1
        return at
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if try source.tag(at: next) == .null { _ = try advance(); return true }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try source.readBool(at: advance()) }
    mutating func decode(_ type: String.Type) throws -> String { try source.readStringValue(at: advance()) }
    mutating func decode(_ type: Double.Type) throws -> Double { try source.readDouble(at: advance()) }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try source.readDouble(at: advance())) }
    mutating func decode(_ type: Int.Type) throws -> Int { try source.readInteger(Int.self, at: advance()) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try source.readInteger(Int8.self, at: advance()) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try source.readInteger(Int16.self, at: advance()) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try source.readInteger(Int32.self, at: advance()) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try source.readInteger(Int64.self, at: advance()) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try source.readInteger(UInt.self, at: advance()) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try source.readInteger(UInt8.self, at: advance()) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try source.readInteger(UInt16.self, at: advance()) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try source.readInteger(UInt32.self, at: advance()) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try source.readInteger(UInt64.self, at: advance()) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let path = codingPath + [IndexKey(currentIndex)]
        let at = try advance()
        return try source.decodeValue(T.self, at: at, path: path, depth: depth)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let path = codingPath + [IndexKey(currentIndex)]
        let at = try advance()
        return KeyedDecodingContainer(try KeyedReader<NestedKey>(source: source, header: at, codingPath: path, depth: depth))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let path = codingPath + [IndexKey(currentIndex)]
        let at = try advance()
        return try UnkeyedReader(source: source, header: at, codingPath: path, depth: depth)
    }

    mutating func superDecoder() throws -> any Decoder {
        let path = codingPath + [IndexKey(currentIndex)]
        let at = try advance()
        return ValueDecoder(source: source, offset: at, codingPath: path, depth: depth)
    }
}

struct SingleReader: SingleValueDecodingContainer {
    let source: DecodingSource
    let offset: Int
    var codingPath: [any CodingKey]
    let depth: Int

    func decodeNil() -> Bool { (try? source.tag(at: offset)) == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try source.readBool(at: offset) }
    func decode(_ type: String.Type) throws -> String { try source.readStringValue(at: offset) }
    func decode(_ type: Double.Type) throws -> Double { try source.readDouble(at: offset) }
    func decode(_ type: Float.Type) throws -> Float { Float(try source.readDouble(at: offset)) }
    func decode(_ type: Int.Type) throws -> Int { try source.readInteger(Int.self, at: offset) }
    func decode(_ type: Int8.Type) throws -> Int8 { try source.readInteger(Int8.self, at: offset) }
    func decode(_ type: Int16.Type) throws -> Int16 { try source.readInteger(Int16.self, at: offset) }
    func decode(_ type: Int32.Type) throws -> Int32 { try source.readInteger(Int32.self, at: offset) }
    func decode(_ type: Int64.Type) throws -> Int64 { try source.readInteger(Int64.self, at: offset) }
    func decode(_ type: UInt.Type) throws -> UInt { try source.readInteger(UInt.self, at: offset) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try source.readInteger(UInt8.self, at: offset) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try source.readInteger(UInt16.self, at: offset) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try source.readInteger(UInt32.self, at: offset) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try source.readInteger(UInt64.self, at: offset) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try source.decodeValue(T.self, at: offset, path: codingPath, depth: depth)
    }
}
