// Bad input through the real kaconf binary: binary garbage, a 100 MB file,
// an include loop and 10,000-deep nesting each end in a clear error and a
// non-zero exit, never a crash (a signal) or a hang (the time limit).
import Foundation
import Testing
import TestSupport

@Suite struct ConfigParityBadInputTests {
    let kaconf = TestEnvironment.binary("kaconf")

    func lint(_ name: String, _ write: (TempDirectory) throws -> String) throws -> RunResult {
        let dir = try TempDirectory("ka-badinput")
        defer { dir.remove() }
        let path = try write(dir)
        return try run([kaconf, "lint", "--offline", path], directory: dir.path, timeout: 120)
    }

    func expectCleanFailure(_ r: RunResult, mentions text: String) {
        #expect(!r.signaled, "kaconf was killed by a signal")
        #expect(r.status == 1, "exit \(r.status): \(r.stderr.prefix(500))")
        #expect(r.stderr.contains(text) || r.stdout.contains(text), "no '\(text)' in: \(r.stderr.prefix(500))")
    }

    @Test func binaryGarbage() throws {
        var g = SystemRandomNumberGenerator()
        let r = try lint("garbage") { dir in
            let path = dir.file("garbage.conf")
            FileManager.default.createFile(atPath: path, contents: Data((0..<1_000_000).map { _ in UInt8.random(in: 0...255, using: &g) }))
            return path
        }
        expectCleanFailure(r, mentions: "NUL byte")
        // Control characters never reach the terminal raw.
        #expect(!r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
    }

    @Test func aHundredMegabyteFile() throws {
        let r = try lint("big") { dir in
            let path = dir.file("big.conf")
            let block = Data(String(repeating: "global_defs {\n    router_id big\n}\n", count: 10_000).utf8)
            FileManager.default.createFile(atPath: path, contents: nil)
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            var written = 0
            while written < 100 << 20 {
                h.write(block)
                written += block.count
            }
            try h.close()
            return path
        }
        expectCleanFailure(r, mentions: "too large")
    }

    @Test func anIncludeLoop() throws {
        let r = try lint("loop") { dir in
            try dir.write("b.conf", "include a.conf\n")
            return try dir.write("a.conf", "global_defs {\n}\ninclude b.conf\n")
        }
        expectCleanFailure(r, mentions: "include loop")
    }

    @Test(arguments: ["vrrp_instance VI_1 {\n", "virtual_server 10.0.0.1 80 {\n", "{\n"])
    func tenThousandDeepNesting(opener: String) throws {
        let r = try lint("deep") { dir in
            try dir.write("deep.conf", String(repeating: opener, count: 10_000) + String(repeating: "}\n", count: 10_000))
        }
        #expect(!r.signaled)
        #expect(r.status == 1, "exit \(r.status): \(r.stderr.prefix(300))")
    }
}
