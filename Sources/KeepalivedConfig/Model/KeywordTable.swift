// The keyword tables' lookup: every line of a configuration is looked up
// three times (the parser's section and keyword, the builder's keyword).
// Dictionary<String, _> hashes with a seeded SipHash, which cost a tenth of
// reading a large configuration; these tables are built once from a fixed
// set of keywords and hash with FNV-1a instead, in open addressing at most
// half full. A class, so that handing a section's table around costs one
// retain, not one per array inside it. Never changed once built.

final class KeywordTable<Value>: @unchecked Sendable {
    private let keys: [String?]
    private let values: [Value?]
    private let mask: Int
    /// The keywords, in the order given.
    let allKeys: [String]

    init(_ entries: [(String, Value)]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity <<= 1 }
        var keys = [String?](repeating: nil, count: capacity)
        var values = [Value?](repeating: nil, count: capacity)
        let mask = capacity - 1
        var order: [String] = []
        for (k, v) in entries {
            var i = Self.hash(k) & mask
            while let existing = keys[i], existing != k { i = (i + 1) & mask }
            if keys[i] == nil { order.append(k) }
            // A repeated keyword replaces the earlier one, as a Dictionary would.
            keys[i] = k
            values[i] = v
        }
        self.keys = keys
        self.values = values
        self.mask = mask
        allKeys = order
    }

    subscript(key: String) -> Value? {
        var i = Self.hash(key) & mask
        while let k = keys[i] {
            if k == key { return values[i] }
            i = (i + 1) & mask
        }
        return nil
    }

    var count: Int { allKeys.count }

    func mapValues<T>(_ f: (Value) -> T) -> KeywordTable<T> {
        var out: [(String, T)] = []
        for k in allKeys { if let v = self[k] { out.append((k, f(v))) } }
        return KeywordTable<T>(out)
    }

    @inline(__always)
    static func hash(_ s: String) -> Int {
        // Over the contiguous UTF-8 (native strings always have it):
        // iterating String.UTF8View byte by byte cost as much as SipHash.
        let h = s.utf8.withContiguousStorageIfAvailable(fnv1a) ?? fnv1a(Array(s.utf8))
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    @inline(__always)
    static func fnv1a(_ bytes: some Collection<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
