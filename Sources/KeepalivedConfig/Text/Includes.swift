// The `include` family (reference §1.6) and `include_check`.
//
// keepalived's checks, as flags: R = a matched file must be usable, M = a
// plain path must exist, W = a wildcard must match something, B = a brace
// pattern must match something. A failed check makes keepalived's
// configuration unusable (`-t` exits 6). Observed on 2.2.7: a skipped
// directory or executable file fails R and M alike.
//
// Deliberate difference: a plain path (no wildcard, no braces) that names
// a missing, unreadable or unusable file is an error for us whatever the
// flags: keepalived only logs it and runs without that part of the
// configuration, and we do not hand the daemons a configuration with a
// part missing. Wildcards and braces that match nothing stay silent unless
// their check is on, as in keepalived (an empty conf.d/ is normal).

struct IncludeCheck: OptionSet, Sendable {
    let rawValue: UInt8
    static let read = IncludeCheck(rawValue: 1)
    static let match = IncludeCheck(rawValue: 2)
    static let wildcardMatch = IncludeCheck(rawValue: 4)
    static let braceMatch = IncludeCheck(rawValue: 8)
    static let all: IncludeCheck = [.read, .match, .wildcardMatch, .braceMatch]

    /// The checks each spelling of `include` turns on.
    static func forKeyword(_ word: ArraySlice<UInt8>) -> IncludeCheck? {
        switch String(decoding: word, as: UTF8.self) {
        case "include": return []
        case "includer": return [.read]
        case "includem": return [.read, .match]
        case "includew": return [.read, .match, .wildcardMatch]
        case "includeb": return [.read, .braceMatch]
        case "includea": return .all
        default: return nil
        }
    }

    /// Parses the arguments of `include_check`: none means every check;
    /// otherwise `[+|-]read|match|wildcard_match|brace_match`, in order.
    static func parse(_ words: [String]) -> Result<IncludeCheck, TextProblem> {
        if words.isEmpty { return .success(.all) }
        var set: IncludeCheck = []
        for w in words {
            var name = Substring(w)
            var remove = false
            if name.hasPrefix("+") {
                name = name.dropFirst()
            } else if name.hasPrefix("-") {
                remove = true
                name = name.dropFirst()
            }
            let flag: IncludeCheck
            switch name {
            case "read": flag = .read
            case "match": flag = .match
            case "wildcard_match": flag = .wildcardMatch
            case "brace_match": flag = .braceMatch
            default:
                return .failure(TextProblem("unknown include_check '\(w)': expected [+|-]read, match, wildcard_match or brace_match"))
            }
            if remove { set.remove(flag) } else { set.insert(flag) }
        }
        return .success(set)
    }
}

/// What kind of pattern an include names, which decides the check that
/// applies when it matches nothing.
enum IncludePattern {
    case plain, wildcard, brace

    init(_ pattern: String) {
        var wildcard = false, brace = false
        for b in pattern.utf8 {
            if b == ASCII.star || b == ASCII.question || b == ASCII.openBracket { wildcard = true }
            if b == ASCII.openBrace { brace = true }
        }
        self = wildcard ? .wildcard : (brace ? .brace : .plain)
    }
}

enum PathText {
    /// The directory part of `path` ("" for a bare file name).
    static func directory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: ASCII.slash) else { return "" }
        if slash == path.utf8.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `name` relative to `directory` ("" = the current directory).
    static func join(_ directory: String, _ name: String) -> String {
        if name.hasPrefix("/") || directory.isEmpty { return name }
        if directory.hasSuffix("/") { return directory + name }
        return directory + "/" + name
    }
}

extension ReaderState {
    /// An `include` line: the rest of the line is the pattern.
    mutating func include(_ line: LineBuffer, at start: Int) -> Bool {
        var wordEnd = start
        while wordEnd < line.count && !ASCII.isBlank(line.bytes[wordEnd]) { wordEnd += 1 }
        guard let kind = IncludeCheck.forKeyword(line.bytes[start..<wordEnd]) else { return false }
        var p = wordEnd
        while p < line.count && ASCII.isBlank(line.bytes[p]) { p += 1 }
        let column = line.column(start)
        if p == line.count {
            error("'\(line.bytes[start..<wordEnd].string)' needs a file name or pattern", column: column,
                  length: wordEnd - start)
            return true
        }
        let pattern = line.bytes[p...].string
        include(pattern: pattern, checks: kind.union(includeCheck), column: column,
                patternColumn: line.column(p), length: line.count - p)
        return true
    }

    mutating func include(pattern: String, checks: IncludeCheck, column: Int32, patternColumn: Int32, length: Int) {
        guard let frame = frames.last else { return }
        let kind = IncludePattern(pattern)
        let full = PathText.join(frame.directory, pattern)
        let matches = host.glob(full)
        let site = IncludeSite(file: current.file, line: Int(current.number))
        let here = current
        func problem(_ message: String, unusable: Bool, notes: [String] = []) {
            let d = Diagnostic(.error, message, at: here.location(column: patternColumn),
                               sourceLine: here.source, length: length, notes: notes)
            errorCount += 1
            if unusable { diagnostics.reportUnusable(d) } else { diagnostics.report(d) }
        }
        if matches.isEmpty {
            switch kind {
            case .plain:
                problem("included file '\(full)' does not exist", unusable: checks.contains(.match),
                        notes: checks.contains(.match) ? [] : [
                            "keepalived would only log this and run without the file; kaconf refuses a configuration with a part missing",
                        ])
            case .wildcard:
                if checks.contains(.wildcardMatch) {
                    problem("no files match '\(full)'", unusable: true)
                }
            case .brace:
                if checks.contains(.braceMatch) {
                    problem("no files match '\(full)'", unusable: true)
                }
            }
            return
        }
        if frames.count >= options.maxIncludeDepth {
            problem("includes nested more than \(options.maxIncludeDepth) deep", unusable: false)
            return
        }
        let mustBeUsable = !checks.intersection([.read, .match]).isEmpty
        for path in matches {
            if aborted { return }
            let status = host.status(of: path, follow: true)
            var reason: String?
            switch status?.kind {
            case nil: reason = "cannot be read"
            case .directory?: reason = "is a directory"
            case .regular?: if status?.isExecutable == true { reason = "is executable" }
            case .symlink?, .other?: reason = "is not a regular file"
            }
            if let reason {
                if kind == .plain || mustBeUsable {
                    problem("included file '\(path)' \(reason) - not reading it", unusable: mustBeUsable,
                            notes: ["keepalived reads only regular, non-executable files"])
                }
                continue
            }
            let real = host.realPath(path) ?? path
            if let loop = frames.firstIndex(where: { $0.realPath == real }) {
                let chain = frames[loop...].map(\.path) + [path]
                problem("include loop: \(chain.joined(separator: " includes "))", unusable: false,
                        notes: ["each file may be included once along a chain of includes"])
                continue
            }
            guard read(file: path, includedFrom: [site] + here.includedFrom) else {
                problem("included file '\(path)' cannot be read", unusable: checks.contains(.read))
                continue
            }
        }
        current = here
    }
}
