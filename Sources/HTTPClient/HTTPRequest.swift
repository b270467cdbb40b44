/// The HTTP version keepalived asks for (`http_protocol`, genhash `-P`).
public enum HTTPProtocolVersion: Sendable, Equatable {
    /// `HTTP/1.0`, no Connection header (keepalived's default).
    case http10
    /// `HTTP/1.0` with `Connection: close` (`1.0c` / `1.0C`).
    case http10Close
    /// `HTTP/1.1`, always with `Connection: close`.
    case http11

    /// Parses the spellings keepalived accepts: `1.0`, `1.0c`, `1.0C`, `1.1`.
    public init?(keyword: String) {
        switch keyword {
        case "1.0": self = .http10
        case "1.0c", "1.0C": self = .http10Close
        case "1.1": self = .http11
        default: return nil
        }
    }

    var requestLineVersion: String { self == .http11 ? "HTTP/1.1" : "HTTP/1.0" }
    var sendsConnectionClose: Bool { self != .http10 }
}

/// A GET request exactly as keepalived builds it (reference §3.4, and the
/// captures in corpus/reference-output/genhash-sample-extra.txt):
///
///     GET <path> HTTP/1.x\r\n
///     User-Agent: KeepAliveClient\r\n
///     [Connection: close\r\n]            for 1.0c and 1.1
///     Host: <virtualhost | ip:port | [ipv6]:port>\r\n
///     \r\n
public struct HTTPRequest: Sendable, Equatable {
    public var path: String
    public var host: String
    public var version: HTTPProtocolVersion

    /// `host` is the Host header's value: a virtual host, or what
    /// `defaultHost(address:port:)` makes of the server's address.
    public init(path: String, host: String, version: HTTPProtocolVersion = .http10) {
        self.path = path
        self.host = host
        self.version = version
    }

    /// The Host value keepalived sends when no virtual host is set: `ip:port`,
    /// with an IPv6 address in brackets. `address` is the canonical text
    /// of the address (as inet_ntop writes it).
    public static func defaultHost(address: String, port: UInt16) -> String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// Built straight into one array: checkd makes a request per HTTP check,
    /// and going through String interpolation cost five allocations.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(path.utf8.count + host.utf8.count + 80)
        out += "GET ".utf8
        out += path.utf8
        out.append(UInt8(ascii: " "))
        out += version.requestLineVersion.utf8
        out += "\r\n".utf8
        out += "User-Agent: KeepAliveClient\r\n".utf8
        if version.sendsConnectionClose { out += "Connection: close\r\n".utf8 }
        out += "Host: ".utf8
        out += host.utf8
        out += "\r\n\r\n".utf8
        return out
    }
}
