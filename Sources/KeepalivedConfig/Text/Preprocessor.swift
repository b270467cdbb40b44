// The reader and preprocessor (reference §1.1-1.9): files -> logical lines.
//
// Per physical line, in keepalived's order: CR/LF stripped, length and NUL
// checks, comments removed, continuation of a multi-line `$` definition,
// `@`/`@^` conditional, `$NAME=` definition, `~SEQ`/`~LST`, `$`
// substitution (then the result is decommented and processed again, one
// line per line of a multi-line value), `include`, brace splitting,
// tokenising. Lines are handed to a sink as they are made, so a caller can
// parse (and drop) them without holding the whole file's lines.

#if canImport(Glibc)
import Glibc
#endif

public struct PreprocessorOptions: Sendable {
    /// keepalived's `-i/--config-id`; nil means the host's node name up to its first '.'.
    public var configID: String?
    /// keepalived's `-e/--all-config`: every include check on.
    public var checkAllIncludes: Bool
    /// Seed for `${_RANDOM}` (nil: from the system; `random_seed` in global_defs reseeds).
    public var randomSeed: UInt64?
    /// The most bytes read from all files together, and the most produced by
    /// expansion: past it the configuration is refused as too large.
    public var maxTotalBytes: Int
    /// How deep includes may nest.
    public var maxIncludeDepth: Int

    public init(configID: String? = nil, checkAllIncludes: Bool = false, randomSeed: UInt64? = nil,
                maxTotalBytes: Int = 64 << 20, maxIncludeDepth: Int = 32) {
        self.configID = configID
        self.checkAllIncludes = checkAllIncludes
        self.randomSeed = randomSeed
        self.maxTotalBytes = maxTotalBytes
        self.maxIncludeDepth = maxIncludeDepth
    }
}

public final class Preprocessor {
    /// keepalived reads lines into a 1024-byte buffer with fgets: a line of
    /// up to 1022 bytes fits with its newline and terminator.
    public static let maxLineLength = 1022

    private var state: ReaderState

    public init(host: Host, diagnostics: Diagnostics, options: PreprocessorOptions = PreprocessorOptions()) {
        var id = options.configID ?? host.nodeName()
        if options.configID == nil, let dot = id.firstIndex(of: ".") { id = String(id[..<dot]) }
        state = ReaderState(host: host, diagnostics: diagnostics, options: options, configID: id)
    }

    /// The config-id `@` lines are matched against.
    public var configID: String { state.definitions.configID.string }

    /// Reads `path` and everything it includes, handing each logical line to `emit`.
    public func run(file path: String, emit: @escaping (consuming LogicalLine) -> Void) {
        state.run(file: path, emit: emit)
    }

    /// All logical lines of `path` and its includes.
    public func lines(ofFile path: String) -> [LogicalLine] {
        var out: [LogicalLine] = []
        run(file: path) { out.append($0) }
        return out
    }
}

/// The reader's state and work. A struct, so the per-byte and per-token
/// work touches it without the dynamic exclusivity checks that stored
/// properties of a class would cost on every access.
struct ReaderState {
    /// How deep `$` expansions may produce lines that expand again.
    static let maxExpansionDepth = 16
    /// Substitution passes over one line before it is called runaway.
    static let maxSubstitutionPasses = 32
    /// The longest line an expansion may produce.
    static let maxExpandedLineLength = 64 * 1024
    /// Text-side errors after which reading stops.
    static let maxErrors = 200

    let host: Host
    let diagnostics: Diagnostics
    let options: PreprocessorOptions
    var definitions: Definitions
    var includeCheck: IncludeCheck = []

    var frames: [FileFrame] = []
    var totalBytes = 0
    var errorCount = 0
    var aborted = false
    /// Takes each line over (consuming: a line moves on to the parser, not
    /// copied then released).
    var sink: (consuming LogicalLine) -> Void = { _ in }

    /// The physical line being processed.
    var current = PhysicalLine(context: FileContext.interned(file: "", includedFrom: []), number: 0,
                               bytes: ReaderState.noBytes, start: 0, end: 0)
    static let noBytes = SharedBytes([])
    /// A multi-line `$` definition being collected.
    var pendingDefinition: (name: [UInt8], value: [UInt8])?
    /// For each block open at this point (followed from braces alone, which
    /// is enough here), whether it is global_defs: `include_check` and
    /// `random_seed` act only there.
    var openBlocks: [Bool] = []
    var lastKeywordIsGlobalDefs = false

    var work = LineBuffer()
    var scratch: [Token] = []

    init(host: Host, diagnostics: Diagnostics, options: PreprocessorOptions, configID: String) {
        self.host = host
        self.diagnostics = diagnostics
        self.options = options
        definitions = Definitions(configID: configID, random: SeededRandom(seed: options.randomSeed))
        if options.checkAllIncludes { includeCheck = .all }
    }

    mutating func run(file path: String, emit: @escaping (consuming LogicalLine) -> Void) {
        sink = emit
        defer { sink = { _ in } }
        guard read(file: path, includedFrom: []) else {
            diagnostics.report(Diagnostic(.fatal, "cannot read configuration file '\(path)'",
                                          notes: ["check that it exists and is readable"]))
            return
        }
        if let def = pendingDefinition {
            definitions.define(def.name, def.value)
            pendingDefinition = nil
        }
    }

    // MARK: Files

    struct FileFrame {
        var path: String
        var directory: String
        var realPath: String
        var includedFrom: [IncludeSite]
    }

    /// How much of a file is read at a time. A large configuration is read
    /// in pieces, each released once the lines made from it are parsed:
    /// holding a 19 MB file whole while its model was built was a quarter
    /// of the compiler's peak memory.
    static let pieceSize = 1 << 18

    /// The physical line being processed. `bytes` is unowned: `read` keeps
    /// the file's bytes alive while its lines are processed, and lines made
    /// from it take their own reference.
    struct PhysicalLine {
        unowned(unsafe) var context: FileContext
        var number: Int32
        unowned(unsafe) var bytes: SharedBytes
        var start: Int
        var end: Int

        var file: String { context.file }
        var includedFrom: [IncludeSite] { context.includedFrom }
        var sourceRange: Range<Int32> { Int32(start)..<Int32(end) }
        var source: String { bytes.string(sourceRange) }

        @inline(__always)
        func location(column: Int32) -> SourceLocation {
            SourceLocation(context: context, line: number, column: column)
        }
    }

    /// Reads the file at `path` line by line; false when it cannot be read.
    mutating func read(file path: String, includedFrom: [IncludeSite]) -> Bool {
        guard let file = host.openFile(path) else { return false }
        totalBytes += file.size
        if totalBytes > options.maxTotalBytes {
            tooLarge(path)
            return true
        }
        let real = host.realPath(path) ?? path
        var directory = PathText.directory(of: path)
        frames.append(FileFrame(path: path, directory: directory, realPath: real, includedFrom: includedFrom))
        let savedCheck = includeCheck
        let savedPWD = definitions.currentDirectory
        if directory.isEmpty { directory = "." }
        let absolute = directory.hasPrefix("/") ? directory : PathText.join(host.currentDirectory(), directory)
        definitions.currentDirectory = Array((host.realPath(absolute) ?? absolute).utf8)
        defer {
            frames.removeLast()
            includeCheck = savedCheck
            definitions.currentDirectory = savedPWD
        }

        let context = FileContext.interned(file: path, includedFrom: includedFrom)
        var number: Int32 = 0
        // Each piece: the line left incomplete by the last one, then what
        // follows; its lines up to the last newline are read now, the rest
        // starts the next piece.
        var piece: [UInt8] = []
        var read = 0
        while !aborted {
            guard let n = file.read(into: &piece, maxBytes: ReaderState.pieceSize) else { return false }
            // A file that reads longer than its size said (a pipe says 0)
            // counts what it really holds.
            read += n
            if read > file.size {
                totalBytes += read - max(file.size, read - n)
                if totalBytes > options.maxTotalBytes {
                    tooLarge(path)
                    return true
                }
            }
            let atEnd = n == 0
            var complete = piece.count
            if !atEnd {
                guard let lastLF = piece.lastIndex(of: ASCII.lf) else { continue }
                complete = lastLF + 1
            }
            let rest = Array(piece[complete...])
            piece.removeLast(piece.count - complete)
            readLines(SharedBytes(piece), context: context, number: &number)
            if atEnd { break }
            piece = rest
        }
        return true
    }

    /// Reads the lines of `shared`: whole lines, the last perhaps without
    /// its newline (at the end of the file).
    mutating func readLines(_ shared: SharedBytes, context: FileContext, number: inout Int32) {
        let table = ByteClass.table
        withExtendedLifetime(shared) { shared.bytes.withUnsafeBufferPointer { buf in
            let n = buf.count
            var lineStart = 0
            while lineStart < n && !aborted {
                number += 1
                var i = n
                if let base = buf.baseAddress, let lf = memchr(base + lineStart, Int32(ASCII.lf), n - lineStart) {
                    i = UnsafeRawPointer(lf).assumingMemoryBound(to: UInt8.self) - base
                }
                var contentEnd = i
                while contentEnd > lineStart && buf[contentEnd - 1] == ASCII.cr { contentEnd -= 1 }
                let classes = ByteClass.of(UnsafeBufferPointer(rebasing: buf[lineStart..<contentEnd]), table)
                let hasNul = classes & ByteClass.nul != 0
                current = PhysicalLine(context: context, number: number, bytes: shared,
                                       start: lineStart, end: contentEnd)
                let length = i - lineStart
                lineStart = i + 1
                if hasNul {
                    error("line contains a NUL byte - ignoring it", column: 1, length: 1,
                          notes: ["is this a binary file?"])
                    continue
                }
                if length > Preprocessor.maxLineLength {
                    error("line is too long (\(length) bytes; keepalived reads at most \(Preprocessor.maxLineLength)) - ignoring it",
                          column: 1, length: 1)
                    continue
                }
                physicalLine(buf, start: current.start, end: contentEnd, classes: classes)
            }
        } }
    }

    mutating func physicalLine(_ buf: UnsafeBufferPointer<UInt8>, start: Int, end: Int, classes: UInt8) {
        let openQuote = Decommenter.decomment(buf, from: start, to: end, classes: classes, into: &work)
        if pendingDefinition != nil {
            continueDefinition(physicallyEmpty: start == end)
            return
        }
        if openQuote { unterminatedQuote(work) }
        if work.isEmpty { return }
        process(work, depth: 0)
    }

    // MARK: Definitions, conditionals, sequences, substitution

    /// One more physical line while a multi-line definition is open. As
    /// observed on 2.2.7, a physically empty line ends the definition; a
    /// line that is empty only once its comment is gone is passed over.
    mutating func continueDefinition(physicallyEmpty: Bool) {
        guard var def = pendingDefinition else { return }
        if physicallyEmpty {
            definitions.define(def.name, def.value)
            pendingDefinition = nil
            return
        }
        if work.isEmpty { return }
        var bytes = work.bytes
        let continues = bytes.last == ASCII.backslash
        if continues { bytes.removeLast() }
        while let l = bytes.last, ASCII.isBlank(l) { bytes.removeLast() }
        if !def.value.isEmpty { def.value.append(ASCII.lf) }
        def.value.append(contentsOf: bytes)
        if continues {
            pendingDefinition = def
        } else {
            definitions.define(def.name, def.value)
            pendingDefinition = nil
        }
    }

    mutating func process(_ input: LineBuffer, depth: Int) {
        if aborted { return }
        var line = input
        // @ID / @^ID: keep the rest only for (or except for) this config-id.
        if line.bytes.first == ASCII.at {
            var i = 1
            let negate = i < line.count && line.bytes[i] == ASCII.caret
            if negate { i += 1 }
            let idStart = i
            while i < line.count && !ASCII.isBlank(line.bytes[i]) { i += 1 }
            let matches = line.bytes[idStart..<i].elementsEqual(definitions.configID)
            if matches == negate { return }
            while i < line.count && ASCII.isBlank(line.bytes[i]) { i += 1 }
            if i == line.count { return }
            line = line.slice(i, line.count)
        }
        let first = line.bytes[0]
        if first == ASCII.dollar, define(line) { return }
        if first == ASCII.tilde {
            var defs = definitions
            if let spec = SequenceSpec.parse(line, expand: { ReaderState.expandFully($0, &defs) }) {
                definitions = defs
                switch spec {
                case .failure(let e):
                    error(e.message, column: line.column(0), length: 4)
                case .success(let s):
                    sequence(s, at: line.column(0), depth: depth)
                }
                return
            }
        }
        if line.contains(ByteClass.dollar) {
            var expanded = line
            var changed = false
            var passes = 0
            substitution: while true {
                switch definitions.substitute(expanded) {
                case .unchanged:
                    break substitution
                case .changed(let next):
                    expanded = next
                    changed = true
                    passes += 1
                    if passes > ReaderState.maxSubstitutionPasses || expanded.count > ReaderState.maxExpandedLineLength {
                        error("expanding this line does not terminate - is a definition written in terms of itself?",
                              column: line.column(0), length: 1)
                        return
                    }
                case .badRandom(let text):
                    error("\(text): ${_RANDOM} takes [MIN [MAX]], whole numbers with MIN <= MAX",
                          column: line.column(0), length: 1)
                    break substitution
                }
            }
            if changed {
                expandedLines(expanded, depth: depth)
                return
            }
        }
        emit(line)
    }

    /// `$NAME=value`; false when the line is not a definition.
    mutating func define(_ line: LineBuffer) -> Bool {
        var i = 1
        guard i < line.count, ASCII.isNameStart(line.bytes[i]) else { return false }
        while i < line.count && ASCII.isNameByte(line.bytes[i]) { i += 1 }
        guard i < line.count, line.bytes[i] == ASCII.equals else { return false }
        let name = Array(line.bytes[1..<i])
        i += 1
        while i < line.count && ASCII.isBlank(line.bytes[i]) { i += 1 }
        var value = Array(line.bytes[i...])
        if value.last == ASCII.backslash {
            value.removeLast()
            while let l = value.last, ASCII.isBlank(l) { value.removeLast() }
            pendingDefinition = (name, value)
        } else {
            definitions.define(name, value)
        }
        return true
    }

    /// `~SEQ`/`~LST` parameters may use single-line definitions.
    static func expandFully(_ line: LineBuffer, _ definitions: inout Definitions) -> LineBuffer {
        var current = line
        for _ in 0..<ReaderState.maxSubstitutionPasses {
            guard case .changed(let next) = definitions.substitute(current),
                  next.count <= ReaderState.maxExpandedLineLength else { break }
            current = next
        }
        return current
    }

    mutating func sequence(_ spec: SequenceSpec, at column: Int32, depth: Int) {
        let count = spec.iterations
        let budget = Int64(options.maxTotalBytes - totalBytes)
        if count > 1_000_000 || count * Int64(max(1, spec.rest.count)) > budget {
            error("~SEQ/~LST of \(count) steps - refusing (at most 1,000,000, and 64 MiB of text in all)",
                  column: column, length: 4)
            return
        }
        if depth >= ReaderState.maxExpansionDepth {
            error("~SEQ/~LST nested too deeply", column: column, length: 4)
            return
        }
        var k: Int64 = 0
        while k < count && !aborted {
            for (name, value) in spec.values(at: k) { definitions.define(name, value) }
            if !spec.rest.isEmpty { process(spec.rest, depth: depth + 1) }
            k += 1
        }
    }

    /// The lines a substitution produced (several when a multi-line value
    /// was used): each is decommented again and processed from the start.
    mutating func expandedLines(_ expanded: LineBuffer, depth: Int) {
        if depth >= ReaderState.maxExpansionDepth {
            error("definitions expand into each other too deeply - is a multi-line definition used inside itself?",
                  column: expanded.isEmpty ? 1 : expanded.column(0), length: 1)
            return
        }
        totalBytes += expanded.count
        if totalBytes > options.maxTotalBytes {
            tooLarge(current.file)
            return
        }
        var start = 0
        var piece = LineBuffer()
        while start <= expanded.count {
            let end = expanded.bytes[start...].firstIndex(of: ASCII.lf) ?? expanded.count
            let part = expanded.slice(start, end)
            if Decommenter.redecomment(part, into: &piece) { unterminatedQuote(piece) }
            if !piece.isEmpty { process(piece, depth: depth + 1) }
            start = end + 1
        }
    }

    // MARK: Problems

    mutating func error(_ message: String, column: Int32, length: Int, notes: [String] = []) {
        diagnostics.report(Diagnostic(.error, message, at: current.location(column: column),
                                      sourceLine: current.source, length: length, notes: notes))
        errorCount += 1
        if errorCount >= ReaderState.maxErrors && !aborted {
            aborted = true
            diagnostics.report(Diagnostic(.fatal, "too many errors in the configuration text - stopped reading",
                                          at: current.location(column: 1)))
        }
    }

    mutating func unterminatedQuote(_ line: LineBuffer) {
        let column = line.bytes.lastIndex(of: ASCII.quote).map { line.column($0) } ?? 1
        error("unterminated quote", column: column, length: 1,
              notes: ["a '\"' opens a string that must close on the same line"])
    }

    mutating func tooLarge(_ path: String) {
        guard !aborted else { return }
        aborted = true
        diagnostics.report(Diagnostic(.fatal,
            "configuration is too large: more than \(options.maxTotalBytes >> 20) MiB read or produced by expansion (at '\(path)')",
            notes: ["keepalived configurations are far smaller; is this the right file?"]))
    }
}
