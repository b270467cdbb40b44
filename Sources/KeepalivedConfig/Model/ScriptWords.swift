// keepalived's second-level split of a command string (reference §1.3):
// blanks separate words, '...' and "..." group (quotes dropped, adjacent
// pieces join), backslash escapes are decoded outside single quotes.
// Placeholder until the text side's splitter is merged in.

enum ScriptWords {
    static func split(_ s: String) -> [String] {
        var words: [String] = []
        var cur: [UInt8] = []
        var inWord = false
        var quote: UInt8? = nil
        let u = Array(s.utf8)
        var i = 0
        func isBlank(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0d) }
        while i < u.count {
            let c = u[i]
            if let q = quote {
                if c == q { quote = nil; i += 1; continue }
                if q == UInt8(ascii: "\"") && c == UInt8(ascii: "\\") && i + 1 < u.count {
                    i = decodeEscape(u, i, &cur)
                    continue
                }
                cur.append(c); i += 1
                continue
            }
            if isBlank(c) {
                if inWord { words.append(String(decoding: cur, as: UTF8.self)); cur = []; inWord = false }
                i += 1
                continue
            }
            inWord = true
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") { quote = c; i += 1; continue }
            if c == UInt8(ascii: "\\") && i + 1 < u.count { i = decodeEscape(u, i, &cur); continue }
            cur.append(c); i += 1
        }
        if inWord { words.append(String(decoding: cur, as: UTF8.self)) }
        return words
    }

    /// Decodes the escape starting at `u[i]` (a backslash); returns the next index.
    static func decodeEscape(_ u: [UInt8], _ i: Int, _ out: inout [UInt8]) -> Int {
        let c = u[i + 1]
        var j = i + 2
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        switch c {
        case UInt8(ascii: "a"): out.append(7)
        case UInt8(ascii: "b"): out.append(8)
        case UInt8(ascii: "E"): out.append(27)
        case UInt8(ascii: "f"): out.append(12)
        case UInt8(ascii: "n"): out.append(10)
        case UInt8(ascii: "r"): out.append(13)
        case UInt8(ascii: "t"): out.append(9)
        case UInt8(ascii: "v"): out.append(11)
        case 0x30...0x37:
            var v = Int(c - 0x30)
            var k = 1
            while k < 3, j < u.count, u[j] >= 0x30, u[j] <= 0x37 { v = v * 8 + Int(u[j] - 0x30); j += 1; k += 1 }
            out.append(UInt8(truncatingIfNeeded: v))
        case UInt8(ascii: "x"):
            var v = 0
            var k = 0
            while k < 2, j < u.count, let h = hex(u[j]) { v = v * 16 + Int(h); j += 1; k += 1 }
            if k == 0 { out.append(c) } else { out.append(UInt8(v)) }
        case UInt8(ascii: "c"):
            if j < u.count { out.append(u[j] & 0x1f); j += 1 } else { out.append(c) }
        default:
            out.append(c)
        }
        return j
    }
}
