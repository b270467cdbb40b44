// `~SEQ(VAR, [START,] [STEP,] END) REST`, `~SEQx(...)` and
// `~LST(VAR|{A,B,...}, values...) REST` (reference §1.9): REST is emitted
// once per value with the variable(s) defined. As observed on 2.2.7: one
// number means START = ±1 stepping toward END (`~SEQ(N, 0)` gives 1, 0),
// numbers are read as C's strtol base 0 reads them, an empty REST still
// defines the variable, and the variable keeps its last value afterwards.

struct SequenceSpec {
    enum Kind { case seq, seqHex, lst }

    var kind: Kind
    var variables: [[UInt8]]
    /// For SEQ: start, step, end.
    var start: Int64 = 0, step: Int64 = 1, end: Int64 = 0
    /// For LST: one row of values per iteration, one value per variable.
    var rows: [[[UInt8]]] = []
    /// What follows the closing parenthesis.
    var rest: LineBuffer

    /// How many times REST is emitted.
    var iterations: Int64 {
        switch kind {
        case .lst: return Int64(rows.count)
        case .seq, .seqHex: return (end - start) / step + 1
        }
    }

    /// The variable assignments of iteration `k`.
    func values(at k: Int64) -> [([UInt8], [UInt8])] {
        switch kind {
        case .lst:
            return Array(zip(variables, rows[Int(k)]))
        case .seq:
            return [(variables[0], Array(String(start + k * step).utf8))]
        case .seqHex:
            return [(variables[0], Array(String(start + k * step, radix: 16).utf8))]
        }
    }

    /// Recognises a `~SEQ`/`~SEQx`/`~LST` line. Returns nil when the line
    /// is not one, `.failure(message)` when it is one but malformed.
    static func parse(_ line: LineBuffer, expand: (LineBuffer) -> LineBuffer) -> Result<SequenceSpec, TextProblem>? {
        let kind: Kind
        let open: Int
        if line.hasPrefix("~SEQ(") {
            kind = .seq; open = 4
        } else if line.hasPrefix("~SEQx(") {
            kind = .seqHex; open = 5
        } else if line.hasPrefix("~LST(") {
            kind = .lst; open = 4
        } else {
            return nil
        }
        let name = kind == .lst ? "~LST" : "~SEQ"
        guard let close = line.bytes[open...].firstIndex(of: ASCII.closeParen) else {
            return .failure(TextProblem("\(name) has no closing ')'"))
        }
        var restStart = close + 1
        while restStart < line.count && ASCII.isBlank(line.bytes[restStart]) { restStart += 1 }
        let rest = line.slice(restStart, line.count)
        let params = splitParameters(line, from: open + 1, to: close)
        switch kind {
        case .lst:
            return parseList(params, rest: rest)
        case .seq, .seqHex:
            return parseSequence(params, hex: kind == .seqHex, rest: rest, expand: expand)
        }
    }

    private static func parseSequence(_ params: [LineBuffer], hex: Bool, rest: LineBuffer,
                                      expand: (LineBuffer) -> LineBuffer) -> Result<SequenceSpec, TextProblem> {
        guard params.count >= 2 && params.count <= 4 else {
            return .failure(TextProblem("~SEQ needs a variable and 1 to 3 numbers, got \(params.count - 1) numbers"))
        }
        let variable = params[0].bytes
        guard isName(variable) else {
            return .failure(TextProblem("~SEQ variable '\(variable.string)' is not a valid name"))
        }
        var numbers: [Int64] = []
        for p in params.dropFirst() {
            let expanded = expand(p)
            guard let n = CNumber.parse(expanded.bytes) else {
                return .failure(TextProblem("~SEQ value '\(expanded.string)' is not a number"))
            }
            numbers.append(n)
        }
        var spec = SequenceSpec(kind: hex ? .seqHex : .seq, variables: [variable], rest: rest)
        switch numbers.count {
        case 1:
            spec.end = numbers[0]
            spec.start = spec.end < 0 ? -1 : 1
            spec.step = spec.start <= spec.end ? 1 : -1
        case 2:
            spec.start = numbers[0]
            spec.end = numbers[1]
            spec.step = spec.start <= spec.end ? 1 : -1
        default:
            spec.start = numbers[0]
            spec.step = numbers[1]
            spec.end = numbers[2]
        }
        if spec.step == 0 || (spec.step > 0 && spec.start > spec.end) || (spec.step < 0 && spec.start < spec.end) {
            return .failure(TextProblem("invalid ~SEQ values: from \(spec.start) by \(spec.step) never reaches \(spec.end)"))
        }
        if hex && (spec.start < 0 || spec.end < 0) {
            return .failure(TextProblem("~SEQx is only valid for non-negative numbers"))
        }
        // (end - start) / step must not overflow for extreme values.
        if spec.end.subtractingReportingOverflow(spec.start).overflow {
            return .failure(TextProblem("~SEQ range is too large"))
        }
        return .success(spec)
    }

    private static func parseList(_ params: [LineBuffer], rest: LineBuffer) -> Result<SequenceSpec, TextProblem> {
        guard let first = params.first, !first.isEmpty else {
            return .failure(TextProblem("~LST needs a variable"))
        }
        let variables = group(first.bytes)
        for v in variables where !isName(v) {
            return .failure(TextProblem("~LST variable '\(v.string)' is not a valid name"))
        }
        var rows: [[[UInt8]]] = []
        for p in params.dropFirst() {
            var values = variables.count == 1 && p.bytes.first != ASCII.openBrace ? [p.bytes] : group(p.bytes)
            if values.count > variables.count {
                return .failure(TextProblem("~LST specification has too many values in '\(p.string)'"))
            }
            while values.count < variables.count { values.append([]) }
            rows.append(values)
        }
        var spec = SequenceSpec(kind: .lst, variables: variables, rest: rest)
        spec.rows = rows
        return .success(spec)
    }

    /// `{a,b}` -> [a, b]; a plain word -> [word].
    private static func group(_ bytes: [UInt8]) -> [[UInt8]] {
        guard bytes.first == ASCII.openBrace, bytes.last == ASCII.closeBrace, bytes.count >= 2 else { return [bytes] }
        return bytes[1..<(bytes.count - 1)].split(separator: ASCII.comma, omittingEmptySubsequences: false).map { part in
            var p = Array(part)
            while let f = p.first, ASCII.isBlank(f) { p.removeFirst() }
            while let l = p.last, ASCII.isBlank(l) { p.removeLast() }
            return p
        }
    }

    /// The comma-separated parameters between the parentheses, trimmed;
    /// commas inside `{...}` do not separate.
    private static func splitParameters(_ line: LineBuffer, from start: Int, to end: Int) -> [LineBuffer] {
        var params: [LineBuffer] = []
        var depth = 0
        var begin = start
        func add(_ s: Int, _ e: Int) {
            var p = line.slice(s, e)
            p.trim()
            params.append(p)
        }
        for i in start..<end {
            switch line.bytes[i] {
            case ASCII.openBrace: depth += 1
            case ASCII.closeBrace: depth = max(0, depth - 1)
            case ASCII.comma where depth == 0:
                add(begin, i)
                begin = i + 1
            default: break
            }
        }
        add(begin, end)
        return params
    }

    private static func isName(_ b: [UInt8]) -> Bool {
        guard let f = b.first, ASCII.isNameStart(f) else { return false }
        return b.allSatisfy(ASCII.isNameByte)
    }
}

/// A malformed construct found while preprocessing, with its message.
struct TextProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
