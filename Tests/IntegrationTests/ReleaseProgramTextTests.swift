// cshim_release_program_text, which vrrpd calls once it has settled: it
// unmaps the clean pages of code and constants of the program and its
// libraries (they fault back in from the page cache), never data. Checked on
// this test process: the resident code drops, and code and data still work.
import CShim
import Foundation
import Testing

/// Written before the release, read after: data must survive it.
nonisolated(unsafe) private var survivor = [UInt8](repeating: 7, count: 100_000)

@Suite struct ReleasingProgramText {
    /// Resident KiB of the executable mappings (r-xp) of this process.
    static func residentCode() -> Int {
        guard let smaps = try? String(contentsOfFile: "/proc/self/smaps", encoding: .utf8) else { return -1 }
        var total = 0, inCode = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), fields.count >= 5 {
                inCode = fields[1] == "r-xp"
            } else if inCode, fields.first == "Rss:", fields.count >= 2 {
                total += Int(fields[1]) ?? 0
            }
        }
        return total
    }

    @Test func codePagesAreReleasedAndDataIsKept() {
        survivor[99_999] = 42
        let before = Self.residentCode()
        let released = cshim_release_program_text()
        let after = Self.residentCode()
        #expect(released > 1_000_000, "bytes of read-only segments released: \(released)")
        #expect(after < before, "resident code \(before) KiB -> \(after) KiB")
        // The process goes on: code faults back in, data is untouched.
        #expect(survivor[99_999] == 42 && survivor[0] == 7)
        #expect((1...1000).reduce(0, +) == 500_500)
        #expect(cshim_release_program_text() > 0)
        #expect(String(describing: [1, 2, 3]) == "[1, 2, 3]")
    }
}
