// The block parser: logical lines + a Grammar -> ConfigNode trees.
//
// keepalived's recovery (reference §1.5), with its messages: a block
// keyword whose '{' is missing (the block is still read), a stray '{', an
// extra '}', and missing '}'s at the end. Value blocks are read line by
// line. The parser keeps an explicit stack (no recursion) and caps known
// blocks at `maxDepth`; skipped blocks are only counted, so any nesting
// depth costs constant stack.
//
// Deliberate difference: an unknown keyword is a warning and its whole
// {...} block is skipped with it. keepalived instead ignores the '{',
// reads the inner lines as if they belonged to the enclosing block and
// lets the inner '}' close the enclosing block, misattributing what
// follows. A stray '{' likewise skips the block it opens.
//
// Brace problems are errors: the structure had to be guessed.

public final class BlockParser {
    /// Known blocks nest at most this deep (keepalived's deepest is 5:
    /// virtual_server/real_server/HTTP_GET/url and the like).
    public static let maxDepth = 32

    private var state: ParserState

    /// With `onTopLevel`, each top-level node is handed over as soon as it
    /// is complete instead of being kept for `finish()`.
    public init(grammar: any Grammar, diagnostics: Diagnostics, onTopLevel: ((consuming ConfigNode) -> Void)? = nil) {
        state = ParserState(grammar: grammar, diagnostics: diagnostics, onTopLevel: onTopLevel)
    }

    /// Parses all `lines` at once.
    public static func parse(_ lines: [LogicalLine], grammar: any Grammar, diagnostics: Diagnostics) -> [ConfigNode] {
        let p = BlockParser(grammar: grammar, diagnostics: diagnostics)
        for l in lines { p.consume(l) }
        return p.finish()
    }

    public func consume(_ line: consuming LogicalLine) { state.consume(line) }

    /// Ends the input: reports what is still open and returns the top-level
    /// nodes (none when they were handed to `onTopLevel`).
    public func finish() -> [ConfigNode] { state.finish() }
}

/// The parser's state, a struct so its stack is mutated without dynamic
/// exclusivity checks.
struct ParserState {

    private let grammar: any Grammar
    private let diagnostics: Diagnostics
    private let onTopLevel: ((consuming ConfigNode) -> Void)?

    private struct Frame {
        var section: SectionPath
        /// The section's keywords, looked up once for the block.
        var shapes: SectionShapes
        var opener: LogicalLine?
        var isValues: Bool
        var children: [ConfigNode] = []
        var values: [LogicalLine] = []
    }

    private enum Pending {
        case block(LogicalLine, SectionPath)
        case values(LogicalLine)
        case plainOrValues(LogicalLine)
        case unknown
    }

    private var stack: [Frame]
    private var pending: Pending?
    /// How deep inside a skipped block we are (0: not skipping).
    private var skipping = 0
    private var skipOpener: LogicalLine?

    init(grammar: any Grammar, diagnostics: Diagnostics, onTopLevel: ((consuming ConfigNode) -> Void)?) {
        self.grammar = grammar
        self.diagnostics = diagnostics
        self.onTopLevel = onTopLevel
        stack = [Frame(section: .top, shapes: grammar.shapes(in: .top), opener: nil, isValues: false)]
    }

    // Lines and nodes are taken over (consuming) all the way from the reader
    // to the builder: copying them cost a retain and a release per counted
    // field at every step.
    mutating func consume(_ line: consuming LogicalLine) {
        let tokens = line.tokens
        guard let first = tokens.first else { return }
        let isClose = tokens.count == 1 && first.isCloseBrace
        let isOpenOnly = tokens.count == 1 && first.isOpenBrace
        let opens = !isClose && tokens[tokens.count - 1].isOpenBrace

        if skipping > 0 {
            if isClose { skipping -= 1 } else if opens { skipping += 1 }
            return
        }

        if let p = pending {
            pending = nil
            if isOpenOnly {
                switch p {
                case .block(let l, let s): push(l, section: s, values: false)
                case .values(let l), .plainOrValues(let l): push(l, section: stack[stack.count - 1].section, values: true)
                case .unknown: startSkipping(line)
                }
                return
            }
            switch p {
            case .block(let l, let s):
                missingOpenBrace(l)
                push(l, section: s, values: false)
            case .values(let l):
                missingOpenBrace(l)
                push(l, section: stack[stack.count - 1].section, values: true)
            case .plainOrValues(let l):
                add(ConfigNode(line: l, body: .none))
            case .unknown:
                break
            }
        }

        if isClose {
            close(line)
            return
        }
        if isOpenOnly {
            structural("unexpected '{' - skipping the block it opens", at: first, line: line,
                       notes: ["a '{' belongs at the end of a line that starts a block, e.g. 'vrrp_instance VI_1 {'"])
            startSkipping(line)
            return
        }

        let top = stack.count - 1
        if stack[top].isValues {
            if opens {
                structural("unexpected '{' inside the values of '\(stack[top].opener?.tokens[0].text ?? "")' - skipping the block it opens",
                           at: tokens[tokens.count - 1], line: line)
                startSkipping(line)
            } else {
                stack[top].values.append(line)
            }
            return
        }

        let section = stack[top].section
        guard let shape = stack[top].shapes.shape(of: first.text) else {
            unknownKeyword(first, in: section, line: line, opensBlock: opens)
            if opens { startSkipping(line) } else { pending = .unknown }
            return
        }
        switch shape {
        case .plain:
            guard opens else {
                add(ConfigNode(line: line, body: .none))
                return
            }
            add(ConfigNode(line: copy line, body: .none))
            structural("'\(first.text)' does not open a block - skipping the block", at: tokens[tokens.count - 1], line: line)
            startSkipping(line)
        case .block(let s):
            if opens { push(line, section: s, values: false) } else { pending = .block(line, s) }
        case .valueBlock:
            if opens { push(line, section: section, values: true) } else { pending = .values(line) }
        case .plainOrValueBlock:
            if opens { push(line, section: section, values: true) } else { pending = .plainOrValues(line) }
        }
    }

    mutating func finish() -> [ConfigNode] {
        if let p = pending {
            pending = nil
            switch p {
            case .block(let l, let s):
                missingOpenBrace(l)
                push(l, section: s, values: false)
            case .values(let l):
                missingOpenBrace(l)
                push(l, section: .top, values: true)
            case .plainOrValues(let l):
                add(ConfigNode(line: l, body: .none))
            case .unknown:
                break
            }
        }
        let open = stack.count - 1 + skipping
        if open > 0 {
            var notes: [String] = []
            for f in stack.dropFirst().reversed() {
                if let o = f.opener { notes.append("'\(o.tokens.dropLast().map(\.text).joined(separator: " "))' opened at \(o.location) is not closed") }
            }
            if skipping > 0, let s = skipOpener {
                notes.insert("the block skipped from \(s.location) is not closed", at: 0)
            }
            let at = skipping > 0 ? skipOpener : stack.last?.opener
            let s = open == 1 ? "" : "s"
            diagnostics.report(Diagnostic(.error, "there \(open == 1 ? "is" : "are") \(open) missing '}'\(s) at the end of the configuration",
                                          at: at?.location, sourceLine: at?.source,
                                          length: at?.tokens.first?.text.count ?? 1, notes: notes))
        }
        skipping = 0
        while stack.count > 1 { closeTop() }
        let nodes = stack[0].children
        stack[0].children = []
        return nodes
    }

    // MARK: Structure

    private mutating func push(_ line: consuming LogicalLine, section: SectionPath, values: Bool) {
        if stack.count > BlockParser.maxDepth {
            structural("blocks are nested more than \(BlockParser.maxDepth) deep - skipping this one",
                       at: line.tokens[0], line: line)
            startSkipping(line)
            return
        }
        let shapes = section == stack[stack.count - 1].section ? stack[stack.count - 1].shapes : grammar.shapes(in: section)
        stack.append(Frame(section: section, shapes: shapes, opener: line, isValues: values))
    }

    private mutating func close(_ line: LogicalLine) {
        if stack.count == 1 {
            structural("extra '}' found - ignoring it", at: line.tokens[0], line: line,
                       notes: ["no block is open here"])
            return
        }
        closeTop()
    }

    private mutating func closeTop() {
        let f = stack.removeLast()
        guard let opener = f.opener else { return }
        add(ConfigNode(line: opener, body: f.isValues ? .values(f.values) : .block(f.children)))
    }

    private mutating func add(_ node: consuming ConfigNode) {
        if stack.count == 1, let onTopLevel {
            onTopLevel(node)
        } else {
            stack[stack.count - 1].children.append(node)
        }
    }

    private mutating func startSkipping(_ line: consuming LogicalLine) {
        skipping = 1
        skipOpener = line
    }

    // MARK: Messages

    private func missingOpenBrace(_ l: LogicalLine) {
        let last = l.tokens[l.tokens.count - 1]
        structural("missing '{' at the beginning of the '\(l.tokens[0].text)' block", at: last, line: l,
                   notes: ["reading the lines that follow as its block"])
    }

    private func structural(_ message: String, at token: Token, line: LogicalLine, notes: [String] = []) {
        diagnostics.error(message, at: token, line: line, notes: notes)
    }

    private func unknownKeyword(_ keyword: Token, in section: SectionPath, line: LogicalLine, opensBlock: Bool) {
        var notes: [String] = []
        if let s = Suggestions.closest(to: keyword.text, among: grammar.keywords(in: section)) {
            notes.append("did you mean '\(s)'?")
        }
        let elsewhere = grammar.sections(containing: keyword.text).filter { $0 != section }
        if !elsewhere.isEmpty {
            notes.append("'\(keyword.text)' belongs in \(elsewhere.map(\.description).joined(separator: ", "))")
        }
        let place = section == .top ? "at the top level" : "in \(section)"
        let tail = opensBlock ? " - skipping its block" : ""
        diagnostics.warning("unknown keyword '\(keyword.text)' \(place)\(tail)", at: keyword, line: line, notes: notes)
    }
}
