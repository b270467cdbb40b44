// Bad input of any kind gets a clear error, never a crash or a hang:
// binary garbage, a 100 MB file, an include loop, 10,000-deep nesting
// (the last two also in TextIncludeTests / TextBlockParserTests).
import Testing
@testable import KeepalivedConfig

@Suite struct TextBadInputTests {
    func parse(_ host: MemoryHost) -> (nodes: [ConfigNode], diagnostics: Diagnostics) {
        let d = Diagnostics()
        let nodes = ConfigText.parse(file: "keepalived.conf", host: host, grammar: MiniGrammar(), diagnostics: d,
                                     options: PreprocessorOptions(randomSeed: 1))
        return (nodes, d)
    }

    @Test(arguments: [1, 2, 3, 4])
    func binaryGarbageIsAnErrorNotACrash(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let bytes = (0..<1_000_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let h = MemoryHost()
        h.addBytes("keepalived.conf", bytes)
        let (_, d) = parse(h)
        #expect(d.hasErrors)
        #expect(d.all.contains { $0.message.contains("NUL byte") })
        #expect(d.all.contains { $0.severity == .fatal && $0.message.contains("too many errors") })
    }

    @Test func printableGarbageWithoutNewlinesIsOneOverlongLine() {
        var rng = SeededRandom(seed: 9)
        let bytes = (0..<200_000).map { _ in UInt8(0x21 + rng.next() % 90) }
        let h = MemoryHost()
        h.addBytes("keepalived.conf", bytes)
        let (nodes, d) = parse(h)
        #expect(nodes.isEmpty)
        #expect(d.all.map(\.message) == ["line is too long (200000 bytes; keepalived reads at most 1022) - ignoring it"])
    }

    @Test func aHundredMegabyteFileIsRefusedAsTooLarge() {
        let line = Array("vrrp_instance X {\n priority 5\n}\n".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(100 << 20)
        while bytes.count < 100 << 20 { bytes += line }
        let h = MemoryHost()
        h.addBytes("keepalived.conf", bytes)
        let (nodes, d) = parse(h)
        #expect(nodes.isEmpty)
        #expect(d.all.count == 1)
        #expect(d.all.first?.severity == .fatal)
        #expect(d.all.first?.message.contains("too large") == true)
    }

    @Test func includesCountTowardTheSizeLimit() {
        let h = MemoryHost(files: ["big.conf": String(repeating: "# padding\n", count: 1000)])
        h.add("keepalived.conf", "include big.conf\ninclude big.conf\n")
        let d = Diagnostics()
        _ = Preprocessor(host: h, diagnostics: d, options: PreprocessorOptions(maxTotalBytes: 15_000)).lines(ofFile: "keepalived.conf")
        #expect(d.all.map(\.severity) == [.fatal])
    }

    @Test func expansionCountsTowardTheSizeLimit() {
        let h = MemoryHost()
        h.add("keepalived.conf", "$M=aaaaaaaaaa \\\n aaaaaaaaaa\n~SEQ(N, 1000) $M\n")
        let d = Diagnostics()
        _ = Preprocessor(host: h, diagnostics: d, options: PreprocessorOptions(maxTotalBytes: 5_000)).lines(ofFile: "keepalived.conf")
        #expect(d.all.contains { $0.message.contains("too large") })
    }

    @Test func anIncludeLoopEndsWithAnError() {
        let h = MemoryHost(files: ["a.conf": "include b.conf\nglobal_defs {\n}\n", "b.conf": "include a.conf\n"])
        h.add("keepalived.conf", "include a.conf\n")
        let (nodes, d) = parse(h)
        #expect(render(nodes) == "global_defs {  }")
        #expect(d.all.map(\.message) == ["include loop: a.conf includes b.conf includes a.conf"])
    }

    @Test func manyExtraBracesAreCountedNotHeld() {
        let h = MemoryHost()
        h.add("keepalived.conf", String(repeating: "}\n", count: 50_000))
        let (_, d) = parse(h)
        #expect(d.all.count == 10_000)
        #expect(d.suppressedCount == 40_000)
    }
}
