import Codec
import Testing
@testable import Wire

@Suite struct FrameRoundTrip {
    @Test(arguments: MessageType.allCases)
    func everyMessageTypeSurvivesEncodeThenDecode(_ type: MessageType) throws {
        var gen = MessageGenerator(seed: 0x5EED_0000 + UInt64(type.rawValue))
        for _ in 0..<200 {
            let m = gen.message(type)
            let frame = try Frame.encode(m)
            #expect(try Frame.decode(frame) == m)
            #expect(m.type == type)
        }
    }

    @Test func headerCarriesMagicVersionTypeAndLength() throws {
        let frame = try Frame.encode(.hello(Hello(sequence: 7)))
        #expect(Array(frame[0..<4]) == Array("KAWR".utf8))
        #expect(frame[4] == 1 && frame[5] == 0)
        #expect(frame[6] == UInt8(MessageType.hello.rawValue) && frame[7] == 0)
        let length = Int(frame[8]) | Int(frame[9]) << 8 | Int(frame[10]) << 16 | Int(frame[11]) << 24
        #expect(length == frame.count - Frame.headerSize)
    }

    @Test func typeNumbersAreUniqueAndStable() {
        // These numbers are the protocol: a change here breaks mixed versions.
        let expected: [MessageType: UInt16] = [
            .hello: 1, .helloReply: 2, .configSlice: 3, .configApplied: 4, .reload: 5, .shutdown: 6,
            .statusRequest: 7, .statusReply: 8, .peerChange: 9, .realServerVerdict: 16, .realServerFullState: 17,
            .virtualServerState: 18, .vrrpStateChange: 24, .runScript: 32, .scriptResult: 33,
        ]
        #expect(MessageType.allCases.count == expected.count)
        for t in MessageType.allCases { #expect(t.rawValue == expected[t]) }
    }
}

@Suite struct FrameMalformedInput {
    let good: [UInt8] = try! Frame.encode(.vrrpStateChange(VRRPStateChange(
        generation: Generation(3), instance: "VI_1", state: .master, priority: 100)))

    @Test func decoderRejectsBadMagic() {
        var f = good
        f[0] = UInt8(ascii: "X")
        #expect(throws: FrameError.badMagic(Array("XAWR".utf8))) { try Frame.decode(f) }
    }

    @Test func decoderRejectsWrongVersion() {
        var f = good
        f[4] = 2
        #expect(throws: FrameError.unsupportedVersion(2)) { try Frame.decode(f) }
    }

    @Test func decoderRejectsUnknownType() {
        var f = good
        f[6] = 200
        #expect(throws: FrameError.unknownType(200)) { try Frame.decode(f) }
    }

    @Test func decoderRejectsTrailingByte() {
        #expect(throws: FrameError.trailingBytes(count: 1)) { try Frame.decode(good + [0]) }
    }

    @Test func decoderRejectsEveryTruncation() {
        for n in 0..<good.count {
            #expect(throws: FrameError.self) { try Frame.decode(good[0..<n]) }
        }
    }

    @Test func decoderRejectsOverSizeLengthBeforeReadingPayload() {
        var f = Array(good[0..<Frame.headerSize])
        let n = UInt32(Frame.maxSize)
        f[8] = UInt8(truncatingIfNeeded: n); f[9] = UInt8(truncatingIfNeeded: n >> 8)
        f[10] = UInt8(truncatingIfNeeded: n >> 16); f[11] = UInt8(truncatingIfNeeded: n >> 24)
        #expect(throws: FrameError.oversize(length: Frame.maxSize + Frame.headerSize, limit: Frame.maxSize)) {
            try Frame.decode(f)
        }
    }

    @Test func decoderRejectsOverSizeRecord() {
        let f = [UInt8](repeating: 0, count: Frame.maxSize + 1)
        #expect(throws: FrameError.oversize(length: Frame.maxSize + 1, limit: Frame.maxSize)) { try Frame.decode(f) }
    }

    @Test func encoderRefusesAMessageLargerThanAFrame() {
        let m = Message.configSlice(ConfigSlice(generation: .initial, program: .vrrpd, totalSize: 0, offset: 0,
                                                chunk: [UInt8](repeating: 1, count: Frame.maxSize)))
        #expect(throws: FrameError.self) { try Frame.encode(m) }
    }

    @Test func decoderRejectsPayloadOfAnotherType() throws {
        // A well-formed hello payload under the vrrp-state-change type.
        var f = try Frame.encode(.hello(Hello(sequence: 1)))
        f[6] = UInt8(MessageType.vrrpStateChange.rawValue)
        #expect(throws: FrameError.self) { try Frame.decode(f) }
    }

    @Test func decoderRejectsAddressOfWrongLength() throws {
        struct FakeKey: Codable { var address: [UInt8]; var port: UInt16 }
        // A RealServerKey's address is 4 or 16 bytes; 5 must not pass.
        let bytes = try Codec.encode(FakeKey(address: [1, 2, 3, 4, 5], port: 80))
        #expect(throws: CodecError.self) { try Codec.decode(RealServerKey.self, from: bytes) }
    }

    @Test func decoderSurvivesEverySingleByteCorruption() {
        // Every flipped byte either decodes to some message or throws; none traps.
        for i in 0..<good.count {
            for bit in 0..<8 {
                var f = good
                f[i] ^= UInt8(1 << bit)
                _ = try? Frame.decode(f)
            }
        }
    }
}

@Suite struct Generations {
    @Test func gateRefusesOlderGenerationAndAdmitsCurrentAndNewer() throws {
        var gate = GenerationGate(Generation(5))
        let old = Message.vrrpStateChange(VRRPStateChange(generation: Generation(4), instance: "VI", state: .backup, priority: 1))
        let same = Message.runScript(RunScript(generation: Generation(5), requestID: 1, script: 0))
        let newer = Message.configApplied(ConfigApplied(generation: Generation(6)))
        #expect(throws: StaleGeneration(message: .vrrpStateChange, generation: Generation(4), current: Generation(5))) {
            try gate.admit(old)
        }
        try gate.admit(same)
        try gate.admit(newer)
        gate.advance(to: Generation(7))
        #expect(throws: StaleGeneration.self) { try gate.admit(same) }
        gate.advance(to: Generation(2))
        #expect(gate.current == Generation(7))
    }

    @Test func configIndependentMessagesPassAnyGate() throws {
        let gate = GenerationGate(Generation(UInt64.max))
        try gate.admit(.hello(Hello(sequence: 1)))
        try gate.admit(.shutdown(Shutdown(reason: .signal)))
        try gate.admit(.statusRequest(StatusRequest(requestID: 1, kind: .data)))
        try gate.admit(.peerChange(PeerChange(program: .checkd, up: true)))
    }

    @Test func everyConfigDependentTypeCarriesItsGeneration() {
        var gen = MessageGenerator(seed: 42)
        let independent: Set<MessageType> = [.hello, .helloReply, .shutdown, .statusRequest, .peerChange]
        for t in MessageType.allCases {
            #expect((gen.message(t).generation == nil) == independent.contains(t), "\(t)")
        }
    }
}
