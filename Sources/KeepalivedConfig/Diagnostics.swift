// Diagnostics: every problem found in a configuration, with its class.
//
// The classes mirror what keepalived 2.2.7's `-t` distinguishes (reference
// §1.10): a fatal problem makes `keepalived -t` exit 4, a script-security
// violation 6, and any other error or warning 5. `kaconf` exits 1 on errors
// (and on warnings with --werror).

public struct Diagnostic: Sendable, CustomStringConvertible {
    public enum Severity: Int, Sendable, Comparable, CustomStringConvertible {
        case warning = 0
        case error = 1
        case scriptSecurity = 2
        case fatal = 3

        public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }

        public var description: String {
            switch self {
            case .warning: return "warning"
            case .error: return "error"
            case .scriptSecurity: return "script-security"
            case .fatal: return "fatal"
            }
        }
    }

    public var severity: Severity
    public var message: String
    public var location: SourceLocation?
    /// The physical line the location points into, for the caret display.
    public var sourceLine: String?
    /// How long the underlined span is (at least 1).
    public var length: Int
    /// "did you mean ...", "what would have to be guessed", etc.
    public var notes: [String]

    public init(_ severity: Severity, _ message: String, at location: SourceLocation? = nil,
                sourceLine: String? = nil, length: Int = 1, notes: [String] = []) {
        self.severity = severity
        self.message = message
        self.location = location
        self.sourceLine = sourceLine
        self.length = max(1, length)
        self.notes = notes
    }

    public var description: String {
        if let l = location { return "\(l): \(severity): \(message)" }
        return "\(severity): \(message)"
    }
}

/// Collects diagnostics while a configuration is read and checked.
public final class Diagnostics: @unchecked Sendable {
    public private(set) var all: [Diagnostic] = []

    /// At most this many diagnostics are kept; the rest are only counted (by
    /// severity), so that a 100 MB file of garbage cannot make the compiler
    /// hold and print millions of messages.
    public var storageLimit = 10_000
    /// Diagnostics counted but not kept, by severity.
    public private(set) var suppressed: [Diagnostic.Severity: Int] = [:]

    /// Set by problems keepalived treats as "no usable configuration" (a
    /// failed include check, reference §1.6): its `-t` then exits 6 whatever
    /// else was reported.
    public private(set) var configUnusable = false

    public init() {}

    public func report(_ d: Diagnostic) {
        if all.count < storageLimit {
            all.append(d)
        } else {
            suppressed[d.severity, default: 0] += 1
        }
    }

    /// Reports `d` and marks the configuration unusable (see `configUnusable`).
    public func reportUnusable(_ d: Diagnostic) {
        configUnusable = true
        report(d)
    }

    public func warning(_ message: String, at token: Token, line: LogicalLine? = nil, notes: [String] = []) {
        report(Diagnostic(.warning, message, at: token.location, sourceLine: line?.source,
                          length: token.text.count, notes: notes))
    }

    public func error(_ message: String, at token: Token, line: LogicalLine? = nil, notes: [String] = []) {
        report(Diagnostic(.error, message, at: token.location, sourceLine: line?.source,
                          length: token.text.count, notes: notes))
    }

    public var suppressedCount: Int { suppressed.values.reduce(0, +) }

    private var severities: [Diagnostic.Severity] { all.map(\.severity) + suppressed.keys }

    public var worst: Diagnostic.Severity? { severities.max() }
    public var hasErrors: Bool { severities.contains { $0 >= .error } }
    public var hasWarnings: Bool { severities.contains { $0 == .warning } }

    /// keepalived 2.2.7's `-t` exit status for this set of diagnostics. Its
    /// recorder keeps the least severe class seen (script security ranks
    /// above all), so a fatal problem gives 4 only when nothing milder was
    /// also reported (reference §1.10). A failed include check makes the
    /// configuration unusable, which `-t` reports as 6.
    public var configTestExitStatus: Int32 {
        if configUnusable { return 6 }
        let seen = severities
        if seen.isEmpty { return 0 }
        if seen.contains(.scriptSecurity) { return 6 }
        if seen.allSatisfy({ $0 == .fatal }) { return 4 }
        return 5
    }
}
