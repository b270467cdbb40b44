// `$NAME=value` definitions and their expansion (reference §1.7).
//
// `$NAME` is replaced when followed by a blank, `,`, `)` or the end of the
// line; `${NAME}` anywhere. Undefined names stay as written. Values are
// bound late (at use), and a line is expanded again until nothing changes;
// the caller caps the passes, so `$A=${A}x` cannot hang. Multi-line values
// hold their lines separated by LF; the caller splits the expansion there.

struct Definitions {
    private var table: [[UInt8]: [UInt8]] = [:]
    /// keepalived's config-id (`-i`, default the node name), `${_INSTANCE}`.
    var configID: [UInt8]
    /// The directory of the file being read, `${_PWD}`.
    var currentDirectory: [UInt8] = []
    var random: SeededRandom

    init(configID: String, random: SeededRandom) {
        self.configID = Array(configID.utf8)
        self.random = random
    }

    mutating func define(_ name: [UInt8], _ value: [UInt8]) { table[name] = value }

    func isDefined(_ name: [UInt8]) -> Bool { table[name] != nil }

    /// The value of `name`: a user definition first (they may override the
    /// predefined names), then keepalived's predefined ones.
    mutating func value(of name: ArraySlice<UInt8>) -> [UInt8]? {
        if let v = table[Array(name)] { return v }
        switch String(decoding: name, as: UTF8.self) {
        case "_PWD": return currentDirectory
        case "_INSTANCE": return configID
        case "_HASH": return [ASCII.hash]
        case "_BANG": return [ASCII.bang]
        case "_RANDOM": return Array(String(random.next(in: 0...32767)).utf8)
        default: return nil
        }
    }

    enum PassResult {
        case unchanged
        case changed(LineBuffer)
        /// `${_RANDOM ...}` with parameters that are not [MIN [MAX]].
        case badRandom(String)
    }

    /// One left-to-right pass replacing every reference it can.
    mutating func substitute(_ line: LineBuffer) -> PassResult {
        let bytes = line.bytes
        let n = bytes.count
        guard let firstDollar = bytes.firstIndex(of: ASCII.dollar) else { return .unchanged }
        var out = LineBuffer()
        out.append(contentsOf: line, from: 0, to: firstDollar)
        var changed = false
        var i = firstDollar
        while i < n {
            let b = bytes[i]
            if b == ASCII.dollar && i + 1 < n {
                if bytes[i + 1] == ASCII.openBrace,
                   let close = bytes[(i + 2)...].firstIndex(of: ASCII.closeBrace) {
                    let inner = bytes[(i + 2)..<close]
                    var nameEnd = inner.startIndex
                    while nameEnd < inner.endIndex && ASCII.isNameByte(bytes[nameEnd]) { nameEnd += 1 }
                    let name = bytes[inner.startIndex..<nameEnd]
                    let params = bytes[nameEnd..<inner.endIndex]
                    var value: [UInt8]?
                    if params.isEmpty {
                        value = self.value(of: name)
                    } else if name.elementsEqual("_RANDOM".utf8), table[Array(name)] == nil,
                              params.first.map(ASCII.isBlank) == true {
                        guard let r = randomValue(params) else {
                            return .badRandom(String(decoding: bytes[i...close], as: UTF8.self))
                        }
                        value = r
                    }
                    if let value {
                        out.append(value, column: line.column(i))
                        i = close + 1
                        changed = true
                        continue
                    }
                } else if ASCII.isNameStart(bytes[i + 1]) {
                    var j = i + 1
                    while j < n && ASCII.isNameByte(bytes[j]) { j += 1 }
                    if j == n || ASCII.isBlank(bytes[j]) || bytes[j] == ASCII.comma || bytes[j] == ASCII.closeParen,
                       let value = self.value(of: bytes[(i + 1)..<j]) {
                        out.append(value, column: line.column(i))
                        i = j
                        changed = true
                        continue
                    }
                }
            }
            out.append(b, column: line.column(i))
            i += 1
        }
        return changed ? .changed(out) : .unchanged
    }

    /// `${_RANDOM MIN [MAX]}`: MIN..MAX, MAX defaulting to 32767.
    private mutating func randomValue(_ params: ArraySlice<UInt8>) -> [UInt8]? {
        let words = params.split(whereSeparator: ASCII.isBlank)
        guard words.count >= 1 && words.count <= 2 else { return nil }
        guard let low = CNumber.parse(words[0]) else { return nil }
        var high: Int64 = 32767
        if words.count == 2 {
            guard let h = CNumber.parse(words[1]) else { return nil }
            high = h
        }
        guard low <= high else { return nil }
        return Array(String(random.next(in: low...high)).utf8)
    }
}

/// keepalived seeds `${_RANDOM}` from `random_seed` (or the time); ours is a
/// SplitMix64 generator, seeded from the system when no seed is given.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64?) {
        if let seed {
            state = seed
        } else {
            var g = SystemRandomNumberGenerator()
            state = g.next()
        }
    }

    mutating func reseed(_ seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(in range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
        if span == 0 { return Int64(bitPattern: next()) }
        return range.lowerBound &+ Int64(bitPattern: next() % span)
    }
}

/// Integers as C's strtol with base 0 reads them (`0x` hex, leading `0`
/// octal, else decimal, optional sign), the whole word or nothing.
enum CNumber {
    static func parse<S: Collection>(_ word: S) -> Int64? where S.Element == UInt8 {
        var bytes = Array(word)
        while let f = bytes.first, ASCII.isBlank(f) { bytes.removeFirst() }
        while let l = bytes.last, ASCII.isBlank(l) { bytes.removeLast() }
        guard !bytes.isEmpty else { return nil }
        var i = 0
        var negative = false
        if bytes[0] == ASCII.plus || bytes[0] == ASCII.minus {
            negative = bytes[0] == ASCII.minus
            i = 1
        }
        var base: Int64 = 10
        if i + 1 < bytes.count && bytes[i] == ASCII.zero && (bytes[i + 1] | 0x20) == 0x78 {
            base = 16
            i += 2
        } else if i < bytes.count && bytes[i] == ASCII.zero && i + 1 < bytes.count {
            base = 8
            i += 1
        }
        guard i < bytes.count else { return nil }
        var value: Int64 = 0
        while i < bytes.count {
            let c = bytes[i]
            let d: Int64
            switch c {
            case 0x30...0x39: d = Int64(c - 0x30)
            case 0x61...0x66: d = Int64(c - 0x61 + 10)
            case 0x41...0x46: d = Int64(c - 0x41 + 10)
            default: return nil
            }
            guard d < base else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: base)
            let (s, o2) = m.addingReportingOverflow(d)
            guard !o1 && !o2 else { return nil }
            value = s
            i += 1
        }
        return negative ? -value : value
    }
}
