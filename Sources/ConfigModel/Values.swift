// Small value types shared by every section of the model.

/// keepalived's TIMER: decimal seconds with microsecond resolution.
/// Stored as whole microseconds (exact in the binary encoding); `kaconf dump
/// --json` prints it as seconds.
public struct Interval: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public static func seconds(_ s: Int64) -> Interval { Interval(microseconds: s * 1_000_000) }
    public static func milliseconds(_ ms: Int64) -> Interval { Interval(microseconds: ms * 1_000) }
    public static let zero = Interval(microseconds: 0)

    /// Parses "1", "0.5", "3.000001" (at most 6 fractional digits, as keepalived).
    public init?(seconds text: some StringProtocol) {
        var whole: Int64 = 0
        var frac: Int64 = 0
        var fracDigits = 0
        var seenDot = false
        var digits = 0
        for u in text.utf8 {
            if u == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
            } else if u >= 0x30 && u <= 0x39 {
                digits += 1
                if seenDot {
                    guard fracDigits < 6 else { return nil }
                    frac = frac * 10 + Int64(u - 0x30)
                    fracDigits += 1
                } else {
                    let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(Int64(u - 0x30))
                    guard !o1, !o2, a <= Int64.max / 1_000_000 - 1 else { return nil }
                    whole = a
                }
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        while fracDigits < 6 { frac *= 10; fracDigits += 1 }
        microseconds = whole * 1_000_000 + frac
    }

    public var duration: Duration { .microseconds(microseconds) }
    public var seconds: Double { Double(microseconds) / 1_000_000 }

    /// "1", "0.5", "2.000001": the shortest decimal that reads back the same.
    public var description: String {
        let w = microseconds / 1_000_000
        var f = microseconds % 1_000_000
        if f == 0 { return "\(w)" }
        var digits = String(f)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast(); f /= 10 }
        return "\(w).\(digits)"
    }

    public static func < (a: Interval, b: Interval) -> Bool { a.microseconds < b.microseconds }
    public static func + (a: Interval, b: Interval) -> Interval { Interval(microseconds: a.microseconds + b.microseconds) }
    public static func * (a: Interval, n: Int64) -> Interval { Interval(microseconds: a.microseconds * n) }

    public init(from decoder: any Decoder) throws {
        microseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(microseconds)
    }
}

/// Identifies one script of the compiled configuration: daemons ask the
/// supervisor to run script N, never a command line.
public struct ScriptID: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (a: ScriptID, b: ScriptID) -> Bool { a.index < b.index }
    public var description: String { "script#\(index)" }

    public init(from decoder: any Decoder) throws { index = try decoder.singleValueContainer().decode(Int.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(index)
    }
}

/// A command keepalived would run: notify scripts, track scripts, MISC_CHECK,
/// quorum_up/down, startup/shutdown scripts.
public struct Script: Hashable, Sendable, Codable {
    /// Where this script sits in `CompiledConfig.scripts` (assigned at compile).
    public var id: ScriptID
    /// The command as keepalived's second-level parser splits it (reference §1.3).
    public var argv: [String]
    /// `user[:group]` given on the keyword line, else nil (script_user applies).
    public var user: String?
    public var group: String?
    /// Kill after this long; nil means the caller's default (e.g. misc_timeout).
    public var timeout: Interval?

    public init(id: ScriptID = ScriptID(-1), argv: [String], user: String? = nil, group: String? = nil,
                timeout: Interval? = nil) {
        self.id = id
        self.argv = argv
        self.user = user
        self.group = group
        self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey { case id, argv, user, group, timeout }
}
