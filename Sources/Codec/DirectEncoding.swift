// A fast path for the types a document holds by the hundred thousand.
//
// Through Encoder, every value costs a boxed container, generic dispatch on
// every field and a dynamic cast per leaf: about 150 ns a value, a third of
// compiling a configuration of 100,000 real servers. A type that adopts
// `CodecDirectEncodable` writes the same bytes straight into the encoder's
// buffer, its fields dispatched at compile time. Its `encode(to: Encoder)`
// stays the reference (other encoders use it, and decoding reads what it
// writes): each direct `encode(to:)` sits beside it, lists the same keys in
// the same order, and tests compare the two byte for byte
// (`Codec.encode(_:directPaths: false)`).

/// A value that can write its Codec encoding itself: exactly the bytes that
/// its `encode(to: Encoder)` writes through Codec's encoder.
public protocol CodecDirectEncodable: Encodable {
    func encode(to writer: CodecWriter) throws
}

/// Writes one value into a Codec document.
///
/// The writers hold the encoder's sink unowned(unsafe): they exist only
/// while `Codec.encode` runs, which holds it, and a counted reference cost
/// a retain and a release on every entry written.
public struct CodecWriter {
    unowned(unsafe) let sink: EncodingSink

    public func encode(_ v: String) { sink.writeString(v) }
    public func encode(_ v: Bool) { sink.body.append(v ? Tag.true.rawValue : Tag.false.rawValue) }
    public func encode(_ v: Int) { sink.writeInt(Int64(v)) }
    public func encode(_ v: Int64) { sink.writeInt(v) }
    public func encode(_ v: Int32) { sink.writeInt(Int64(v)) }
    public func encode(_ v: UInt64) { sink.writeUInt(v) }
    public func encode(_ v: UInt32) { sink.writeUInt(UInt64(v)) }
    public func encode(_ v: UInt16) { sink.writeUInt(UInt64(v)) }
    public func encode(_ v: UInt8) { sink.writeUInt(UInt64(v)) }
    public func encode(_ v: Double) { sink.writeDouble(v) }
    public func encodeNil() { sink.body.append(Tag.null.rawValue) }

    /// A value of any type: directly when it can, else through Encoder.
    public func encode<T: Encodable>(_ v: T) throws { try sink.encodeValue(v) }

    public func encode<T: CodecDirectEncodable>(_ v: T) throws {
        let start = sink.body.count
        try v.encode(to: self)
        sink.close(from: start)
    }

    /// Opens a keyed container (the writer's value is that container).
    public func keyedContainer<Key: CodingKey>(_ type: Key.Type) -> CodecKeyedWriter<Key> {
        CodecKeyedWriter(sink: sink, header: sink.openContainer(.keyed), slots: sink.slots(for: Key.self))
    }

    /// Opens an unkeyed container (the writer's value is that container).
    public func unkeyedContainer() -> CodecUnkeyedWriter {
        CodecUnkeyedWriter(sink: sink, header: sink.openContainer(.unkeyed))
    }
}

/// The entries of a keyed container, as KeyedEncodingContainer writes them.
public struct CodecKeyedWriter<Key: CodingKey> {
    unowned(unsafe) let sink: EncodingSink
    let header: Int
    let slots: KeySlots?

    /// Starts the entry for `key`: counts it and writes the key's index.
    func entry(_ key: Key) -> CodecWriter {
        sink.bumpCount(header)
        sink.body.appendVarint(UInt64(sink.keyIndex(key, slots: slots)))
        return CodecWriter(sink: sink)
    }

    public func encode(_ v: String, forKey k: Key) { entry(k).encode(v) }
    public func encode(_ v: Bool, forKey k: Key) { entry(k).encode(v) }
    public func encode(_ v: Int, forKey k: Key) { entry(k).encode(v) }
    public func encode(_ v: Int64, forKey k: Key) { entry(k).encode(v) }
    public func encode(_ v: Int32, forKey k: Key) { entry(k).encode(v) }
    public func encode(_ v: UInt64, forKey k: Key) { entry(k).encode(v) }
    public func encode(_ v: UInt32, forKey k: Key) { entry(k).encode(v) }
    public func encode(_ v: UInt16, forKey k: Key) { entry(k).encode(v) }
    public func encode(_ v: UInt8, forKey k: Key) { entry(k).encode(v) }
    public func encode<T: CodecDirectEncodable>(_ v: T, forKey k: Key) throws { try entry(k).encode(v) }
    public func encode<T: Encodable>(_ v: T, forKey k: Key) throws { try entry(k).encode(v) }

    public func encodeIfPresent(_ v: String?, forKey k: Key) { if let v { encode(v, forKey: k) } }
    public func encodeIfPresent(_ v: Bool?, forKey k: Key) { if let v { encode(v, forKey: k) } }
    public func encodeIfPresent(_ v: Int?, forKey k: Key) { if let v { encode(v, forKey: k) } }
    public func encodeIfPresent(_ v: Int32?, forKey k: Key) { if let v { encode(v, forKey: k) } }
    public func encodeIfPresent(_ v: UInt32?, forKey k: Key) { if let v { encode(v, forKey: k) } }
    public func encodeIfPresent(_ v: UInt16?, forKey k: Key) { if let v { encode(v, forKey: k) } }
    public func encodeIfPresent(_ v: UInt8?, forKey k: Key) { if let v { encode(v, forKey: k) } }
    public func encodeIfPresent<T: CodecDirectEncodable>(_ v: T?, forKey k: Key) throws {
        if let v { try encode(v, forKey: k) }
    }
    public func encodeIfPresent<T: Encodable>(_ v: T?, forKey k: Key) throws {
        if let v { try encode(v, forKey: k) }
    }
}

/// The elements of an unkeyed container.
public struct CodecUnkeyedWriter {
    unowned(unsafe) let sink: EncodingSink
    let header: Int

    /// Starts the next element.
    public func element() -> CodecWriter {
        sink.bumpCount(header)
        return CodecWriter(sink: sink)
    }
}

// MARK: - The standard types, as EncodingSink's fast paths write them

extension String: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(self) }
}

extension Bool: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(self) }
}

extension Int: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(self) }
}

extension Int64: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(self) }
}

extension Int32: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(self) }
}

extension UInt64: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(self) }
}

extension UInt32: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(self) }
}

extension UInt16: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(self) }
}

extension UInt8: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(self) }
}

extension Double: CodecDirectEncodable {
    public func encode(to w: CodecWriter) { w.encode(self) }
}

extension Optional: CodecDirectEncodable where Wrapped: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        if let v = self { try v.encode(to: w) } else { w.encodeNil() }
    }
}

extension Array: CodecDirectEncodable where Element: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        // [UInt8] is raw bytes, as EncodingSink.encodeValue writes it.
        if Element.self == UInt8.self {
            w.sink.writeBytes(unsafeBitCast(self, to: [UInt8].self))
            return
        }
        let c = w.unkeyedContainer()
        // Through the buffer, so that each element is borrowed, not copied.
        try withUnsafeBufferPointer { elements in
            for i in elements.indices { try c.element().encode(elements[i]) }
        }
    }
}

extension ClosedRange: CodecDirectEncodable where Bound: CodecDirectEncodable {
    public func encode(to w: CodecWriter) throws {
        let c = w.unkeyedContainer()
        try c.element().encode(lowerBound)
        try c.element().encode(upperBound)
    }
}
