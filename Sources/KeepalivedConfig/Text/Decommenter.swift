// Comment stripping (reference §1.2): `#` and `!` start a comment anywhere
// outside double quotes; `\#` and `\!` outside quotes stand for the
// character itself; single quotes do not protect. Leading and trailing
// blanks go. Two details observed on keepalived 2.2.7:
//   - blanks before a trailing `\` are removed (`priority 100 \` reads as
//     `100\`), and
//   - a `\` that ended the physical line survives even when it sat inside
//     the comment (`router_id foo # note \` reads as `foo\`), which is how
//     a commented line can still continue a multi-line `$` definition.

enum Decommenter {
    /// Decomments `count` bytes read through `byte`, whose columns come from
    /// `column`, into `out` (cleared first). Returns true when a double
    /// quote was left open.
    @inline(__always)
    static func run(count n: Int, byte: (Int) -> UInt8, column: (Int) -> Int32,
                    into out: inout LineBuffer) -> Bool {
        out.removeAll()
        var i = 0
        while i < n && ASCII.isBlank(byte(i)) { i += 1 }
        var inQuote = false
        var commentAt = -1
        while i < n {
            let b = byte(i)
            if b == ASCII.quote {
                inQuote.toggle()
            } else if !inQuote {
                if b == ASCII.hash || b == ASCII.bang {
                    commentAt = i
                    break
                }
                if b == ASCII.backslash && i + 1 < n && (byte(i + 1) == ASCII.hash || byte(i + 1) == ASCII.bang) {
                    out.append(byte(i + 1), column: column(i))
                    i += 2
                    continue
                }
            }
            out.append(b, column: column(i))
            i += 1
        }
        while let last = out.bytes.last, ASCII.isBlank(last) { out.removeLast() }
        if commentAt >= 0 {
            var end = n
            while end > commentAt && ASCII.isBlank(byte(end - 1)) { end -= 1 }
            if end > commentAt + 1 && byte(end - 1) == ASCII.backslash {
                out.append(ASCII.backslash, column: column(end - 1))
            }
        }
        if out.bytes.last == ASCII.backslash {
            let slash = out.count - 1
            var keep = slash
            while keep > 0 && ASCII.isBlank(out.bytes[keep - 1]) { keep -= 1 }
            if keep < slash {
                let col = out.column(slash)
                out.removeLast(out.count - keep)
                out.append(ASCII.backslash, column: col)
            }
        }
        return inQuote
    }

    /// Decomments a physical line (`bytes[start..<end]`, column 1 at
    /// `start`) whose ByteClass bits are `classes`.
    static func decomment(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, classes: UInt8,
                          into out: inout LineBuffer) -> Bool {
        if classes & ByteClass.decomment == 0 {
            // Nothing to rewrite: the line without its outer blanks, copied in one go.
            var s = start
            while s < end && ASCII.isBlank(bytes[s]) { s += 1 }
            var e = end
            while e > s && ASCII.isBlank(bytes[e - 1]) { e -= 1 }
            out.setUnchanged(UnsafeBufferPointer(rebasing: bytes[s..<e]), base: Int32(truncatingIfNeeded: s - start + 1),
                             classes: classes)
            return false
        }
        return run(count: end - start, byte: { bytes[start + $0] }, column: { Int32($0 + 1) }, into: &out)
    }

    /// Decomments a line again after `$` substitution (keepalived does: a
    /// `${_HASH}` outside quotes therefore starts a comment).
    static func redecomment(_ line: LineBuffer, into out: inout LineBuffer) -> Bool {
        run(count: line.count, byte: { line.bytes[$0] }, column: { line.column($0) }, into: &out)
    }
}
