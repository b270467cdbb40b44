// A small JSON encoder for the model (no Foundation): keys in snake_case so
// each value appears under its keepalived keyword, Interval as decimal
// seconds, keys in declaration order, two-space indentation. Absent
// optionals are left out.

import ConfigModel

/// A value tree built by the encoder and printed afterwards. Arrays and
/// objects grow in place (a configuration may have 100,000 real servers).
final class JSONNode {
    enum Kind {
        case null
        case bool(Bool)
        /// Already formatted (integers, doubles, intervals).
        case number(String)
        case string(String)
        case array
        case object
    }
    var kind: Kind
    var items: [JSONNode] = []
    var fields: [(String, JSONNode)] = []
    init(_ kind: Kind) { self.kind = kind }

    func append(_ n: JSONNode) { items.append(n) }

    func set(_ key: String, _ n: JSONNode) {
        // Keys arrive once each from synthesized Codable; a repeat replaces.
        if let last = fields.last, last.0 == key { fields[fields.count - 1].1 = n; return }
        fields.append((key, n))
    }

    /// Replaces this node's content with another's.
    func take(_ other: JSONNode) {
        kind = other.kind
        items = other.items
        fields = other.fields
    }
}

public enum JSONDump {
    /// `value` as pretty-printed JSON.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        let root = try JSONTreeEncoder.node(for: value, path: [])
        var out = ""
        write(root, indent: 0, into: &out)
        out.append("\n")
        return out
    }

    /// camelCase -> snake_case; keys with no lower-case letter (HTTP_GET,
    /// SSL) and keys already spelled as keywords (flag-1) are kept.
    public static func snakeCase(_ key: String) -> String {
        guard key.contains(where: { $0.isLowercase }), key.contains(where: { $0.isUppercase }) else { return key }
        var out = ""
        var previous: Character?
        for ch in key {
            if ch.isUppercase {
                if let p = previous, p.isLowercase || p.isNumber { out.append("_") }
                out.append(contentsOf: ch.lowercased())
            } else {
                out.append(ch)
            }
            previous = ch
        }
        return out
    }

    static func write(_ n: JSONNode, indent: Int, into out: inout String) {
        switch n.kind {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let s): out += s
        case .string(let s): quote(s, into: &out)
        case .array:
            let a = n.items
            if a.isEmpty { out += "[]"; return }
            if a.allSatisfy({ $0.isScalar }) {
                out += "["
                for (i, e) in a.enumerated() {
                    if i > 0 { out += ", " }
                    write(e, indent: indent, into: &out)
                }
                out += "]"
                return
            }
            out += "[\n"
            for (i, e) in a.enumerated() {
                out += String(repeating: "  ", count: indent + 1)
                write(e, indent: indent + 1, into: &out)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "]"
        case .object:
            let o = n.fields
            if o.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (k, v)) in o.enumerated() {
                out += String(repeating: "  ", count: indent + 1)
                quote(k, into: &out)
                out += ": "
                write(v, indent: indent + 1, into: &out)
                out += i == o.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out.append("\"")
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out.append("\"")
    }
}

extension JSONNode {
    var isScalar: Bool {
        switch kind {
        case .array, .object: return false
        default: return true
        }
    }
}

/// The Encoder behind JSONDump.
final class JSONTreeEncoder: Encoder {
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var root: JSONNode?

    init(path: [any CodingKey]) { codingPath = path }

    static func node<T: Encodable>(for value: T, path: [any CodingKey]) throws -> JSONNode {
        if let i = value as? Interval { return JSONNode(.number(i.description)) }
        let e = JSONTreeEncoder(path: path)
        try value.encode(to: e)
        return e.root ?? JSONNode(.object)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let n: JSONNode
        if let r = root, case .object = r.kind { n = r } else { n = JSONNode(.object); root = n }
        return KeyedEncodingContainer(Keyed<Key>(node: n, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let n: JSONNode
        if let r = root, case .array = r.kind { n = r } else { n = JSONNode(.array); root = n }
        return Unkeyed(node: n, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoder: self) }

    static func number<T: CustomStringConvertible>(_ v: T) -> JSONNode { JSONNode(.number(v.description)) }

    static func double(_ d: Double) -> JSONNode {
        d.isFinite ? JSONNode(.number(d.description)) : JSONNode(.string(d.description))
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: JSONNode
        var codingPath: [any CodingKey]

        func k(_ key: Key) -> String { JSONDump.snakeCase(key.stringValue) }

        mutating func encodeNil(forKey key: Key) throws { node.set(k(key), JSONNode(.null)) }
        mutating func encode(_ v: Bool, forKey key: Key) throws { node.set(k(key), JSONNode(.bool(v))) }
        mutating func encode(_ v: String, forKey key: Key) throws { node.set(k(key), JSONNode(.string(v))) }
        mutating func encode(_ v: Double, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.double(v)) }
        mutating func encode(_ v: Float, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.double(Double(v))) }
        mutating func encode(_ v: Int, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int8, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int16, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int32, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int64, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt8, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt16, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt32, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt64, forKey key: Key) throws { node.set(k(key), JSONTreeEncoder.number(v)) }
        mutating func encode<T: Encodable>(_ v: T, forKey key: Key) throws {
            node.set(k(key), try JSONTreeEncoder.node(for: v, path: codingPath + [key]))
        }
        mutating func nestedContainer<NK: CodingKey>(keyedBy type: NK.Type, forKey key: Key) -> KeyedEncodingContainer<NK> {
            let n = JSONNode(.object)
            node.set(k(key), n)
            return KeyedEncodingContainer(Keyed<NK>(node: n, codingPath: codingPath + [key]))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let n = JSONNode(.array)
            node.set(k(key), n)
            return Unkeyed(node: n, codingPath: codingPath + [key])
        }
        mutating func superEncoder() -> any Encoder { SubEncoder(parent: node, key: "super", codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { SubEncoder(parent: node, key: k(key), codingPath: codingPath) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: JSONNode
        var codingPath: [any CodingKey]
        var count: Int { node.items.count }

        mutating func encodeNil() throws { node.append(JSONNode(.null)) }
        mutating func encode(_ v: Bool) throws { node.append(JSONNode(.bool(v))) }
        mutating func encode(_ v: String) throws { node.append(JSONNode(.string(v))) }
        mutating func encode(_ v: Double) throws { node.append(JSONTreeEncoder.double(v)) }
        mutating func encode(_ v: Float) throws { node.append(JSONTreeEncoder.double(Double(v))) }
        mutating func encode(_ v: Int) throws { node.append(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int8) throws { node.append(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int16) throws { node.append(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int32) throws { node.append(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int64) throws { node.append(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt) throws { node.append(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt8) throws { node.append(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt16) throws { node.append(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt32) throws { node.append(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt64) throws { node.append(JSONTreeEncoder.number(v)) }
        mutating func encode<T: Encodable>(_ v: T) throws {
            node.append(try JSONTreeEncoder.node(for: v, path: codingPath))
        }
        mutating func nestedContainer<NK: CodingKey>(keyedBy type: NK.Type) -> KeyedEncodingContainer<NK> {
            let n = JSONNode(.object)
            node.append(n)
            return KeyedEncodingContainer(Keyed<NK>(node: n, codingPath: codingPath))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let n = JSONNode(.array)
            node.append(n)
            return Unkeyed(node: n, codingPath: codingPath)
        }
        mutating func superEncoder() -> any Encoder {
            let n = JSONNode(.null)
            node.append(n)
            return SubEncoder(parent: nil, key: "", codingPath: codingPath, target: n)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let encoder: JSONTreeEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        func put(_ n: JSONNode) { encoder.root = n }
        mutating func encodeNil() throws { put(JSONNode(.null)) }
        mutating func encode(_ v: Bool) throws { put(JSONNode(.bool(v))) }
        mutating func encode(_ v: String) throws { put(JSONNode(.string(v))) }
        mutating func encode(_ v: Double) throws { put(JSONTreeEncoder.double(v)) }
        mutating func encode(_ v: Float) throws { put(JSONTreeEncoder.double(Double(v))) }
        mutating func encode(_ v: Int) throws { put(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int8) throws { put(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int16) throws { put(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int32) throws { put(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: Int64) throws { put(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt) throws { put(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt8) throws { put(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt16) throws { put(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt32) throws { put(JSONTreeEncoder.number(v)) }
        mutating func encode(_ v: UInt64) throws { put(JSONTreeEncoder.number(v)) }
        mutating func encode<T: Encodable>(_ v: T) throws { put(try JSONTreeEncoder.node(for: v, path: codingPath)) }
    }
}

/// An encoder whose result lands under `key` of `parent` (superEncoder).
final class SubEncoder: Encoder {
    let inner: JSONTreeEncoder
    let parent: JSONNode?
    let key: String
    let target: JSONNode?
    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(parent: JSONNode?, key: String, codingPath: [any CodingKey], target: JSONNode? = nil) {
        inner = JSONTreeEncoder(path: codingPath)
        self.parent = parent
        self.key = key
        self.target = target
    }

    deinit {
        guard let r = inner.root else { return }
        if let target { target.take(r) } else { parent?.set(key, r) }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { inner.container(keyedBy: type) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { inner.unkeyedContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { inner.singleValueContainer() }
}
