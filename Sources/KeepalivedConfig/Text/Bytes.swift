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

/// A line being preprocessed: its bytes, and for each byte the 1-based
/// column of the physical line it came from (bytes produced by a `$`
/// expansion carry the column of the reference), so tokens keep accurate
/// positions through every rewrite.
struct LineBuffer {
    var bytes: [UInt8] = []
    var columns: [Int32] = []

    var count: Int { bytes.count }
    var isEmpty: Bool { bytes.isEmpty }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        columns.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    mutating func append(_ b: UInt8, column: Int32) {
        bytes.append(b)
        columns.append(column)
    }

    mutating func append(contentsOf other: LineBuffer, from start: Int, to end: Int) {
        guard start < end else { return }
        bytes.append(contentsOf: other.bytes[start..<end])
        columns.append(contentsOf: other.columns[start..<end])
    }

    /// Appends `value`, every byte attributed to `column`.
    mutating func append(_ value: [UInt8], column: Int32) {
        bytes.append(contentsOf: value)
        columns.append(contentsOf: repeatElement(column, count: value.count))
    }

    func slice(_ start: Int, _ end: Int) -> LineBuffer {
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
        bytes = Array(bytes[start..<end])
        columns = Array(columns[start..<end])
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
