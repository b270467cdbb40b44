// The contract between the text side of the compiler (reader, preprocessor,
// block parser: Sources/KeepalivedConfig/Text/) and the model side (keyword
// grammar, section builders, cross-checks: Sources/KeepalivedConfig/Model/).
//
//   text ──Preprocessor──> [LogicalLine] ──BlockParser(Grammar)──> [ConfigNode]
//        ──ModelBuilder──> KeepalivedConfiguration (+ Diagnostics throughout)

/// One place in one file. `includedFrom` is the chain of `include` lines that
/// led here, innermost first, so a diagnostic can print it.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var includedFrom: [IncludeSite]

    public init(file: String, line: Int, column: Int, includedFrom: [IncludeSite] = []) {
        self.file = file
        self.line = line
        self.column = column
        self.includedFrom = includedFrom
    }

    public var description: String { "\(file):\(line):\(column)" }
}

public struct IncludeSite: Hashable, Sendable {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
}

/// A word of a logical line after preprocessing. `quoted` is true when the
/// word was written in double quotes (keepalived's level-1 quoting).
public struct Token: Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public var location: SourceLocation
    public var quoted: Bool

    public init(_ text: String, at location: SourceLocation, quoted: Bool = false) {
        self.text = text
        self.location = location
        self.quoted = quoted
    }

    public var description: String { text }
}

/// One logical line: comments stripped, `$` definitions and `~SEQ` expanded,
/// split at braces outside quotes, tokenised. `text` is the line as
/// keepalived's second-level parsers see it (for script command strings,
/// which are re-split shell-like), `source` the original physical line for
/// carets.
///
/// `text` and `source` are usually slices of the file's bytes, made into
/// Strings only when asked for: a large configuration has a million lines,
/// and two Strings each would double the compiler's memory and time.
public struct LogicalLine: Sendable {
    public var tokens: [Token]
    public var location: SourceLocation
    var textStorage: TextStorage
    var sourceStorage: TextStorage

    public var text: String {
        get { textStorage.string }
        set { textStorage = .string(newValue) }
    }

    public var source: String {
        get { sourceStorage.string }
        set { sourceStorage = .string(newValue) }
    }

    public init(tokens: [Token], text: String, source: String, location: SourceLocation) {
        self.tokens = tokens
        self.location = location
        self.textStorage = .string(text)
        self.sourceStorage = .string(source)
    }

    init(tokens: [Token], text: TextStorage, source: TextStorage, location: SourceLocation) {
        self.tokens = tokens
        self.location = location
        self.textStorage = text
        self.sourceStorage = source
    }
}

/// The bytes of one configuration file, shared by every line read from it.
final class SharedBytes: Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// A piece of text held either as a String or as a range of a file's bytes.
enum TextStorage: Sendable {
    case string(String)
    case slice(SharedBytes, start: Int, end: Int)

    var string: String {
        switch self {
        case .string(let s): return s
        case .slice(let b, let start, let end): return String(decoding: b.bytes[start..<end], as: UTF8.self)
        }
    }
}

/// A keyword line and what hangs under it.
public struct ConfigNode: Sendable {
    public enum Body: Sendable {
        /// A plain keyword line: `priority 100`.
        case none
        /// A keyword block: `vrrp_instance VI_1 { ... }`.
        case block([ConfigNode])
        /// A value block, read line by line: `virtual_ipaddress { ... }`.
        case values([LogicalLine])
    }

    public var keyword: Token
    public var arguments: [Token]
    public var body: Body
    public var line: LogicalLine

    public init(keyword: Token, arguments: [Token], body: Body, line: LogicalLine) {
        self.keyword = keyword
        self.arguments = arguments
        self.body = body
        self.line = line
    }
}

/// Which block a keyword is being looked up in. The path names follow the
/// reference's section names (`vrrp_instance`, `virtual_server/real_server`,
/// `virtual_server/real_server/HTTP_GET/url`, ...); the top level is "".
public struct SectionPath: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public init(_ path: String) { self.path = path }
    public static let top = SectionPath("")
    public var description: String { path.isEmpty ? "top level" : path }
}

/// What the block parser needs to know of a keyword.
public enum KeywordShape: Sendable, Equatable {
    /// Keyword and arguments on one line.
    case plain
    /// Opens a block of keywords of the given section.
    case block(SectionPath)
    /// Opens a block of value lines.
    case valueBlock
    /// Either a plain line or a value block (e.g. `notification_email`
    /// without braces is accepted by keepalived on one line).
    case plainOrValueBlock
}

/// The keyword table the block parser consults.
public protocol Grammar: Sendable {
    /// The shape of `keyword` in `section`, or nil when the keyword is unknown there.
    func shape(of keyword: String, in section: SectionPath) -> KeywordShape?
    /// Every keyword of `section`, for "did you mean" suggestions.
    func keywords(in section: SectionPath) -> [String]
    /// The sections where `keyword` is known, so an unknown keyword can be
    /// answered with "it belongs in vrrp_instance" (optional: defaults to none).
    func sections(containing keyword: String) -> [SectionPath]
}

extension Grammar {
    public func sections(containing keyword: String) -> [SectionPath] { [] }
}
