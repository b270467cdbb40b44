// The one binary encoding shared by the compiled configuration and the
// programs' messages.
//
// A document is a key table followed by one value:
//
//     document := varint(n) n × string      -- the keys used, each once
//                 value
//     value    := 0x00                      -- nil
//               | 0x01 | 0x02               -- false | true
//               | 0x03 varint               -- integer >= 0
//               | 0x04 varint               -- integer < 0, stored as -(v+1)
//               | 0x05 8 bytes              -- IEEE-754 binary64, little endian
//               | 0x06 varint(len) bytes    -- UTF-8 string
//               | 0x07 u32(count) u32(len) count × (varint(key) value)   -- keyed
//               | 0x08 u32(count) u32(len) count × value                 -- unkeyed
//               | 0x09 varint(len) bytes    -- raw bytes ([UInt8])
//
// Every value can be skipped without knowing its type (containers carry their
// body length), so a keyed container can be indexed and fields looked up by
// key. Integers of every width share one tag and are range-checked on decode.
// Decoding is strict: a truncated value, an out-of-range key index, a
// duplicate key, a length that disagrees with the content, nesting deeper than
// the limit, or a byte left over after the root value is an error.

enum Tag: UInt8 {
    case null = 0x00
    case `false` = 0x01
    case `true` = 0x02
    case unsigned = 0x03
    case negative = 0x04
    case double = 0x05
    case string = 0x06
    case keyed = 0x07
    case unkeyed = 0x08
    case bytes = 0x09
}

/// Why a byte string could not be decoded (or a value not encoded).
public enum CodecError: Error, Equatable, CustomStringConvertible, Sendable {
    case truncated(at: Int)
    case badTag(UInt8, at: Int)
    case typeMismatch(expected: String, at: Int)
    case integerOutOfRange(type: String, at: Int)
    case badVarint(at: Int)
    case badUTF8(at: Int)
    case badKeyIndex(Int, at: Int)
    case duplicateKey(String, at: Int)
    case missingKey(String, path: String)
    case lengthMismatch(at: Int)
    case tooDeep(limit: Int)
    case trailingBytes(count: Int)
    case tooLarge(size: Int, limit: Int)
    case invalidValue(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .truncated(let at): return "truncated value at byte \(at)"
        case .badTag(let t, let at): return "unknown tag 0x\(String(t, radix: 16)) at byte \(at)"
        case .typeMismatch(let expected, let at): return "expected \(expected) at byte \(at)"
        case .integerOutOfRange(let type, let at): return "integer at byte \(at) does not fit \(type)"
        case .badVarint(let at): return "malformed varint at byte \(at)"
        case .badUTF8(let at): return "invalid UTF-8 string at byte \(at)"
        case .badKeyIndex(let i, let at): return "key index \(i) out of range at byte \(at)"
        case .duplicateKey(let k, let at): return "duplicate key '\(k)' at byte \(at)"
        case .missingKey(let k, let path): return "missing key '\(k)' in \(path.isEmpty ? "root" : path)"
        case .lengthMismatch(let at): return "container length disagrees with its content at byte \(at)"
        case .tooDeep(let limit): return "nesting deeper than \(limit)"
        case .trailingBytes(let n): return "\(n) trailing byte(s) after the value"
        case .tooLarge(let size, let limit): return "\(size) bytes exceeds the limit of \(limit)"
        case .invalidValue(let s): return "invalid value: \(s)"
        case .unsupported(let s): return "unsupported: \(s)"
        }
    }
}

/// Limits applied while decoding untrusted bytes.
public struct DecodeLimits: Sendable {
    public var maxDepth: Int
    public var maxSize: Int
    public init(maxDepth: Int = 64, maxSize: Int = 256 << 20) {
        self.maxDepth = maxDepth
        self.maxSize = maxSize
    }
    public static let `default` = DecodeLimits()
}

public enum Codec {
    /// Encodes `value` into a document.
    public static func encode<T: Encodable>(_ value: T) throws(CodecError) -> [UInt8] {
        try encode(value, directPaths: true)
    }

    /// With `directPaths` false, every value goes through Encoder, so that
    /// tests can check each CodecDirectEncodable against its Encodable.
    static func encode<T: Encodable>(_ value: T, directPaths: Bool) throws(CodecError) -> [UInt8] {
        let sink = EncodingSink()
        sink.state.pointee.directPaths = directPaths
        do {
            try sink.encodeValue(value)
        } catch let e as CodecError {
            throw e
        } catch {
            throw .invalidValue(String(describing: error))
        }
        return sink.finish()
    }

    /// Encodes `value` into a document, handed back as its key table and the
    /// chunks of its body: the document is all of them one after the other.
    public static func encodeParts<T: Encodable>(_ value: T) throws(CodecError) -> (keyTable: [UInt8], body: [[UInt8]]) {
        let sink = EncodingSink()
        do {
            try sink.encodeValue(value)
        } catch let e as CodecError {
            throw e
        } catch {
            throw .invalidValue(String(describing: error))
        }
        return sink.finishParts()
    }

    /// Decodes a document, refusing anything malformed; never traps.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8],
                                            limits: DecodeLimits = .default) throws(CodecError) -> T {
        if bytes.count > limits.maxSize { throw .tooLarge(size: bytes.count, limit: limits.maxSize) }
        do {
            let source = try DecodingSource(bytes: bytes, limits: limits)
            let root = source.rootOffset
            let end = try source.skip(at: root, depth: 0)
            if end != bytes.count { throw CodecError.trailingBytes(count: bytes.count - end) }
            let decoder = ValueDecoder(source: source, offset: root, codingPath: [], depth: 0)
            return try T(from: decoder)
        } catch let e as CodecError {
            throw e
        } catch let e as DecodingError {
            throw .invalidValue(describe(e))
        } catch {
            throw .invalidValue(String(describing: error))
        }
    }

    static func describe(_ e: DecodingError) -> String {
        switch e {
        case .dataCorrupted(let c): return "\(pathString(c.codingPath)): \(c.debugDescription)"
        case .keyNotFound(let k, let c): return "\(pathString(c.codingPath)): missing key '\(k.stringValue)'"
        case .typeMismatch(_, let c): return "\(pathString(c.codingPath)): \(c.debugDescription)"
        case .valueNotFound(_, let c): return "\(pathString(c.codingPath)): \(c.debugDescription)"
        @unknown default: return String(describing: e)
        }
    }

    static func pathString(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

// MARK: - Varints and fixed-width helpers

@inline(__always)
func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
    var v = v
    while v >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
}

@inline(__always)
func appendU32(_ v: UInt32, to out: inout [UInt8]) {
    out.append(UInt8(truncatingIfNeeded: v))
    out.append(UInt8(truncatingIfNeeded: v >> 8))
    out.append(UInt8(truncatingIfNeeded: v >> 16))
    out.append(UInt8(truncatingIfNeeded: v >> 24))
}
