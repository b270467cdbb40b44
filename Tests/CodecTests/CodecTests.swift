import Testing
@testable import Codec

struct Inner: Codable, Equatable {
    var name: String
    var weight: Int32
    var note: String?
}

enum Shape: Codable, Equatable {
    case none
    case circle(radius: Double)
    case box(w: UInt16, h: UInt16, label: String?)
    case nested(Inner)
}

enum Kind: String, Codable { case a, b }

struct Outer: Codable, Equatable {
    var id: UInt64
    var negative: Int64
    var flags: [Bool]
    var items: [Inner]
    var shapes: [Shape]
    var map: [String: Int]
    var bytes: [UInt8]
    var optionalList: [Int?]
    var kind: Kind
    var interval: Duration
    var empty: Empty
    struct Empty: Codable, Equatable {}
}

func sample(_ seed: Int) -> Outer {
    var rng = SplitMix(seed: UInt64(seed))
    func str() -> String {
        let n = Int(rng.next() % 12)
        return String((0..<n).map { _ in Character(Unicode.Scalar(UInt8(97 + rng.next() % 26))) }) + (rng.next() % 5 == 0 ? "é😀" : "")
    }
    let items = (0..<Int(rng.next() % 5)).map { _ in
        Inner(name: str(), weight: Int32(truncatingIfNeeded: rng.next()), note: rng.next() % 2 == 0 ? nil : str())
    }
    let shapes: [Shape] = (0..<Int(rng.next() % 6)).map { _ in
        switch rng.next() % 4 {
        case 0: return .none
        case 1: return .circle(radius: Double(rng.next() % 1000) / 7)
        case 2: return .box(w: UInt16(truncatingIfNeeded: rng.next()), h: 3, label: rng.next() % 2 == 0 ? nil : str())
        default: return .nested(Inner(name: str(), weight: -1, note: nil))
        }
    }
    var map: [String: Int] = [:]
    for _ in 0..<Int(rng.next() % 4) { map[str()] = Int(truncatingIfNeeded: rng.next()) }
    return Outer(id: rng.next(), negative: Int64(bitPattern: rng.next()) | Int64.min,
                 flags: (0..<Int(rng.next() % 4)).map { _ in rng.next() % 2 == 0 },
                 items: items, shapes: shapes, map: map,
                 bytes: (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
                 optionalList: [1, nil, 3, nil], kind: rng.next() % 2 == 0 ? .a : .b,
                 interval: .milliseconds(Int64(rng.next() % 100000)), empty: .init())
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct CodecRoundTrip {
    @Test func generatedValuesSurviveEncodeDecode() throws {
        for seed in 0..<500 {
            let v = sample(seed)
            let bytes = try Codec.encode(v)
            let back = try Codec.decode(Outer.self, from: bytes)
            #expect(back == v, "seed \(seed)")
        }
    }

    @Test func integerExtremesRoundTrip() throws {
        for v in [Int64.min, -1, 0, 1, Int64.max] {
            #expect(try Codec.decode(Int64.self, from: Codec.encode(v)) == v)
        }
        #expect(try Codec.decode(UInt64.self, from: Codec.encode(UInt64.max)) == .max)
    }

    @Test func goldenBytesForASmallStruct() throws {
        let bytes = try Codec.encode(Inner(name: "a", weight: -2, note: nil))
        // keys: 2 ("name", "weight"); root keyed count 2 len 6: name "a", weight -(1+1)
        #expect(bytes == [2, 4] + Array("name".utf8) + [6] + Array("weight".utf8)
                + [0x07, 2, 0, 0, 0, 7, 0, 0, 0, 0, 0x06, 1, 0x61, 1, 0x04, 1])
    }
}

@Suite struct CodecRejectsMalformedInput {
    let good: [UInt8] = try! Codec.encode(sample(7))

    @Test func decoderRejectsTrailingByte() {
        #expect(throws: CodecError.trailingBytes(count: 1)) { try Codec.decode(Outer.self, from: good + [0]) }
    }

    @Test func decoderRejectsEveryTruncation() {
        for n in 0..<good.count {
            #expect(throws: CodecError.self) { try Codec.decode(Outer.self, from: Array(good.prefix(n))) }
        }
    }

    @Test func decoderRejectsIntegerOutOfRange() throws {
        let bytes = try Codec.encode(300)
        #expect(throws: CodecError.integerOutOfRange(type: "UInt8", at: 1)) { try Codec.decode(UInt8.self, from: bytes) }
        let neg = try Codec.encode(-1)
        #expect(throws: CodecError.self) { try Codec.decode(UInt32.self, from: neg) }
    }

    @Test func decoderRejectsUnknownTag() {
        #expect(throws: CodecError.badTag(0x7f, at: 1)) { try Codec.decode(Int.self, from: [0, 0x7f]) }
    }

    @Test func decoderRejectsOverlongVarint() {
        let bytes: [UInt8] = [0, 0x03] + Array(repeating: 0xff, count: 10) + [0x01]
        #expect(throws: CodecError.badVarint(at: 2)) { try Codec.decode(UInt64.self, from: bytes) }
    }

    @Test func decoderRejectsDeepNesting() throws {
        // 100 nested unkeyed containers, deeper than the default limit of 64.
        var body: [UInt8] = [0x00]
        for _ in 0..<100 {
            var c: [UInt8] = [0x08]
            appendU32(1, to: &c)
            appendU32(UInt32(body.count), to: &c)
            body = c + body
        }
        #expect(throws: CodecError.tooDeep(limit: 64)) { try Codec.decode([[Int?]].self, from: [0] + body) }
    }

    @Test func decoderRejectsWrongContainerLength() throws {
        var bytes = try Codec.encode([1, 2, 3])
        bytes[bytes.count - 7 - 4] &+= 1 // the length field of the root container
        #expect(throws: CodecError.self) { try Codec.decode([Int].self, from: bytes) }
    }

    @Test func decoderReportsMissingKey() throws {
        struct Small: Codable { var name: String }
        let bytes = try Codec.encode(Small(name: "x"))
        #expect(throws: CodecError.self) { try Codec.decode(Inner.self, from: bytes) }
    }

    @Test func decoderNeverTrapsOnRandomBytes() {
        var rng = SplitMix(seed: 42)
        for _ in 0..<5000 {
            var bytes = good
            for _ in 0..<Int(1 + rng.next() % 4) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            _ = try? Codec.decode(Outer.self, from: bytes)
        }
        for _ in 0..<2000 {
            let bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? Codec.decode(Outer.self, from: bytes)
        }
    }

    @Test func decoderRefusesOversizeInput() {
        #expect(throws: CodecError.tooLarge(size: 11, limit: 10)) {
            try Codec.decode([UInt8].self, from: Array(repeating: 0, count: 11), limits: DecodeLimits(maxSize: 10))
        }
    }
}

/// Inner, writing itself through the direct path.
struct DirectInner: Codable, Equatable, CodecDirectEncodable {
    var name: String
    var weight: Int32
    var note: String?
    var tags: [String] = []
    var raw: [UInt8] = []
    var ranges: [ClosedRange<Int>] = []
    var nested: [Inner] = []

    func encode(to w: CodecWriter) throws {
        let c = w.keyedContainer(CodingKeys.self)
        c.encode(name, forKey: .name)
        c.encode(weight, forKey: .weight)
        c.encodeIfPresent(note, forKey: .note)
        try c.encode(tags, forKey: .tags)
        try c.encode(raw, forKey: .raw)
        try c.encode(ranges, forKey: .ranges)
        try c.encode(nested, forKey: .nested)
    }
}

@Suite struct CodecDirectPath {
    @Test func directEncodingWritesWhatEncoderWrites() throws {
        var rng = SplitMix(seed: 3)
        for seed in 0..<200 {
            let base = sample(seed)
            let v = DirectInner(name: "n\(seed)", weight: Int32(truncatingIfNeeded: rng.next()),
                                note: seed % 2 == 0 ? nil : "x", tags: (0..<seed % 4).map { "t\($0)" },
                                raw: (0..<seed % 5).map { UInt8($0) }, ranges: seed % 3 == 0 ? [] : [1...2, 5...9],
                                nested: base.items)
            let values = [v, v]
            #expect(try Codec.encode(values) == Codec.encode(values, directPaths: false), "seed \(seed)")
            #expect(try Codec.decode([DirectInner].self, from: Codec.encode(values)) == values)
        }
    }

    @Test func aBodyLargerThanOneChunkRoundTrips() throws {
        // Three and a half chunks of strings and containers, lengths patched across chunk edges.
        let items = (0..<120_000).map { Inner(name: String(repeating: "x", count: $0 % 40), weight: Int32($0), note: nil) }
        let bytes = try Codec.encode(items)
        #expect(bytes.count > 3 << 20)
        #expect(try Codec.decode([Inner].self, from: bytes) == items)
        #expect(try bytes == Codec.encode(items, directPaths: false))
    }
}
