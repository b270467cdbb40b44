/// The first line of a response: `HTTP/<major>.<minor> <3-digit code>[ <reason>]`.
public struct HTTPStatusLine: Sendable, Equatable {
    public var major: Int
    public var minor: Int
    public var code: Int
    /// The line as received, without its CRLF, made printable for logs
    /// (bytes outside 0x20...0x7e as `\xNN`, at most 80 characters).
    public var text: String

    /// keepalived's status_code default: 200-299.
    public var isSuccess: Bool { (200...299).contains(code) }

    /// Parses the line that starts `header`; nil when it is not an HTTP status line.
    public init?(header: UnsafeRawBufferPointer) {
        var end = 0
        while end < header.count, header[end] != 0x0d, header[end] != 0x0a { end += 1 }
        let line = UnsafeRawBufferPointer(rebasing: header[0..<end])
        let prefix: [UInt8] = Array("HTTP/".utf8)
        guard line.count >= prefix.count + 7, line.starts(with: prefix) else { return nil }
        var i = prefix.count
        guard let major = Self.number(line, &i), i < line.count, line[i] == UInt8(ascii: ".") else { return nil }
        i += 1
        guard let minor = Self.number(line, &i) else { return nil }
        guard i < line.count, line[i] == 0x20 else { return nil }
        while i < line.count, line[i] == 0x20 { i += 1 }
        guard i + 3 <= line.count else { return nil }
        var code = 0
        for k in i..<(i + 3) {
            guard line[k] >= 0x30, line[k] <= 0x39 else { return nil }
            code = code * 10 + Int(line[k] - 0x30)
        }
        guard i + 3 == line.count || line[i + 3] == 0x20 else { return nil }
        guard (100...599).contains(code) else { return nil }
        self.major = major
        self.minor = minor
        self.code = code
        self.text = HTTPClientError.printable(line)
    }

    /// One to four decimal digits at `i`, advancing `i` past them.
    private static func number(_ line: UnsafeRawBufferPointer, _ i: inout Int) -> Int? {
        var n = 0, digits = 0
        while i < line.count, line[i] >= 0x30, line[i] <= 0x39, digits < 4 {
            n = n * 10 + Int(line[i] - 0x30)
            digits += 1
            i += 1
        }
        return digits == 0 ? nil : n
    }
}
