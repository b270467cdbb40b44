/// Why an exchange failed. The client has no I/O of its own, so these are
/// protocol failures only; connection failures and timeouts belong to the driver.
public enum HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The peer closed the stream before the blank line that ends the header
    /// (keepalived says "no data received from remote webserver").
    /// `firstLine` is the start of what did arrive, printable.
    case noResponseHeader(receivedBytes: Int, firstLine: String)
    /// The header grew past `limit` bytes without its blank line.
    case headerTooLarge(limit: Int)
    /// The first line is not `HTTP/x.y NNN ...`: whatever answered is not an HTTP server.
    case notHTTP(firstLine: String)
    /// The TLS layer failed; `detail` is OpenSSL's reason.
    case tls(String)
    /// A TLS file (certificate, key, CA) could not be loaded.
    case tlsConfiguration(String)
    /// A hash algorithm OpenSSL does not provide here.
    case digestUnavailable(String)

    public var description: String {
        switch self {
        case .noResponseHeader(let n, let line):
            return n == 0 ? "the server closed the connection without answering"
                          : "the server closed the connection after \(n) bytes, before the end of an HTTP header "
                            + "(first line: \"\(line)\")"
        case .headerTooLarge(let limit):
            return "the response header is larger than \(limit) bytes"
        case .notHTTP(let line):
            return "the answer is not HTTP (first line: \"\(line)\")"
        case .tls(let detail):
            return "TLS failure: \(detail)"
        case .tlsConfiguration(let detail):
            return "TLS configuration: \(detail)"
        case .digestUnavailable(let name):
            return "hash algorithm \(name) is not available from OpenSSL"
        }
    }

    /// A first line made printable for an error message: bytes outside
    /// 0x20...0x7e become `\xNN`, and the line is cut at 80 characters.
    static func printable<C: Collection<UInt8>>(_ bytes: C) -> String {
        var out = ""
        for b in bytes.prefix(80) {
            if b >= 0x20 && b < 0x7f { out.unicodeScalars.append(Unicode.Scalar(b)) }
            else { out += "\\x" + hex2(b) }
        }
        return out
    }
}

@inline(__always)
func hex2(_ b: UInt8) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    return String([digits[Int(b >> 4)], digits[Int(b & 0xf)]])
}
