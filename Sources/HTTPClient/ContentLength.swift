/// How keepalived finds the Content-Length that caps the digested body.
/// Observed on Debian's genhash 2.2.7 (tests in ContentLengthTests list each case):
///
/// - the first occurrence of the exact, case-sensitive text `Content-Length:`
///   anywhere in the header (so `X-Content-Length:` counts, `content-length:` does not),
///   the search stopping at a NUL byte;
/// - the value is read as C's strtoul in base 10: leading white space (including
///   CR and LF) skipped, an optional sign (a negative value wraps to a huge one),
///   digits, saturating on overflow;
/// - it counts only if the number is followed by CR, LF, NUL or the end of
///   the bytes; otherwise (`2x`, `2 `, `0x2`) the header is ignored and the
///   whole body is hashed. With no digits at all the value is 0 when the text
///   right after the colon is CR or LF (an empty `Content-Length:` hashes nothing).
///
/// keepalived also searches the body bytes that arrived in the same read as
/// the header; that depends on how the kernel split the stream, so we look in
/// the header only (the man page says so).
enum ContentLength {
    private static let name: [UInt8] = Array("Content-Length:".utf8)

    /// `text` is the header (through its blank line), optionally followed by
    /// body bytes that strtoul may run into while skipping white space.
    static func find(in text: UnsafeRawBufferPointer, headerLength: Int) -> UInt64? {
        let searchable = min(headerLength, text.count)
        var end = searchable
        // strstr stops at the first NUL.
        for i in 0..<searchable where text[i] == 0 { end = i; break }
        guard end >= name.count else { return nil }
        var start: Int? = nil
        outer: for i in 0...(end - name.count) {
            for j in 0..<name.count where text[i + j] != name[j] { continue outer }
            start = i + name.count
            break
        }
        guard let valueStart = start else { return nil }
        return parseValue(text, from: valueStart)
    }

    /// strtoul(3) in base 10, then keepalived's check on the character after the number.
    static func parseValue(_ text: UnsafeRawBufferPointer, from valueStart: Int) -> UInt64? {
        var i = valueStart
        while i < text.count, isCSpace(text[i]) { i += 1 }
        var negative = false
        if i < text.count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var value: UInt64 = 0
        var overflow = false
        var digits = 0
        while i < text.count, text[i] >= UInt8(ascii: "0"), text[i] <= UInt8(ascii: "9") {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(text[i] - UInt8(ascii: "0")))
            if o1 || o2 { overflow = true }
            value = a
            digits += 1
            i += 1
        }
        // No digits: strtoul leaves its end pointer at the start of the value.
        let endIndex = digits == 0 ? valueStart : i
        if endIndex < text.count {
            let c = text[endIndex]
            guard c == 0x0d || c == 0x0a || c == 0 else { return nil }
        }
        if digits == 0 { return 0 }
        if overflow { return UInt64.max }
        return negative ? 0 &- value : value
    }

    private static func isCSpace(_ c: UInt8) -> Bool {
        c == 0x20 || (c >= 0x09 && c <= 0x0d)
    }
}
