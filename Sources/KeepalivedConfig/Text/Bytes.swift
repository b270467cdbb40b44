// Byte-level helpers for the reader. The preprocessor works on UTF-8 bytes
// rather than Characters: a large configuration has a million lines, and
// grapheme-by-grapheme String handling would dominate the compile time.

enum ASCII {
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let vt: UInt8 = 0x0B
    static let ff: UInt8 = 0x0C
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let bang: UInt8 = 0x21          // !
    static let quote: UInt8 = 0x22         // "
    static let hash: UInt8 = 0x23          // #
    static let dollar: UInt8 = 0x24        // $
    static let singleQuote: UInt8 = 0x27   // '
    static let openParen: UInt8 = 0x28     // (
    static let closeParen: UInt8 = 0x29    // )
    static let star: UInt8 = 0x2A          // *
    static let plus: UInt8 = 0x2B          // +
    static let comma: UInt8 = 0x2C         // ,
    static let minus: UInt8 = 0x2D         // -
    static let slash: UInt8 = 0x2F         // /
    static let zero: UInt8 = 0x30
    static let equals: UInt8 = 0x3D        // =
    static let question: UInt8 = 0x3F      // ?
    static let at: UInt8 = 0x40            // @
    static let openBracket: UInt8 = 0x5B   // [
    static let backslash: UInt8 = 0x5C     // \
    static let caret: UInt8 = 0x5E         // ^
    static let underscore: UInt8 = 0x5F    // _
    static let tilde: UInt8 = 0x7E         // ~
    static let openBrace: UInt8 = 0x7B     // {
    static let closeBrace: UInt8 = 0x7D    // }

    /// keepalived's blanks: space, tab, LF, VT, FF, CR (isspace in the C locale).
    @inline(__always)
    static func isBlank(_ b: UInt8) -> Bool { b == space || (b >= tab && b <= cr) }

    @inline(__always)
    static func isNameStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == underscore
    }

    @inline(__always)
    static func isNameByte(_ b: UInt8) -> Bool { isNameStart(b) || (b >= 0x30 && b <= 0x39) }
}

/// What each byte means to the reader, as bits, so a line is classified in
/// one pass: most lines need no rewriting and take the fast path.
enum ByteClass {
    static let blank: UInt8 = 1
    /// Starts a comment or needs decommenting care: `"` `#` `!` `\`.
    static let decomment: UInt8 = 2
    static let nul: UInt8 = 4
    static let dollar: UInt8 = 8
    static let brace: UInt8 = 16
    static let quote: UInt8 = 32

    /// 256 entries, allocated once, never written after and never freed
    /// (hence safe to share).
    nonisolated(unsafe) static let table: UnsafePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        t.initialize(repeating: 0, count: 256)
        for b in [ASCII.space, ASCII.tab, ASCII.lf, ASCII.vt, ASCII.ff, ASCII.cr] { t[Int(b)] = blank }
        for b in [ASCII.hash, ASCII.bang, ASCII.backslash] { t[Int(b)] = decomment }
        t[Int(ASCII.quote)] = decomment | quote
        t[0] = nul
        t[Int(ASCII.dollar)] = dollar
        t[Int(ASCII.openBrace)] = brace
        t[Int(ASCII.closeBrace)] = brace
        return UnsafePointer(t)
    }()

    /// The classes present in `bytes`, ORed.
    @inline(__always)
    static func of(_ bytes: UnsafeBufferPointer<UInt8>, _ table: UnsafePointer<UInt8>) -> UInt8 {
        var f: UInt8 = 0
        for b in bytes { f |= table[Int(b)] }
        return f
    }
}

/// A line being preprocessed: its bytes, and for each byte the 1-based
/// column of the physical line it came from (bytes produced by a `$`
/// expansion carry the column of the reference), so tokens keep accurate
/// positions through every rewrite. Most lines are never rewritten: their
/// columns are implicit (`base` + offset) and only made explicit when a
/// rewrite needs them.
struct LineBuffer {
    var bytes: [UInt8] = []
    /// Explicit columns, or nil when byte i is at column `base + i`.
    private(set) var columns: [Int32]?
    private(set) var base: Int32 = 1
    /// The ByteClass bits of the bytes when known (nil after a rewrite).
    var classes: UInt8?

    init() {}

    /// Bytes copied unchanged from a physical line, the first at column `base`.
    init(unchanged bytes: [UInt8], base: Int32) {
        self.bytes = bytes
        self.base = base
    }

    /// Makes this buffer hold `source` unchanged, reusing its storage.
    mutating func setUnchanged(_ source: UnsafeBufferPointer<UInt8>, base: Int32, classes: UInt8) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: source)
        columns = nil
        self.base = base
        self.classes = classes
    }

    /// Whether any byte has one of the ByteClass bits in `mask`.
    func contains(_ mask: UInt8) -> Bool {
        if let classes { return classes & mask != 0 }
        return bytes.withUnsafeBufferPointer { ByteClass.of($0, ByteClass.table) } & mask != 0
    }

    var count: Int { bytes.count }
    var isEmpty: Bool { bytes.isEmpty }
    /// True when the bytes are the physical line's own, in order.
    var isUnchanged: Bool { columns == nil }

    @inline(__always)
    func column(_ i: Int) -> Int32 {
        if let columns { return columns[i] }
        return base + Int32(truncatingIfNeeded: i)
    }

    private mutating func makeColumnsExplicit() {
        if columns == nil {
            let b = base
            columns = (0..<bytes.count).map { b + Int32(truncatingIfNeeded: $0) }
        }
    }

    mutating func removeAll() {
        classes = nil
        bytes.removeAll(keepingCapacity: true)
        if columns == nil { columns = [] } else { columns!.removeAll(keepingCapacity: true) }
    }

    @inline(__always)
    mutating func append(_ b: UInt8, column: Int32) {
        classes = nil
        makeColumnsExplicit()
        bytes.append(b)
        columns!.append(column)
    }

    mutating func append(contentsOf other: LineBuffer, from start: Int, to end: Int) {
        guard start < end else { return }
        classes = nil
        makeColumnsExplicit()
        bytes.append(contentsOf: other.bytes[start..<end])
        if let oc = other.columns {
            columns!.append(contentsOf: oc[start..<end])
        } else {
            let b = other.base
            columns!.append(contentsOf: (start..<end).lazy.map { b + Int32(truncatingIfNeeded: $0) })
        }
    }

    /// Appends `value`, every byte attributed to `column`.
    mutating func append(_ value: [UInt8], column: Int32) {
        classes = nil
        makeColumnsExplicit()
        bytes.append(contentsOf: value)
        columns!.append(contentsOf: repeatElement(column, count: value.count))
    }

    mutating func removeLast(_ k: Int = 1) {
        classes = nil
        bytes.removeLast(k)
        columns?.removeLast(k)
    }

    func slice(_ start: Int, _ end: Int) -> LineBuffer {
        guard start < end else { return LineBuffer() }
        if columns == nil {
            return LineBuffer(unchanged: Array(bytes[start..<end]), base: base + Int32(truncatingIfNeeded: start))
        }
        var b = LineBuffer()
        b.append(contentsOf: self, from: start, to: end)
        return b
    }

    /// Removes leading and trailing blanks.
    mutating func trim() {
        var end = bytes.count
        while end > 0 && ASCII.isBlank(bytes[end - 1]) { end -= 1 }
        var start = 0
        while start < end && ASCII.isBlank(bytes[start]) { start += 1 }
        if start == 0 && end == bytes.count { return }
        self = slice(start, end)
    }

    func hasPrefix(_ p: StaticString) -> Bool {
        let n = p.utf8CodeUnitCount
        guard bytes.count >= n else { return false }
        return p.withUTF8Buffer { q in
            for i in 0..<n where bytes[i] != q[i] { return false }
            return true
        }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}

extension Array where Element == UInt8 {
    var string: String { String(decoding: self, as: UTF8.self) }
}

extension ArraySlice where Element == UInt8 {
    var string: String { String(decoding: self, as: UTF8.self) }
}

extension Token {
    /// An unquoted `{` (cheaper than comparing Strings on every line).
    var isOpenBrace: Bool { !quoted && text.utf8.count == 1 && text.utf8.first == ASCII.openBrace }
    /// An unquoted `}`.
    var isCloseBrace: Bool { !quoted && text.utf8.count == 1 && text.utf8.first == ASCII.closeBrace }
}
