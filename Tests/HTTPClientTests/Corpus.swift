// Golden data from the shared corpus: keepalived's own genhash output and the
// request bytes it sent (corpus/reference-output/genhash-sample*.txt).
import Foundation
import Testing

enum Corpus {
    /// `shared/corpus/reference-output`, found next to the checkout or further up
    /// (KA_SHARED_DIR overrides, as for the integration tests).
    static func referenceOutput(_ name: String) throws -> String {
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["KA_SHARED_DIR"] {
            candidates.append(URL(fileURLWithPath: dir))
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            candidates.append(dir.appendingPathComponent("shared"))
            dir = dir.deletingLastPathComponent()
        }
        for base in candidates {
            let file = base.appendingPathComponent("corpus/reference-output/\(name)")
            if FileManager.default.fileExists(atPath: file.path) {
                return try String(contentsOf: file, encoding: .utf8)
            }
        }
        throw CorpusError("corpus file \(name) not found (set KA_SHARED_DIR to the shared directory)")
    }

    /// The `genhash -v` transcripts in a sample file: from the first banner
    /// through the `Global response time` line, each line ending in "\n".
    static func verboseTranscripts(in text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-----------------------[    HTTP Header Buffer") && current == nil { current = [] }
            guard current != nil else { continue }
            current!.append(line)
            if line.hasPrefix("Global response time for [") {
                blocks.append(current!.joined(separator: "\n") + "\n")
                current = nil
            }
        }
        return blocks
    }

    /// The bytes shown by the dump rows of one section of a transcript
    /// (the rows following `banner`, up to the next non-row line).
    static func dumpedBytes(in transcript: String, after banner: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var inSection = false
        for line in transcript.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains(banner) { inSection = true; continue }
            guard inSection else { continue }
            guard line.count >= 6, line.prefix(4).allSatisfy(\.isNumber) else {
                if !bytes.isEmpty { break } else { continue }
            }
            // Columns 6 ..< 6+49 hold the cells and the separator.
            let cells = line.dropFirst(6).prefix(49)
            for token in cells.split(separator: " ") where token != "-" {
                if let b = UInt8(token, radix: 16) { bytes.append(b) }
            }
        }
        return bytes
    }

    /// The dump rows of one section, as text.
    static func dumpRows(in transcript: String, after banner: String) -> String {
        var rows: [Substring] = []
        var inSection = false
        for line in transcript.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains(banner) { inSection = true; continue }
            guard inSection else { continue }
            guard line.count >= 6, line.prefix(4).allSatisfy(\.isNumber) else {
                if !rows.isEmpty { break } else { continue }
            }
            rows.append(line)
        }
        return rows.map { $0 + "\n" }.joined()
    }

    /// The request byte strings of genhash-sample-extra.txt §1, keyed by the command line.
    static func capturedRequests() throws -> [(command: String, request: [UInt8])] {
        let text = try referenceOutput("genhash-sample-extra.txt")
        var result: [(String, [UInt8])] = []
        var command = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("$ genhash") { command = String(line.dropFirst(2)) }
            if let r = line.range(of: "request: b'") {
                let literal = line[r.upperBound...].dropLast()   // the closing quote
                result.append((command, unescapePythonBytes(literal)))
            }
        }
        return result
    }

    /// Undoes Python's bytes repr for what it uses here: \r \n \t \\ \' \xNN.
    static func unescapePythonBytes(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            guard c == UInt8(ascii: "\\"), let e = it.popFirst() else { out.append(c); continue }
            switch e {
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "x"):
                let hex = String(decoding: it.prefix(2), as: UTF8.self)
                it = it.dropFirst(2)
                out.append(UInt8(hex, radix: 16) ?? 0)
            default: out.append(e)
            }
        }
        return out
    }
}

struct CorpusError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
