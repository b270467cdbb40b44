// The contract between the text side of the compiler (reader, preprocessor,
// block parser: Sources/KeepalivedConfig/Text/) and the model side (keyword
// grammar, section builders, cross-checks: Sources/KeepalivedConfig/Model/).
//
//   text ──Preprocessor──> [LogicalLine] ──BlockParser(Grammar)──> [ConfigNode]
//        ──ModelBuilder──> KeepalivedConfiguration (+ Diagnostics throughout)

import Synchronization

/// One place in one file. `includedFrom` is the chain of `include` lines that
/// led here, innermost first, so a diagnostic can print it.
///
/// Every token carries one, so it is kept small and free to copy: the file
/// name and include chain sit in one interned object that lives as long as
/// the process (one per file read, so a handful), referenced without
/// reference counting, and line and column take 32 bits each. A million
/// tokens then cost no retain/release traffic for their locations.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    unowned(unsafe) var context: FileContext
    var line32: Int32
    var column32: Int32

    public var file: String {
        get { context.file }
        set { context = FileContext.interned(file: newValue, includedFrom: context.includedFrom) }
    }

    public var includedFrom: [IncludeSite] {
        get { context.includedFrom }
        set { context = FileContext.interned(file: context.file, includedFrom: newValue) }
    }

    public var line: Int {
        get { Int(line32) }
        set { line32 = Int32(clamping: newValue) }
    }

    public var column: Int {
        get { Int(column32) }
        set { column32 = Int32(clamping: newValue) }
    }

    public init(file: String, line: Int, column: Int, includedFrom: [IncludeSite] = []) {
        self.context = FileContext.interned(file: file, includedFrom: includedFrom)
        self.line32 = Int32(clamping: line)
        self.column32 = Int32(clamping: column)
    }

    init(context: FileContext, line: Int32, column: Int32) {
        self.context = context
        self.line32 = line
        self.column32 = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func == (a: SourceLocation, b: SourceLocation) -> Bool {
        a.line32 == b.line32 && a.column32 == b.column32
            && (a.context === b.context || (a.context.file == b.context.file && a.context.includedFrom == b.context.includedFrom))
    }

    public func hash(into h: inout Hasher) {
        h.combine(context.file)
        h.combine(line32)
        h.combine(column32)
        h.combine(context.includedFrom)
    }
}

/// The file a location is in and the include chain that led to it, shared
/// by every location in that file. Interned and never freed, which is what
/// lets SourceLocation hold it unowned(unsafe).
final class FileContext: Sendable {
    let file: String
    let includedFrom: [IncludeSite]

    private init(file: String, includedFrom: [IncludeSite]) {
        self.file = file
        self.includedFrom = includedFrom
    }

    private struct Key: Hashable {
        var file: String
        var includedFrom: [IncludeSite]
    }

    private static let table = Mutex<[Key: FileContext]>([:])

    static func interned(file: String, includedFrom: [IncludeSite]) -> FileContext {
        let key = Key(file: file, includedFrom: includedFrom)
        return table.withLock { t in
            if let c = t[key] { return c }
            let c = FileContext(file: file, includedFrom: includedFrom)
            t[key] = c
            return c
        }
    }
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
/// and two Strings each would double the compiler's memory and time. A line
/// is copied as it goes from reader to parser to builder, so it is kept to
/// 56 bytes and three counted references.
public struct LogicalLine: Sendable {
    public var tokens: [Token]
    public var location: SourceLocation
    /// The file's bytes when `text` or `source` is a slice of them.
    var bytes: SharedBytes?
    var textRange: Range<Int32> = 0..<0
    var sourceRange: Range<Int32> = 0..<0
    /// Text or source that is not a slice of the file (rewritten by an
    /// expansion, or made by hand): rare, so kept out of line.
    var owned: OwnedText?

    public var text: String {
        get {
            if let t = owned?.text { return t }
            return bytes.map { $0.string(textRange) } ?? ""
        }
        set { owned = OwnedText(text: newValue, source: owned?.source) }
    }

    public var source: String {
        get {
            if let s = owned?.source { return s }
            return bytes.map { $0.string(sourceRange) } ?? ""
        }
        set { owned = OwnedText(text: owned?.text, source: newValue) }
    }

    public init(tokens: [Token], text: String, source: String, location: SourceLocation) {
        self.tokens = tokens
        self.location = location
        self.owned = OwnedText(text: text, source: source)
    }

    /// A line whose source (and text, unless `ownedText` is given) are
    /// ranges of `bytes`.
    init(tokens: [Token], bytes: SharedBytes, text: Range<Int32>, ownedText: String?, source: Range<Int32>,
         location: SourceLocation) {
        self.tokens = tokens
        self.location = location
        self.bytes = bytes
        self.textRange = text
        self.sourceRange = source
        if let ownedText { owned = OwnedText(text: ownedText, source: nil) }
    }
}

/// A line's own text and source, where they are not slices of its file.
/// Immutable: a line that changes them gets a new one.
final class OwnedText: Sendable {
    let text: String?
    let source: String?
    init(text: String?, source: String?) {
        self.text = text
        self.source = source
    }
}

/// The bytes of one configuration file, shared by every line read from it.
final class SharedBytes: Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func string(_ r: Range<Int32>) -> String {
        String(decoding: bytes[Int(r.lowerBound)..<Int(r.upperBound)], as: UTF8.self)
    }
}

/// A keyword line and what hangs under it. The keyword and its arguments
/// are the line's tokens (the '{' that opened a block on it excluded), not
/// copies of them: one array per line instead of two.
public struct ConfigNode: Sendable {
    public enum Body: Sendable {
        /// A plain keyword line: `priority 100`.
        case none
        /// A keyword block: `vrrp_instance VI_1 { ... }`.
        case block([ConfigNode])
        /// A value block, read line by line: `virtual_ipaddress { ... }`.
        case values([LogicalLine])
    }

    public var line: LogicalLine
    public var body: Body
    /// How many of the line's tokens after the keyword are arguments.
    let argumentCount: Int

    public var keyword: Token { line.tokens[0] }
    public var arguments: Arguments { Arguments(line.tokens, count: argumentCount) }

    /// A node for `line`, whose first token is the keyword; a '{' ending it
    /// is not an argument.
    init(line: LogicalLine, body: Body) {
        let n = line.tokens.count
        argumentCount = n > 1 && line.tokens[n - 1].isOpenBrace ? n - 2 : max(0, n - 1)
        self.line = line
        self.body = body
    }

    public init(keyword: Token, arguments: [Token], body: Body, line: LogicalLine) {
        var l = line
        l.tokens = [keyword] + arguments
        self.line = l
        self.body = body
        argumentCount = arguments.count
    }
}

/// A keyword's arguments: the tokens after it on its line, indexed from 0.
public struct Arguments: RandomAccessCollection, Sendable {
    let tokens: [Token]
    public let count: Int

    init(_ tokens: [Token], count: Int) {
        self.tokens = tokens
        self.count = count
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> Token {
        precondition(i >= 0 && i < count, "argument index out of range")
        return tokens[i + 1]
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

/// The shapes of one section's keywords: what the block parser keeps for
/// the block it is reading, so that a line costs one lookup, not two.
public struct SectionShapes: Sendable {
    let lookup: @Sendable (String) -> KeywordShape?

    public init(_ lookup: @escaping @Sendable (String) -> KeywordShape?) { self.lookup = lookup }

    public func shape(of keyword: String) -> KeywordShape? { lookup(keyword) }
}

/// The keyword table the block parser consults.
public protocol Grammar: Sendable {
    /// The shape of `keyword` in `section`, or nil when the keyword is unknown there.
    func shape(of keyword: String, in section: SectionPath) -> KeywordShape?
    /// The shapes of `section`'s keywords (optional: defaults to asking `shape(of:in:)`).
    func shapes(in section: SectionPath) -> SectionShapes
    /// Every keyword of `section`, for "did you mean" suggestions.
    func keywords(in section: SectionPath) -> [String]
    /// The sections where `keyword` is known, so an unknown keyword can be
    /// answered with "it belongs in vrrp_instance" (optional: defaults to none).
    func sections(containing keyword: String) -> [SectionPath]
}

extension Grammar {
    public func sections(containing keyword: String) -> [SectionPath] { [] }

    public func shapes(in section: SectionPath) -> SectionShapes {
        SectionShapes { [self] keyword in self.shape(of: keyword, in: section) }
    }
}
