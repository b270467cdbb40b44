// Helpers shared by the Text*Tests: run the preprocessor or the whole text
// side over in-memory files and show the result compactly.
@testable import KeepalivedConfig

struct Preprocessed {
    var lines: [LogicalLine]
    var diagnostics: Diagnostics

    /// Each line as its tokens joined by spaces, quoted tokens in "...".
    var shown: [String] { lines.map(show) }
    var messages: [String] { diagnostics.all.map(\.message) }
}

func show(_ line: LogicalLine) -> String {
    line.tokens.map { $0.quoted ? "\"\($0.text)\"" : $0.text }.joined(separator: " ")
}

/// Preprocesses `main` as /etc/keepalived/keepalived.conf with `files` beside it.
func preprocess(_ main: String, files: [String: String] = [:],
                options: PreprocessorOptions = PreprocessorOptions(randomSeed: 1),
                host: MemoryHost? = nil) -> Preprocessed {
    let h = host ?? MemoryHost(files: files)
    h.add("keepalived.conf", main)
    let d = Diagnostics()
    let lines = Preprocessor(host: h, diagnostics: d, options: options).lines(ofFile: "keepalived.conf")
    return Preprocessed(lines: lines, diagnostics: d)
}

/// True when each of `expected` occurs, in order, among `messages`.
func containsInOrder(_ messages: [String], _ expected: [String]) -> Bool {
    var i = 0
    for m in messages where i < expected.count && m.contains(expected[i]) { i += 1 }
    return i == expected.count
}
