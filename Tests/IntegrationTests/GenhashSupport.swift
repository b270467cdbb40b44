// Running our genhash and Debian's side by side, and comparing -v transcripts.
import Foundation
import Testing
import TestSupport

enum Genhash {
    static var ours: String { TestEnvironment.binary("genhash") }
    /// keepalived 2.2.7's genhash, installed by scripts/setup.sh (package keepalived).
    static let debian = "/usr/bin/genhash"

    static var debianIsInstalled: Bool { FileManager.default.isExecutableFile(atPath: debian) }

    static func run(_ binary: String, _ arguments: [String], timeout: Double = 30) throws -> RunResult {
        try TestSupport.run([binary] + arguments, timeout: timeout)
    }

    /// `-s HOST -p PORT -u ROUTE` plus `extra`, for `peer`.
    static func arguments(_ peer: GenhashPeer, _ route: String, _ extra: [String] = []) -> [String] {
        ["-s", peer.host, "-p", String(peer.port), "-u", route] + extra
    }

    /// A -v transcript with what legitimately differs between two runs masked:
    /// the Date header's value (in the ASCII header and in the header dump's hex
    /// cells and text column) and the response time figure. Works on bytes:
    /// Swift's String sees "\r\n" as one character and would not split it on "\n".
    static func masked(_ transcript: String) -> String {
        var lines = Array(transcript.utf8).split(separator: 0x0a, omittingEmptySubsequences: false).map { Array($0) }
        func has(_ line: [UInt8], _ text: String) -> Bool {
            String(decoding: line, as: UTF8.self).contains(text)
        }
        guard let ascii = lines.firstIndex(where: { has($0, "[ HTTP Header Ascii Buffer ]") }) else {
            return maskTime(transcript)
        }
        let datePrefix = Array("Date: ".utf8)
        var offset = 0
        var dateRange: Range<Int>? = nil
        for i in (ascii + 1)..<lines.count {
            let line = lines[i]
            if line.starts(with: datePrefix) {
                let start = offset + datePrefix.count
                let length = line.count - datePrefix.count - (line.last == 0x0d ? 1 : 0)
                dateRange = start..<(start + length)
                for k in datePrefix.count..<(datePrefix.count + length) { lines[i][k] = UInt8(ascii: "X") }
            }
            offset += line.count + 1
            if line == [0x0d] || line.isEmpty { break }
        }
        if let dateRange {
            // Header dump rows sit between the last header banner and the ASCII banner.
            let firstRow = (lines[..<ascii].lastIndex(where: { has($0, "[    HTTP Header Buffer    ]") }) ?? -1) + 1
            for byte in dateRange {
                let row = firstRow + byte / 16, column = byte % 16
                guard row < ascii else { break }
                let hex = 6 + 3 * column + (column >= 8 ? 2 : 0)
                let text = 58 + column
                guard text < lines[row].count else { continue }
                lines[row][hex] = UInt8(ascii: "X"); lines[row][hex + 1] = UInt8(ascii: "X")
                lines[row][text] = UInt8(ascii: "X")
            }
        }
        return maskTime(String(decoding: Array(lines.joined(separator: [0x0a])), as: UTF8.self))
    }

    private static func maskTime(_ s: String) -> String {
        s.replacingOccurrences(of: #"\] = [0-9]+ usecs"#, with: "] = N usecs", options: .regularExpression)
    }
}
