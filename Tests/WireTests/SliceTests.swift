import Testing
@testable import Wire

@Suite struct SliceChunks {
    @Test(arguments: [0, 1, SliceChunking.chunkSize - 1, SliceChunking.chunkSize, SliceChunking.chunkSize * 3 + 17])
    func chunksReassembleToTheSameBytes(_ size: Int) throws {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let chunks = SliceChunking.chunks(of: bytes, generation: Generation(9), program: .checkd)
        var a = SliceAssembler(for: .checkd)
        var result: (generation: Generation, bytes: [UInt8])?
        for (i, c) in chunks.enumerated() {
            // Every chunk fits a frame and the default socket buffer.
            #expect(try Frame.encode(.configSlice(c)).count < 200_000)
            result = try a.add(c)
            #expect((result == nil) == (i < chunks.count - 1))
        }
        #expect(result?.generation == Generation(9))
        #expect(result?.bytes == bytes)
    }

    @Test func assemblerRefusesOutOfOrderChunks() throws {
        let chunks = SliceChunking.chunks(of: [UInt8](repeating: 7, count: SliceChunking.chunkSize * 3),
                                          generation: Generation(1), program: .vrrpd)
        var a = SliceAssembler(for: .vrrpd)
        _ = try a.add(chunks[0])
        #expect(throws: SliceAssembler.Failure.outOfOrder(expected: SliceChunking.chunkSize, got: 2 * SliceChunking.chunkSize)) {
            try a.add(chunks[2])
        }
        // After a refusal only a fresh start is accepted.
        #expect(throws: SliceAssembler.Failure.self) { try a.add(chunks[1]) }
    }

    @Test func assemblerRefusesMixedGenerationsAndWrongProgram() throws {
        let a1 = SliceChunking.chunks(of: [UInt8](repeating: 1, count: 100_000), generation: Generation(1), program: .vrrpd)
        let a2 = SliceChunking.chunks(of: [UInt8](repeating: 1, count: 100_000), generation: Generation(2), program: .vrrpd)
        var a = SliceAssembler(for: .vrrpd)
        _ = try a.add(a1[0])
        #expect(throws: SliceAssembler.Failure.self) { try a.add(a2[1]) }
        var b = SliceAssembler(for: .checkd)
        #expect(throws: SliceAssembler.Failure.wrongProgram(.vrrpd)) { try b.add(a1[0]) }
    }

    @Test func assemblerRefusesOverSizeAndOverrunningChunks() throws {
        var a = SliceAssembler(for: .vrrpd)
        let huge = ConfigSlice(generation: .initial, program: .vrrpd, totalSize: SliceChunking.maxTotal + 1, offset: 0, chunk: [1])
        #expect(throws: SliceAssembler.Failure.tooLarge(SliceChunking.maxTotal + 1)) { try a.add(huge) }
        let overrun = ConfigSlice(generation: .initial, program: .vrrpd, totalSize: 2, offset: 0, chunk: [1, 2, 3])
        #expect(throws: SliceAssembler.Failure.self) { try a.add(overrun) }
        let negative = ConfigSlice(generation: .initial, program: .vrrpd, totalSize: -1, offset: 0, chunk: [])
        #expect(throws: SliceAssembler.Failure.self) { try a.add(negative) }
    }

    @Test func aNewSliceReplacesAPartialOne() throws {
        let old = SliceChunking.chunks(of: [UInt8](repeating: 1, count: 100_000), generation: Generation(1), program: .vrrpd)
        let new = SliceChunking.chunks(of: [2, 3], generation: Generation(2), program: .vrrpd)
        var a = SliceAssembler(for: .vrrpd)
        _ = try a.add(old[0])
        let r = try a.add(new[0])
        #expect(r?.generation == Generation(2) && r?.bytes == [2, 3])
    }
}
