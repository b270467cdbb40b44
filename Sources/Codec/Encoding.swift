// Encoder side of the format described in Format.swift. All containers write
// into one shared buffer; container counts are patched as entries are added,
// and a container's byte length when it is closed: when the value that
// opened it is done, or when an entry is added to a container it is nested
// in (Codable has no "close"; containers nest strictly in one buffer).

/// Key-table indexes for one CodingKey type, by the key's byte: 256 entries,
/// -1 until known. Only for key types of at most one byte (the synthesized
/// `CodingKeys` enums): such a value is entirely its byte, so the byte
/// identifies the key and its `stringValue` need not be hashed again for
/// every field written. Owned by the sink's state, freed with it.
typealias KeySlots = UnsafeMutablePointer<Int32>

/// The body being written, in chunks of at most 1 MiB: growing never copies
/// what is written, and leaves no outgrown buffers behind. (A doubling
/// [UInt8] did both: on a 13 MB compiled configuration, glibc kept 12 MB of
/// freed buffers resident.) Every chunk but the last is full, so byte i is
/// in chunk i >> 20.
struct ByteChunks {
    static let chunkShift = 20
    static let chunkSize = 1 << chunkShift
    private(set) var full: [[UInt8]] = []
    /// The chunk being filled; a small document never leaves it.
    private(set) var last: [UInt8] = []

    var count: Int { full.count << Self.chunkShift + last.count }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        if last.count == Self.chunkSize { startChunk() }
        last.append(b)
    }

    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        var rest = bytes[...]
        while !rest.isEmpty {
            if last.count == Self.chunkSize { startChunk() }
            let n = min(rest.count, Self.chunkSize - last.count)
            last.append(contentsOf: rest.prefix(n))
            rest = rest.dropFirst(n)
        }
    }

    mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func appendVarint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    mutating func appendU32(_ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    private mutating func startChunk() {
        full.append(last)
        last = []
        last.reserveCapacity(Self.chunkSize)
    }

    subscript(i: Int) -> UInt8 {
        get {
            let c = i >> Self.chunkShift
            return c < full.count ? full[c][i & (Self.chunkSize - 1)] : last[i & (Self.chunkSize - 1)]
        }
        set {
            let c = i >> Self.chunkShift
            if c < full.count { full[c][i & (Self.chunkSize - 1)] = newValue } else { last[i & (Self.chunkSize - 1)] = newValue }
        }
    }

    func u32(at i: Int) -> UInt32 {
        UInt32(self[i]) | UInt32(self[i + 1]) << 8 | UInt32(self[i + 2]) << 16 | UInt32(self[i + 3]) << 24
    }

    mutating func storeU32(_ v: UInt32, at i: Int) {
        let c = i >> Self.chunkShift, o = i & (Self.chunkSize - 1)
        guard o + 4 <= Self.chunkSize else {
            // Across two chunks.
            for k in 0..<4 { self[i + k] = UInt8(truncatingIfNeeded: v >> UInt32(8 * k)) }
            return
        }
        func store(_ bytes: inout [UInt8]) {
            bytes.withUnsafeMutableBytes { $0.storeBytes(of: v.littleEndian, toByteOffset: o, as: UInt32.self) }
        }
        if c < full.count { store(&full[c]) } else { store(&last) }
    }

    /// The chunks in order.
    var chunks: [[UInt8]] { last.isEmpty ? full : full + [last] }
}

/// Everything an encoding writes, behind one pointer that the writers
/// share. Through a class reference, every field written cost a retain and
/// a release of the encoder (a third of encoding a large configuration); a
/// pointer costs nothing. `EncodingSink` owns it for the encoding's length.
struct SinkState {
    var body = ByteChunks()
    var keys: [String] = []
    var keyIndex: [String: Int] = [:]
    var slotTables: [ObjectIdentifier: KeySlots] = [:]
    /// The containers not yet closed, innermost last: where each header is
    /// and how many entries it has so far (stored into the header on close).
    var open: [(header: Int, count: UInt32)] = []
    /// Whether CodecDirectEncodable values write themselves (tests turn
    /// this off to compare with what they write through Encoder).
    var directPaths = true
    /// The sink that owns this state, for values written through Encoder.
    unowned(unsafe) var sink: EncodingSink?

    mutating func slots<Key: CodingKey>(for type: Key.Type) -> KeySlots? {
        guard MemoryLayout<Key>.size <= 1 else { return nil }
        let id = ObjectIdentifier(type)
        if let t = slotTables[id] { return t }
        let t = KeySlots.allocate(capacity: 256)
        t.initialize(repeating: -1, count: 256)
        slotTables[id] = t
        return t
    }

    /// The key-table index of `key`, through `slots` when its type has them.
    @inline(__always)
    mutating func keyIndex<Key: CodingKey>(_ key: Key, slots: KeySlots?) -> Int {
        guard let slots else { return Int(self.key(key)) }
        let byte = Int(withUnsafeBytes(of: key) { $0.first ?? 0 })
        let cached = slots[byte]
        if cached >= 0 { return Int(cached) }
        let index = Int(self.key(key))
        slots[byte] = Int32(index)
        return index
    }

    mutating func key(_ k: some CodingKey) -> UInt64 {
        let s = k.stringValue
        if let i = keyIndex[s] { return UInt64(i) }
        let i = keys.count
        keys.append(s)
        keyIndex[s] = i
        return UInt64(i)
    }

    /// Writes a container header (tag, count 0, length placeholder); returns its offset.
    mutating func openContainer(_ tag: Tag) -> Int {
        let at = body.count
        body.append(tag.rawValue)
        body.appendU32(0)
        body.appendU32(0)
        open.append((at, 0))
        return at
    }

    /// Closes the open containers whose header is at or after `offset`,
    /// storing each one's entry count and body length.
    @inline(__always)
    mutating func close(from offset: Int) {
        while let top = open.last, top.header >= offset {
            body.storeU32(top.count, at: top.header + 1)
            body.storeU32(UInt32(truncatingIfNeeded: body.count - top.header - 9), at: top.header + 5)
            open.removeLast()
        }
    }

    /// Counts one more entry of the container at `header`; containers opened
    /// after it are complete by now.
    @inline(__always)
    mutating func bumpCount(_ header: Int) {
        if let top = open.last, top.header != header { close(from: header + 1) }
        if let top = open.last, top.header == header {
            open[open.count - 1].count = top.count &+ 1
        } else {
            // An entry for a container already closed (Codable cannot stop
            // that): counted in its header, as it always was.
            body.storeU32(body.u32(at: header + 1) &+ 1, at: header + 1)
        }
    }

    /// Starts the entry for `key` of the keyed container at `header`.
    @inline(__always)
    mutating func entry<Key: CodingKey>(_ key: Key, of header: Int, slots: KeySlots?) {
        bumpCount(header)
        body.appendVarint(UInt64(keyIndex(key, slots: slots)))
    }

    mutating func writeBool(_ v: Bool) { body.append(v ? Tag.true.rawValue : Tag.false.rawValue) }

    mutating func writeUInt(_ v: UInt64) {
        body.append(Tag.unsigned.rawValue)
        body.appendVarint(v)
    }

    mutating func writeInt(_ v: Int64) {
        if v >= 0 {
            writeUInt(UInt64(v))
        } else {
            body.append(Tag.negative.rawValue)
            // -(m+1) == v  =>  m == ~v  (no overflow at Int64.min)
            body.appendVarint(UInt64(bitPattern: ~v))
        }
    }

    mutating func writeDouble(_ v: Double) {
        body.append(Tag.double.rawValue)
        let bits = v.bitPattern
        for s in stride(from: 0, to: 64, by: 8) { body.append(UInt8(truncatingIfNeeded: bits >> UInt64(s))) }
    }

    mutating func writeString(_ s: String) {
        body.append(Tag.string.rawValue)
        var s = s
        s.withUTF8 { u in
            body.appendVarint(UInt64(u.count))
            body.append(contentsOf: u)
        }
    }

    mutating func writeBytes(_ b: [UInt8]) {
        body.append(Tag.bytes.rawValue)
        body.appendVarint(UInt64(b.count))
        body.append(contentsOf: b)
    }
}

final class EncodingSink {
    let state: UnsafeMutablePointer<SinkState>

    init() {
        state = .allocate(capacity: 1)
        state.initialize(to: SinkState())
        state.pointee.sink = self
    }

    deinit {
        for t in state.pointee.slotTables.values { t.deallocate() }
        state.deinitialize(count: 1)
        state.deallocate()
    }

    func encodeValue<T: Encodable>(_ value: T) throws {
        let st = state
        // Fast paths keep the common leaf types out of the generic machinery.
        // (Type identity, not `as?`: an empty [T] casts to [UInt8]. The
        // bit casts are to the type just compared equal.)
        if T.self == String.self { st.pointee.writeString(unsafeBitCast(value, to: String.self)); return }
        if T.self == Int.self { st.pointee.writeInt(Int64(unsafeBitCast(value, to: Int.self))); return }
        if T.self == Bool.self { st.pointee.writeBool(unsafeBitCast(value, to: Bool.self)); return }
        if T.self == [UInt8].self { st.pointee.writeBytes(unsafeBitCast(value, to: [UInt8].self)); return }
        if T.self == UInt8.self { st.pointee.writeUInt(UInt64(unsafeBitCast(value, to: UInt8.self))); return }
        if T.self == UInt16.self { st.pointee.writeUInt(UInt64(unsafeBitCast(value, to: UInt16.self))); return }
        if T.self == UInt32.self { st.pointee.writeUInt(UInt64(unsafeBitCast(value, to: UInt32.self))); return }
        if T.self == UInt64.self { st.pointee.writeUInt(unsafeBitCast(value, to: UInt64.self)); return }
        if T.self == Int32.self { st.pointee.writeInt(Int64(unsafeBitCast(value, to: Int32.self))); return }
        if T.self == Double.self { st.pointee.writeDouble(unsafeBitCast(value, to: Double.self)); return }
        let start = st.pointee.body.count
        if st.pointee.directPaths, let direct = value as? any CodecDirectEncodable {
            try direct.encode(to: CodecWriter(state: st))
            st.pointee.close(from: start)
            return
        }
        let encoder = ValueEncoder(sink: self)
        try value.encode(to: encoder)
        // A value that wrote nothing (an empty struct) is an empty keyed container.
        if st.pointee.body.count == start { _ = st.pointee.openContainer(.keyed) }
        st.pointee.close(from: start)
    }

    /// Key table + body.
    func finish() -> [UInt8] {
        let (table, chunks) = finishParts()
        var out = table
        out.reserveCapacity(table.count + state.pointee.body.count)
        for c in chunks { out += c }
        return out
    }

    /// The key table and the body's chunks apart, so a large document can
    /// be written without first copying it into one buffer.
    func finishParts() -> (keyTable: [UInt8], body: [[UInt8]]) {
        state.pointee.close(from: 0)
        var table: [UInt8] = []
        let keys = state.pointee.keys
        table.reserveCapacity(keys.count * 12 + 8)
        appendVarint(UInt64(keys.count), to: &table)
        for var k in keys {
            k.withUTF8 { u in
                appendVarint(UInt64(u.count), to: &table)
                table.append(contentsOf: u)
            }
        }
        return (table, state.pointee.body.chunks)
    }
}

// The encoder side keeps no coding path: building one costs an array per
// value (a third of the encoding time of a large configuration), and the
// only errors here are a value's own, which name themselves.
struct ValueEncoder: Encoder {
    let sink: EncodingSink
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedWriter<Key>(sink: sink, header: sink.state.pointee.openContainer(.keyed)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedWriter(sink: sink, header: sink.state.pointee.openContainer(.unkeyed))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleWriter(sink: sink)
    }
}

struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: EncodingSink
    let header: Int
    /// Key-table indexes of this Key type, by the key's one-byte value (see KeySlots).
    let slots: KeySlots?
    var codingPath: [any CodingKey] { [] }

    init(sink: EncodingSink, header: Int) {
        self.sink = sink
        self.header = header
        slots = sink.state.pointee.slots(for: Key.self)
    }

    private func entry(_ key: Key) {
        sink.state.pointee.entry(key, of: header, slots: slots)
    }

    mutating func encodeNil(forKey key: Key) throws { entry(key); sink.state.pointee.body.append(Tag.null.rawValue) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { entry(key); sink.state.pointee.body.append(value ? Tag.true.rawValue : Tag.false.rawValue) }
    mutating func encode(_ value: String, forKey key: Key) throws { entry(key); sink.state.pointee.writeString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { entry(key); sink.state.pointee.writeDouble(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { entry(key); sink.state.pointee.writeDouble(Double(value)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { entry(key); sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { entry(key); sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { entry(key); sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { entry(key); sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { entry(key); sink.state.pointee.writeInt(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { entry(key); sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { entry(key); sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { entry(key); sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { entry(key); sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { entry(key); sink.state.pointee.writeUInt(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        entry(key)
        try sink.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        entry(key)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(sink: sink, header: sink.state.pointee.openContainer(.keyed)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        entry(key)
        return UnkeyedWriter(sink: sink, header: sink.state.pointee.openContainer(.unkeyed))
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        entry(key)
        return ValueEncoder(sink: sink)
    }
}

struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ i: Int) { intValue = i }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { guard let i = Int(stringValue) else { return nil }; intValue = i }
}

struct UnkeyedWriter: UnkeyedEncodingContainer {
    let sink: EncodingSink
    let header: Int
    var codingPath: [any CodingKey] { [] }
    var count: Int = 0

    init(sink: EncodingSink, header: Int) {
        self.sink = sink
        self.header = header
    }

    private mutating func element() {
        sink.state.pointee.bumpCount(header)
        count += 1
    }

    mutating func encodeNil() throws { element(); sink.state.pointee.body.append(Tag.null.rawValue) }
    mutating func encode(_ value: Bool) throws { element(); sink.state.pointee.body.append(value ? Tag.true.rawValue : Tag.false.rawValue) }
    mutating func encode(_ value: String) throws { element(); sink.state.pointee.writeString(value) }
    mutating func encode(_ value: Double) throws { element(); sink.state.pointee.writeDouble(value) }
    mutating func encode(_ value: Float) throws { element(); sink.state.pointee.writeDouble(Double(value)) }
    mutating func encode(_ value: Int) throws { element(); sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int8) throws { element(); sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int16) throws { element(); sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int32) throws { element(); sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int64) throws { element(); sink.state.pointee.writeInt(value) }
    mutating func encode(_ value: UInt) throws { element(); sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { element(); sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { element(); sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { element(); sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { element(); sink.state.pointee.writeUInt(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        element()
        try sink.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        element()
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(sink: sink, header: sink.state.pointee.openContainer(.keyed)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        element()
        return UnkeyedWriter(sink: sink, header: sink.state.pointee.openContainer(.unkeyed))
    }

    mutating func superEncoder() -> any Encoder {
        element()
        return ValueEncoder(sink: sink)
    }
}

struct SingleWriter: SingleValueEncodingContainer {
    let sink: EncodingSink
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { sink.state.pointee.body.append(Tag.null.rawValue) }
    mutating func encode(_ value: Bool) throws { sink.state.pointee.body.append(value ? Tag.true.rawValue : Tag.false.rawValue) }
    mutating func encode(_ value: String) throws { sink.state.pointee.writeString(value) }
    mutating func encode(_ value: Double) throws { sink.state.pointee.writeDouble(value) }
    mutating func encode(_ value: Float) throws { sink.state.pointee.writeDouble(Double(value)) }
    mutating func encode(_ value: Int) throws { sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int8) throws { sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int16) throws { sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int32) throws { sink.state.pointee.writeInt(Int64(value)) }
    mutating func encode(_ value: Int64) throws { sink.state.pointee.writeInt(value) }
    mutating func encode(_ value: UInt) throws { sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { sink.state.pointee.writeUInt(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { sink.state.pointee.writeUInt(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try sink.encodeValue(value) }
}
