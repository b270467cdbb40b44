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
/// The writers hold the encoder's state by pointer (see SinkState): they
/// exist only while `Codec.encode` runs, which owns it.
public struct CodecWriter {
    let state: UnsafeMutablePointer<SinkState>

    public func encode(_ v: String) { state.pointee.writeString(v) }
    public func encode(_ v: Bool) { state.pointee.writeBool(v) }
    public func encode(_ v: Int) { state.pointee.writeInt(Int64(v)) }
    public func encode(_ v: Int64) { state.pointee.writeInt(v) }
    public func encode(_ v: Int32) { state.pointee.writeInt(Int64(v)) }
    public func encode(_ v: UInt64) { state.pointee.writeUInt(v) }
    public func encode(_ v: UInt32) { state.pointee.writeUInt(UInt64(v)) }
    public func encode(_ v: UInt16) { state.pointee.writeUInt(UInt64(v)) }
    public func encode(_ v: UInt8) { state.pointee.writeUInt(UInt64(v)) }
    public func encode(_ v: Double) { state.pointee.writeDouble(v) }
    public func encodeNil() { state.pointee.body.append(Tag.null.rawValue) }

    /// A value of any type: directly when it can, else through Encoder.
    public func encode<T: Encodable>(_ v: T) throws {
        guard let sink = state.pointee.sink else { return }
        try sink.encodeValue(v)
    }

    public func encode<T: CodecDirectEncodable>(_ v: T) throws {
        let start = state.pointee.body.count
        try v.encode(to: self)
        state.pointee.close(from: start)
    }

    /// Opens a keyed container (the writer's value is that container).
    public func keyedContainer<Key: CodingKey>(_ type: Key.Type) -> CodecKeyedWriter<Key> {
        CodecKeyedWriter(state: state, header: state.pointee.openContainer(.keyed), slots: state.pointee.slots(for: Key.self))
    }

    /// Opens an unkeyed container (the writer's value is that container).
    public func unkeyedContainer() -> CodecUnkeyedWriter {
        CodecUnkeyedWriter(state: state, header: state.pointee.openContainer(.unkeyed))
    }
}

/// The entries of a keyed container, as KeyedEncodingContainer writes them.
public struct CodecKeyedWriter<Key: CodingKey> {
    let state: UnsafeMutablePointer<SinkState>
    let header: Int
    let slots: KeySlots?

    /// Starts the entry for `key`: counts it and writes the key's index.
    @inline(__always)
    func entry(_ key: Key) -> CodecWriter {
        state.pointee.entry(key, of: header, slots: slots)
        return CodecWriter(state: state)
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
    let state: UnsafeMutablePointer<SinkState>
    let header: Int

    /// Starts the next element.
    public func element() -> CodecWriter {
        state.pointee.bumpCount(header)
        return CodecWriter(state: state)
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
            w.state.pointee.writeBytes(unsafeBitCast(self, to: [UInt8].self))
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
