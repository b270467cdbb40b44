// FILE_CHECK: a real server follows the integer written into a track_file.
// No connection, no schedule: the executable watches the file (inotify) and
// hands the engine each new value; this file says what a value means.

public enum FileCheckValue {
    /// keepalived reads at most 127 bytes and parses them like strtol(buf, NULL, 0):
    /// leading space, optional sign, 0x / 0 prefixes; junk after the number is
    /// ignored; an empty or missing file is 0. nil: out of range, ignore the
    /// update (keepalived logs "Invalid number ... - ignoring").
    public static func parse(_ bytes: some Collection<UInt8>) -> Int64? {
        var it = Array(bytes.prefix(127))[...]
        while let c = it.first, c == 0x20 || (c >= 0x09 && c <= 0x0D) { it = it.dropFirst() }
        var negative = false
        if let c = it.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            negative = c == UInt8(ascii: "-")
            it = it.dropFirst()
        }
        var base: Int64 = 10
        if it.first == UInt8(ascii: "0") {
            let rest = it.dropFirst()
            if let x = rest.first, x == UInt8(ascii: "x") || x == UInt8(ascii: "X"),
               let h = rest.dropFirst().first, hexDigit(h) != nil {
                base = 16
                it = rest.dropFirst()
            } else {
                base = 8
            }
        }
        var value: Int64 = 0
        var digits = 0
        for c in it {
            guard let d = (base == 16 ? hexDigit(c) : decDigit(c)), Int64(d) < base else { break }
            let (m, o1) = value.multipliedReportingOverflow(by: base)
            let (a, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            value = a
            digits += 1
        }
        if digits == 0 && base != 8 { return 0 }
        let v = negative ? -value : value
        // Accepted range: INT32_MIN ... INT32_MAX + 1, as keepalived.
        guard v >= Int64(Int32.min) && v <= Int64(Int32.max) + 1 else { return nil }
        return v
    }

    private static func decDigit(_ c: UInt8) -> UInt8? { c >= 0x30 && c <= 0x39 ? c - 0x30 : nil }
    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}

/// What a track_file value means for the real server that follows it.
public enum FileCheckStatus: Hashable, Sendable {
    /// The real server counts this checker as failed.
    case fault
    /// Added to the real server's effective weight.
    case weight(Int64)

    /// keepalived's rule: with weight 0, any non-zero value (or, reversed, zero)
    /// is a fault; otherwise value × weight (negated when reversed), clamped to
    /// Int32, is a weight adjustment, and only Int32.min is a fault.
    public static func of(value: Int64, weight: Int64, reverse: Bool) -> FileCheckStatus {
        if weight == 0 {
            return (value != 0) != reverse ? .fault : .weight(0)
        }
        let (p, o) = value.multipliedReportingOverflow(by: weight * (reverse ? -1 : 1))
        let clamped = o ? ((value < 0) != (weight * (reverse ? -1 : 1) < 0) ? Int64(Int32.min) : Int64(Int32.max))
                        : min(max(p, Int64(Int32.min)), Int64(Int32.max))
        return clamped == Int64(Int32.min) ? .fault : .weight(clamped)
    }
}
