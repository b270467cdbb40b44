// libFuzzer entry for the frame decoder (and the payload decoding under
// it, and the slice assembler fed by it). Built by
// scripts/test.d/21-fuzz-wire.sh with `swiftc -sanitize=fuzzer,address`,
// separately from the SwiftPM build, from Sources/Codec and the Wire files
// that do no I/O.
//
// Properties checked on every input: decoding never traps; a frame that
// decodes re-encodes to a frame that decodes to the same message; a
// config slice chunk never makes the assembler hold more than its limit.

nonisolated(unsafe) var assembler = SliceAssembler(for: .vrrpd)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let m = try? Frame.decode(bytes) else { return 0 }
    guard let again = try? Frame.encode(m) else { fatalError("a decoded \(m.type) does not re-encode") }
    guard let back = try? Frame.decode(again), back == m else { fatalError("\(m.type) does not survive a round trip") }
    _ = m.generation
    if case .configSlice(let s) = m {
        if let done = try? assembler.add(s) {
            precondition(done.bytes.count <= SliceChunking.maxTotal)
        }
    }
    var gate = GenerationGate(Generation(3))
    gate.advance(to: m.generation ?? Generation(0))
    _ = try? gate.admit(m)
    return 0
}
