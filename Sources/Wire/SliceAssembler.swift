// Config slices travel in chunks small enough for any SOCK_SEQPACKET send
// buffer (the kernel refuses a record larger than the buffer, by default
// about 208 KiB). Chunks arrive in order on one channel; the assembler
// checks they agree with each other and bounds the total.

public enum SliceChunking {
    /// Fits the default unix socket buffer with room for the header.
    public static let chunkSize = 64 * 1024
    /// The largest slice a daemon accepts.
    public static let maxTotal = 256 << 20

    /// The chunks that carry `bytes` (at least one, even for an empty slice).
    public static func chunks(of bytes: [UInt8], generation: Generation, program: ProgramName) -> [ConfigSlice] {
        var out: [ConfigSlice] = []
        var offset = 0
        repeat {
            let end = min(offset + chunkSize, bytes.count)
            out.append(ConfigSlice(generation: generation, program: program, totalSize: bytes.count,
                                   offset: offset, chunk: Array(bytes[offset..<end])))
            offset = end
        } while offset < bytes.count
        return out
    }
}

public struct SliceAssembler: Sendable {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case tooLarge(Int)
        case outOfOrder(expected: Int, got: Int)
        case inconsistent(String)
        case wrongProgram(ProgramName)

        public var description: String {
            switch self {
            case .tooLarge(let n): return "slice of \(n) bytes exceeds the limit of \(SliceChunking.maxTotal)"
            case .outOfOrder(let e, let g): return "slice chunk at offset \(g), expected \(e)"
            case .inconsistent(let why): return "slice chunks disagree: \(why)"
            case .wrongProgram(let p): return "slice meant for \(p)"
            }
        }
    }

    public let program: ProgramName
    private var generation: Generation?
    private var total = 0
    private var bytes: [UInt8] = []

    public init(for program: ProgramName) { self.program = program }

    /// Adds a chunk; returns the whole slice when this chunk completes it.
    /// A chunk at offset 0 starts over (a newer slice replaces a partial one).
    public mutating func add(_ s: ConfigSlice) throws(Failure) -> (generation: Generation, bytes: [UInt8])? {
        guard s.program == program else { throw .wrongProgram(s.program) }
        guard s.totalSize >= 0, s.totalSize <= SliceChunking.maxTotal else { throw .tooLarge(s.totalSize) }
        if s.offset == 0 {
            generation = s.generation
            total = s.totalSize
            bytes = []
            bytes.reserveCapacity(s.totalSize)
        } else {
            guard let g = generation else { throw .outOfOrder(expected: 0, got: s.offset) }
            guard g == s.generation else { reset(); throw .inconsistent("\(s.generation) after \(g)") }
            guard s.totalSize == total else { reset(); throw .inconsistent("total \(s.totalSize) after \(total)") }
            guard s.offset == bytes.count else { let e = bytes.count; reset(); throw .outOfOrder(expected: e, got: s.offset) }
        }
        guard bytes.count + s.chunk.count <= total else { reset(); throw .inconsistent("chunk runs past the total") }
        guard !s.chunk.isEmpty || total == 0 else { reset(); throw .inconsistent("empty chunk") }
        bytes += s.chunk
        guard bytes.count == total, let g = generation else { return nil }
        let done = bytes
        reset()
        return (g, done)
    }

    private mutating func reset() {
        generation = nil
        total = 0
        bytes = []
    }
}
