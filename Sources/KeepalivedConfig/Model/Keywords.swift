// The keyword tables: for each section, every keyword keepalived 2.2.7
// registers, with its shape (what the block parser needs) and how it changes
// the model (what the builder needs). One table serves both, so a keyword
// cannot be known to the parser and forgotten by the builder.

import ConfigModel

/// How a keyword line changes the model value `M` of its section.
typealias Apply<M> = (inout M, ConfigNode, ModelBuilder) -> Void

struct Keyword<M> {
    let name: String
    let shape: KeywordShape
    let apply: Apply<M>
    /// For old spellings keepalived still accepts: the warning it gives.
    let deprecation: String?

    init(_ name: String, shape: KeywordShape = .plain, deprecated: String? = nil, _ apply: @escaping Apply<M>) {
        self.name = name
        self.shape = shape
        self.apply = apply
        self.deprecation = deprecated
    }
}

/// One section's keywords. Immutable once built; the closures capture only
/// key paths and constants, so sharing them between threads is safe.
struct Section<M>: @unchecked Sendable {
    let path: SectionPath
    let table: KeywordTable<Keyword<M>>

    init(_ path: String, _ keywords: [Keyword<M>]) {
        self.path = SectionPath(path)
        table = KeywordTable(keywords.map { ($0.name, $0) })
    }

    var shapes: KeywordTable<KeywordShape> { table.mapValues(\.shape) }

    /// Applies every line of a keyword block to `m`. Unknown keywords were
    /// reported (and skipped) by the block parser; they are skipped here too.
    func apply(_ nodes: [ConfigNode], to m: inout M, _ b: ModelBuilder) {
        // Through the buffer: each node is borrowed, not copied.
        nodes.withUnsafeBufferPointer { nodes in
            for i in nodes.indices { apply(nodes[i], to: &m, b) }
        }
    }

    /// Applies one keyword line (or block) to `m`.
    func apply(_ node: borrowing ConfigNode, to m: inout M, _ b: ModelBuilder) {
        guard let k = table[node.line.tokens[0].text] else { return }
        if let d = k.deprecation { b.warning(d, at: node.keyword, node) }
        k.apply(&m, node, b)
    }
}

// MARK: - Common keyword kinds

extension Keyword {
    /// A bare flag: present means on. keepalived ignores any words after it.
    static func flag(_ name: String, _ kp: WritableKeyPath<M, Bool>, deprecated: String? = nil) -> Keyword {
        Keyword(name, deprecated: deprecated) { m, _, _ in m[keyPath: kp] = true }
    }

    /// `[BOOL]`: bare means on; otherwise on|off|true|false|yes|no.
    static func bool(_ name: String, _ kp: WritableKeyPath<M, Bool>) -> Keyword {
        Keyword(name) { m, n, b in if let v = b.optionalBool(n) { m[keyPath: kp] = v } }
    }

    /// `[BOOL]` stored as "set or inherited".
    static func bool(_ name: String, _ kp: WritableKeyPath<M, Bool?>) -> Keyword {
        Keyword(name) { m, n, b in if let v = b.optionalBool(n) { m[keyPath: kp] = v } }
    }

    /// One word.
    static func string(_ name: String, _ kp: WritableKeyPath<M, String?>) -> Keyword {
        Keyword(name) { m, n, b in if let t = b.required(n) { m[keyPath: kp] = t.text } }
    }

    /// An optional word: bare stores "".
    static func optionalString(_ name: String, _ kp: WritableKeyPath<M, String?>) -> Keyword {
        Keyword(name) { m, n, _ in m[keyPath: kp] = n.arguments.first?.text ?? "" }
    }

    /// An integer in `range`.
    static func int<T: FixedWidthInteger>(_ name: String, _ kp: WritableKeyPath<M, T>, _ range: ClosedRange<Int64>,
                                          guess: String? = nil) -> Keyword {
        Keyword(name) { m, n, b in
            if let t = b.required(n), let v = b.integer(t, n, range, guess: guess) { m[keyPath: kp] = T(v) }
        }
    }

    static func int<T: FixedWidthInteger>(_ name: String, _ kp: WritableKeyPath<M, T?>, _ range: ClosedRange<Int64>,
                                          guess: String? = nil) -> Keyword {
        Keyword(name) { m, n, b in
            if let t = b.required(n), let v = b.integer(t, n, range, guess: guess) { m[keyPath: kp] = T(v) }
        }
    }

    /// A TIMER: decimal seconds, microsecond resolution, within `range`.
    static func timer(_ name: String, _ kp: WritableKeyPath<M, Interval>, _ range: ClosedRange<Interval>) -> Keyword {
        Keyword(name) { m, n, b in
            if let t = b.required(n), let v = b.timer(t, n, range) { m[keyPath: kp] = v }
        }
    }

    static func timer(_ name: String, _ kp: WritableKeyPath<M, Interval?>, _ range: ClosedRange<Interval>) -> Keyword {
        Keyword(name) { m, n, b in
            if let t = b.required(n), let v = b.timer(t, n, range) { m[keyPath: kp] = v }
        }
    }

    /// An IP address of either family.
    static func address(_ name: String, _ kp: WritableKeyPath<M, IPAddress?>) -> Keyword {
        Keyword(name) { m, n, b in
            if let t = b.required(n), let a = b.address(t, n) { m[keyPath: kp] = a }
        }
    }

    /// A command: `CMD [user[:group]]` (reference §2.2).
    static func script(_ name: String, _ kp: WritableKeyPath<M, Script?>) -> Keyword {
        Keyword(name) { m, n, b in if let s = b.script(n) { m[keyPath: kp] = s } }
    }

    /// A block of value lines, each handled by `line`.
    static func values(_ name: String, _ line: @escaping (inout M, LogicalLine, ConfigNode, ModelBuilder) -> Void) -> Keyword {
        Keyword(name, shape: .valueBlock) { m, n, b in
            for l in b.valueLines(n) { line(&m, l, n, b) }
        }
    }

    /// A keyword block whose lines are applied by `section` to a sub-value
    /// stored at `kp` (created on first use).
    static func block<S>(_ name: String, _ section: Section<S>, _ kp: WritableKeyPath<M, S?>, new: @escaping () -> S) -> Keyword {
        Keyword(name, shape: .block(section.path)) { m, n, b in
            var v = m[keyPath: kp] ?? new()
            section.apply(b.children(n), to: &v, b)
            m[keyPath: kp] = v
        }
    }
}
