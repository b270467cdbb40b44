// ConfigNode tree -> KeepalivedConfiguration. The section tables (one file
// per area) say what each keyword does; this file holds the state of one
// build and the value readers they share, which report problems at the token
// in words close to keepalived's own.

import ConfigModel

/// A place to point a diagnostic at: 24 bytes, no source text. The line is
/// read back from the file only when a diagnostic is reported, so a
/// configuration of 100,000 real servers keeps no text for them.
struct Spot {
    var location: SourceLocation
    var length: Int32

    init(_ t: Token) {
        location = t.location
        length = Int32(clamping: max(1, t.text.utf8.count))
    }
}

/// Where a named block came from, for checks that run after the build.
struct Origin {
    /// The keyword that opened the block (`vrrp_instance`, `real_server`, ...).
    var keyword: Spot
    /// The block's name or address, when it has one.
    var name: Spot?
    /// The last line that set each keyword inside the block (its first
    /// argument, else the keyword), recorded for instances and services.
    var keywords: [String: Spot] = [:]
    /// Which top-level block it is in, counting from 1: keepalived resolves
    /// tracked scripts, files, processes and BFD instances while reading, so
    /// they must be defined in an earlier block than the one that uses them.
    var sequence = 0

    init(_ node: ConfigNode) {
        keyword = Spot(node.keyword)
        name = node.arguments.first.map(Spot.init)
    }

    mutating func record(_ node: ConfigNode) {
        keywords[node.keyword.text] = Spot(node.arguments.first ?? node.keyword)
    }

    /// Where to point for `keyword`: its line, else the block's name.
    func spot(_ keyword: String) -> Spot { keywords[keyword] ?? name ?? self.keyword }
    var here: Spot { name ?? keyword }
}

/// Where the parts of the model came from (indices match the model's arrays;
/// real servers and checkers are flat, in reading order).
struct Origins {
    var vrrpInstances: [Origin] = []
    var vrrpSyncGroups: [Origin] = []
    var vrrpScripts: [Origin] = []
    var trackProcesses: [Origin] = []
    var trackFiles: [Origin] = []
    var bfdInstances: [Origin] = []
    var virtualServerGroups: [Origin] = []
    var virtualServers: [Origin] = []
    var realServers: [Spot] = []
    var checkers: [Spot] = []
    var trackGroups: [Origin] = []
    var global: [String: Spot] = [:]
    /// Value blocks at the top level (static_ipaddress, ...), by keyword.
    var topLevel: [String: Spot] = [:]
    /// Each script's command and user words, by provisional script id.
    var scripts: [(command: Spot, user: Spot?)] = []
}

public final class ModelBuilder {
    public let diagnostics: Diagnostics
    var config = KeepalivedConfiguration()
    var origins = Origins()
    /// keepalived numbers rules without a preference downwards from 16384.
    var nextRulePreference: UInt32 = 16384

    /// Reads files back for diagnostics, and answers host questions when online.
    let host: (any Host)?
    /// Whether host facts (rt_tables names, smtp_server names) may be asked.
    let online: Bool
    /// "kind name" of every named section, for duplicate detection.
    var sectionNames: [String: SourceLocation] = [:]
    private var cachedTableNames: Set<String>??
    /// Files read back for diagnostics: bytes and line start offsets.
    private var sourceFiles: [String: (bytes: [UInt8], lines: [Int])] = [:]

    public init(diagnostics: Diagnostics, host: (any Host)? = nil, online: Bool? = nil) {
        self.diagnostics = diagnostics
        self.host = host
        self.online = online ?? (host?.isOnline ?? false)
    }

    /// The physical line at `location`, read back from its file.
    func sourceLine(_ location: SourceLocation) -> String? {
        let file = location.file
        if sourceFiles[file] == nil {
            guard let bytes = host?.readFile(file) else { return nil }
            var starts = [0]
            for (i, c) in bytes.enumerated() where c == 10 { starts.append(i + 1) }
            sourceFiles[file] = (bytes, starts)
        }
        guard let f = sourceFiles[file], location.line >= 1, location.line <= f.lines.count else { return nil }
        let start = f.lines[location.line - 1]
        var end = location.line < f.lines.count ? f.lines[location.line] - 1 : f.bytes.count
        if end > start, f.bytes[end - 1] == 13 { end -= 1 }
        return String(decoding: f.bytes[start..<max(start, end)], as: UTF8.self)
    }

    func report(_ severity: Diagnostic.Severity, _ message: String, at spot: Spot, notes: [String] = []) {
        diagnostics.report(Diagnostic(severity, message, at: spot.location, sourceLine: sourceLine(spot.location),
                                      length: Int(spot.length), notes: notes))
    }

    func error(_ message: String, at spot: Spot, notes: [String] = []) { report(.error, message, at: spot, notes: notes) }
    func warning(_ message: String, at spot: Spot, notes: [String] = []) { report(.warning, message, at: spot, notes: notes) }

    /// Names defined in the host's rt_tables files, or nil when offline.
    func routingTableNames() -> Set<String>? {
        if let c = cachedTableNames { return c }
        guard let host, online else { cachedTableNames = .some(nil); return nil }
        var names = Set<String>()
        var files = ["/etc/iproute2/rt_tables", "/usr/share/iproute2/rt_tables", "/usr/lib/iproute2/rt_tables"]
        files += host.glob("/etc/iproute2/rt_tables.d/*.conf")
        for f in files {
            guard let bytes = host.readFile(f) else { continue }
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard words.count >= 2, !words[0].hasPrefix("#") else { continue }
                names.insert(String(words[1]))
            }
        }
        cachedTableNames = .some(names)
        return names
    }

    /// How many top-level blocks have been read.
    var topLevelSequence = 0


    /// Builds the model from the parsed top-level nodes.
    public func build(_ nodes: [ConfigNode]) -> KeepalivedConfiguration {
        for n in nodes { add(n) }
        return config
    }

    /// Adds one top-level node (the block parser can hand them over one by one).
    public func add(_ node: consuming ConfigNode) {
        topLevelSequence += 1
        if case .values = node.body { origins.topLevel[node.keyword.text] = Spot(node.keyword) }
        TopLevelKeywords.section.apply(node, to: &config, self)
    }

    /// The model built so far.
    public var configuration: KeepalivedConfiguration { config }

    /// The model, leaving the builder empty (so the caller holds the only copy).
    func takeConfiguration() -> KeepalivedConfiguration {
        defer { config = KeepalivedConfiguration() }
        return config
    }

    /// Runs the checks that need the whole configuration, then (when `host`
    /// is online) the host checks.
    public func check(configDirectory: String) {
        CrossChecks(self).run()
        // A configuration for another network namespace (net_namespace)
        // names interfaces this one cannot see; keepalived -t then checks
        // neither interfaces nor script files, and neither do we.
        if let host, online, config.topLevel.netNamespace == nil {
            HostChecks(b: self, host: host, configDirectory: configDirectory).run()
        }
    }

    // MARK: Reporting

    func error(_ message: String, at token: Token, _ node: ConfigNode, notes: [String] = []) {
        diagnostics.error(message, at: token, line: node.line, notes: notes)
    }

    func error(_ message: String, at token: Token, line: LogicalLine, notes: [String] = []) {
        diagnostics.error(message, at: token, line: line, notes: notes)
    }

    func warning(_ message: String, at token: Token, _ node: ConfigNode, notes: [String] = []) {
        diagnostics.warning(message, at: token, line: node.line, notes: notes)
    }

    func warning(_ message: String, at token: Token, line: LogicalLine, notes: [String] = []) {
        diagnostics.warning(message, at: token, line: line, notes: notes)
    }

    // MARK: Shape of a node

    /// The lines of a keyword block.
    func children(_ n: ConfigNode) -> [ConfigNode] {
        if case .block(let c) = n.body { return c }
        return []
    }

    /// The lines of a value block; a plain line's own arguments count as one
    /// line (keepalived accepts `notification_email a@b` on one line).
    func valueLines(_ n: ConfigNode) -> [LogicalLine] {
        switch n.body {
        case .values(let lines): return lines.filter { !$0.tokens.isEmpty }
        case .none, .block:
            guard !n.arguments.isEmpty else { return [] }
            return [LogicalLine(tokens: Array(n.arguments), text: n.line.text, source: n.line.source, location: n.arguments[0].location)]
        }
    }

    /// The first argument, or an error naming the keyword when there is none.
    func required(_ n: ConfigNode) -> Token? {
        if let t = n.arguments.first { return t }
        error("\(n.keyword.text) needs a value", at: n.keyword, n)
        return nil
    }

    // MARK: Values

    /// `[BOOL]`: nil after reporting a bad word.
    func optionalBool(_ n: ConfigNode) -> Bool? {
        guard let t = n.arguments.first else { return true }
        if let v = Self.boolWord(t.text) { return v }
        error("\(n.keyword.text) expects on|off|true|false|yes|no, got '\(t.text)'", at: t, n)
        return nil
    }

    static func boolWord(_ s: String) -> Bool? {
        switch s {
        case "on", "true", "yes": return true
        case "off", "false", "no": return false
        default: return nil
        }
    }

    /// A decimal integer (an optional sign, digits; no hex, no exponent), as
    /// keepalived's number reader accepts them.
    static func parseInteger(_ s: String) -> Int64?? {
        var u = Substring(s).utf8[...]
        var negative = false
        if let f = u.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") {
            negative = f == UInt8(ascii: "-")
            u = u.dropFirst()
        }
        guard !u.isEmpty else { return nil }
        var v: Int64 = 0
        var overflow = false
        for c in u {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            if !overflow {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(c - 0x30))
                if o1 || o2 { overflow = true } else { v = a }
            }
        }
        if overflow { return .some(nil) }
        return .some(negative ? -v : v)
    }

    /// An integer within `range`; nil after reporting.
    func integer(_ t: Token, _ n: ConfigNode, _ range: ClosedRange<Int64>, guess: String? = nil,
                 what: String? = nil) -> Int64? {
        integer(t, line: n.line, what: what ?? n.keyword.text, range, guess: guess)
    }

    func integer(_ t: Token, line: LogicalLine, what: String, _ range: ClosedRange<Int64>, guess: String? = nil) -> Int64? {
        let notes = guess.map { ["keepalived would \($0)"] } ?? []
        switch Self.parseInteger(t.text) {
        case .none:
            error("\(what) expects a whole number \(Self.describe(range)), got '\(t.text)'", at: t, line: line, notes: notes)
            return nil
        case .some(.none):
            error("\(what) must be \(Self.describe(range)), got \(t.text)", at: t, line: line, notes: notes)
            return nil
        case .some(.some(let v)):
            guard range.contains(v) else {
                error("\(what) must be \(Self.describe(range)), got \(t.text)", at: t, line: line, notes: notes)
                return nil
            }
            return v
        }
    }

    static func describe(_ r: ClosedRange<Int64>) -> String {
        "\(r.lowerBound)...\(r.upperBound)"
    }

    /// A range of seconds as a reader wants it: "0.1...255", or "at least
    /// 0.000001" where the top is only the type's limit.
    static func describe(_ range: ClosedRange<Interval>) -> String {
        range.upperBound.microseconds >= 1_000_000_000 * 1_000_000
            ? "at least \(range.lowerBound)" : "\(range.lowerBound)...\(range.upperBound)"
    }

    /// A TIMER within `range`; nil after reporting.
    func timer(_ t: Token, _ n: ConfigNode, _ range: ClosedRange<Interval>, what: String? = nil,
               guess: String? = nil) -> Interval? {
        timer(t, line: n.line, what: what ?? n.keyword.text, range, guess: guess)
    }

    func timer(_ t: Token, line: LogicalLine, what: String, _ range: ClosedRange<Interval>, guess: String? = nil) -> Interval? {
        let notes = guess.map { ["keepalived would \($0)"] } ?? []
        let text = t.text.hasPrefix("+") ? String(t.text.dropFirst()) : t.text
        guard let v = Interval(seconds: text) else {
            if Self.tooManyDecimals(text) {
                error("\(what) has more than 6 decimal places: '\(t.text)'", at: t, line: line, notes: notes)
            } else {
                error("\(what) expects a number of seconds (\(Self.describe(range))), got '\(t.text)'",
                      at: t, line: line, notes: notes)
            }
            return nil
        }
        guard range.contains(v) else {
            error("\(what) must be \(Self.describe(range)) seconds, got \(t.text)", at: t, line: line, notes: notes)
            return nil
        }
        return v
    }

    static func tooManyDecimals(_ s: String) -> Bool {
        guard let dot = s.firstIndex(of: ".") else { return false }
        let frac = s[s.index(after: dot)...]
        return frac.count > 6 && frac.allSatisfy(\.isASCIIDigit) && Interval(seconds: s[..<dot]) != nil
    }

    /// An IP address; nil after reporting.
    func address(_ t: Token, _ n: ConfigNode, what: String? = nil) -> IPAddress? {
        address(t, line: n.line, what: what ?? n.keyword.text)
    }

    func address(_ t: Token, line: LogicalLine, what: String) -> IPAddress? {
        if let a = IPAddress(t.text) { return a }
        error("\(what): '\(t.text)' is not an IP address", at: t, line: line)
        return nil
    }

    /// A port 1...65535 (or `0...` when `allowZero`).
    func port(_ t: Token, line: LogicalLine, what: String, allowZero: Bool = false) -> UInt16? {
        integer(t, line: line, what: what, (allowZero ? 0 : 1)...65535).map { UInt16($0) }
    }

    /// One word from a fixed set; the error suggests the nearest.
    func choice<T>(_ t: Token, line: LogicalLine, what: String, _ options: [(String, T)]) -> T? {
        if let hit = options.first(where: { $0.0 == t.text }) { return hit.1 }
        let names = options.map(\.0)
        var notes = ["expected one of: \(names.joined(separator: " "))"]
        if let near = Self.nearest(t.text, in: names) { notes.insert("did you mean '\(near)'?", at: 0) }
        error("\(what): unknown value '\(t.text)'", at: t, line: line, notes: notes)
        return nil
    }

    /// The closest candidate by edit distance, when close enough to be a typo.
    static func nearest(_ word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased().utf8)
        var best: (String, Int)?
        for c in candidates {
            let d = editDistance(w, Array(c.lowercased().utf8))
            if d <= max(1, min(w.count, c.utf8.count) / 3), d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = prev
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    // MARK: Scripts

    /// `KEYWORD CMD [user [group]]` or `CMD [user[:group]]`: the command is
    /// the first word (quote it to pass arguments), re-split shell-like.
    func script(_ n: ConfigNode) -> Script? {
        guard let cmd = required(n) else { return nil }
        return script(command: cmd, userTokens: Array(n.arguments.dropFirst()), n)
    }

    func script(command cmd: Token, userTokens: [Token], _ n: ConfigNode) -> Script? {
        let argv: [String]
        do {
            argv = try CommandSplitter.split(cmd.text)
        } catch {
            self.error("\(n.keyword.text): \(error.message)", at: cmd, n)
            return nil
        }
        guard !argv.isEmpty, !argv[0].isEmpty else {
            error("\(n.keyword.text): empty command", at: cmd, n)
            return nil
        }
        // Provisionally numbered by reading order, so later checks find the
        // line; the compiler renumbers the final table.
        var s = Script(id: ScriptID(origins.scripts.count), argv: argv)
        if let u = userTokens.first {
            let (user, group) = Self.userGroup(u.text, userTokens.dropFirst().first?.text)
            s.user = user
            s.group = group
        }
        origins.scripts.append((Spot(cmd), userTokens.first.map(Spot.init)))
        return s
    }

    /// `user[:group]` or `user group`.
    static func userGroup(_ first: String, _ second: String?) -> (String, String?) {
        if let colon = first.firstIndex(of: ":") {
            let g = String(first[first.index(after: colon)...])
            return (String(first[..<colon]), g.isEmpty ? nil : g)
        }
        return (first, second)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
