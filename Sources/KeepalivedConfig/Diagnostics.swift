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

    public init() {}

    public func report(_ d: Diagnostic) { all.append(d) }

    public func warning(_ message: String, at token: Token, line: LogicalLine? = nil, notes: [String] = []) {
        report(Diagnostic(.warning, message, at: token.location, sourceLine: line?.source,
                          length: token.text.count, notes: notes))
    }

    public func error(_ message: String, at token: Token, line: LogicalLine? = nil, notes: [String] = []) {
        report(Diagnostic(.error, message, at: token.location, sourceLine: line?.source,
                          length: token.text.count, notes: notes))
    }

    public var worst: Diagnostic.Severity? { all.map(\.severity).max() }
    public var hasErrors: Bool { all.contains { $0.severity >= .error } }
    public var hasWarnings: Bool { all.contains { $0.severity == .warning } }

    /// keepalived 2.2.7's `-t` exit status for this set of diagnostics. Its
    /// recorder keeps the least severe class seen (script security ranks
    /// above all), so a fatal problem gives 4 only when nothing milder was
    /// also reported (reference §1.10).
    public var configTestExitStatus: Int32 {
        if all.isEmpty { return 0 }
        if all.contains(where: { $0.severity == .scriptSecurity }) { return 6 }
        if all.allSatisfy({ $0.severity == .fatal }) { return 4 }
        return 5
    }
}
