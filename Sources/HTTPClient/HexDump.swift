/// keepalived's hex dump, as genhash -v prints it (reference §3.4; layout
/// checked against corpus/reference-output/genhash-sample*.txt):
///
///     0000  48 54 54 50 2f 31 2e 30 - 20 32 30 30 20 4f 4b 0d   HTTP/1.0 200 OK.
///
/// a decimal offset of at least four digits, two spaces, sixteen `xx ` cells
/// with `- ` after the eighth, two spaces, sixteen characters (0x20-0x7e as
/// themselves, anything else `.`). A short last row keeps every column: blank
/// cells, the `- ` separator, and the text padded with spaces to sixteen.
public enum HexDump {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the dump of `bytes` to `out`, one line per 16 bytes, each ending in "\n".
    public static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var offset = 0
        out.reserveCapacity(out.count + (bytes.count + 15) / 16 * 76)
        while offset < bytes.count {
            let rowCount = min(16, bytes.count - offset)
            appendOffset(offset, to: &out)
            out.append(0x20); out.append(0x20)
            for i in 0..<16 {
                if i < rowCount {
                    let b = bytes[offset + i]
                    out.append(hexDigits[Int(b >> 4)])
                    out.append(hexDigits[Int(b & 0x0f)])
                } else {
                    out.append(0x20); out.append(0x20)
                }
                out.append(0x20)
                if i == 7 { out.append(UInt8(ascii: "-")); out.append(0x20) }
            }
            out.append(0x20); out.append(0x20)
            for i in 0..<16 {
                if i < rowCount {
                    let b = bytes[offset + i]
                    out.append(b >= 0x20 && b < 0x7f ? b : UInt8(ascii: "."))
                } else {
                    out.append(0x20)
                }
            }
            out.append(0x0a)
            offset += 16
        }
    }

    public static func string(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { append($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// `%04d`: decimal, zero-padded to four digits, longer when it must be.
    private static func appendOffset(_ offset: Int, to out: inout [UInt8]) {
        var digits: [UInt8] = []
        var n = offset
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(n % 10))
            n /= 10
        } while n > 0
        for _ in digits.count..<max(4, digits.count) { out.append(UInt8(ascii: "0")) }
        out.append(contentsOf: digits.reversed())
    }
}
