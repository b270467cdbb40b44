// Hand-written Codable forms for the model's enums with payloads, so both
// encodings (the compiled form and `kaconf dump --json`) read naturally:
// a checker is `{"HTTP_GET": {...}}`, a virtual server address
// `{"ip": "10.0.0.1", "port": 80}`, a broadcast `"+"`, a scope `"link"`.

struct NamedKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

func corrupt(_ decoder: any Decoder, _ what: String) -> DecodingError {
    .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: what))
}

extension Checker {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: NamedKey.self)
        guard c.allKeys.count == 1, let key = c.allKeys.first else {
            throw corrupt(decoder, "a checker has exactly one key, its keyword")
        }
        switch key.stringValue {
        case "TCP_CHECK": self = .tcp(try c.decode(CheckerCommon.self, forKey: key))
        case "HTTP_GET": self = .http(try c.decode(HTTPCheck.self, forKey: key))
        case "SSL_GET": self = .ssl(try c.decode(HTTPCheck.self, forKey: key))
        case "MISC_CHECK": self = .misc(try c.decode(MiscCheck.self, forKey: key))
        case "SMTP_CHECK": self = .smtp(try c.decode(SMTPCheck.self, forKey: key))
        case "DNS_CHECK": self = .dns(try c.decode(DNSCheck.self, forKey: key))
        case "UDP_CHECK": self = .udp(try c.decode(UDPCheck.self, forKey: key))
        case "PING_CHECK": self = .ping(try c.decode(CheckerCommon.self, forKey: key))
        case "FILE_CHECK": self = .file(try c.decode(FileCheck.self, forKey: key))
        case "BFD_CHECK": self = .bfd(try c.decode(BFDCheck.self, forKey: key))
        default: throw corrupt(decoder, "unknown checker \(key.stringValue)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: NamedKey.self)
        let key = NamedKey(keyword)
        switch self {
        case .tcp(let v), .ping(let v): try c.encode(v, forKey: key)
        case .http(let v), .ssl(let v): try c.encode(v, forKey: key)
        case .misc(let v): try c.encode(v, forKey: key)
        case .smtp(let v): try c.encode(v, forKey: key)
        case .dns(let v): try c.encode(v, forKey: key)
        case .udp(let v): try c.encode(v, forKey: key)
        case .file(let v): try c.encode(v, forKey: key)
        case .bfd(let v): try c.encode(v, forKey: key)
        }
    }
}

extension VirtualServerAddress {
    enum Keys: String, CodingKey { case ip, port, fwmark, group }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        if let ip = try c.decodeIfPresent(IPAddress.self, forKey: .ip) {
            self = .ip(ip, port: try c.decode(UInt16.self, forKey: .port))
        } else if let m = try c.decodeIfPresent(UInt32.self, forKey: .fwmark) {
            self = .fwmark(m)
        } else if let g = try c.decodeIfPresent(String.self, forKey: .group) {
            self = .group(g)
        } else {
            throw corrupt(decoder, "a virtual server address needs ip, fwmark or group")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .ip(let a, let port):
            try c.encode(a, forKey: .ip)
            try c.encode(port, forKey: .port)
        case .fwmark(let m): try c.encode(m, forKey: .fwmark)
        case .group(let g): try c.encode(g, forKey: .group)
        }
    }
}

extension VirtualServerGroup.Entry {
    enum Keys: String, CodingKey { case first, last, prefix, port, fwmark, family }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let port = try c.decodeIfPresent(UInt16.self, forKey: .port)
        if let first = try c.decodeIfPresent(IPAddress.self, forKey: .first) {
            let last = try c.decodeIfPresent(IPAddress.self, forKey: .last) ?? first
            self = .range(first: first, last: last, port: port)
        } else if let p = try c.decodeIfPresent(IPPrefix.self, forKey: .prefix) {
            self = .prefix(p, port: port)
        } else if let m = try c.decodeIfPresent(UInt32.self, forKey: .fwmark) {
            self = .fwmark(m, family: try c.decodeIfPresent(AddressFamily.self, forKey: .family))
        } else {
            throw corrupt(decoder, "a virtual_server_group entry needs first, prefix or fwmark")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .range(let first, let last, let port):
            try c.encode(first, forKey: .first)
            try c.encode(last, forKey: .last)
            try c.encodeIfPresent(port, forKey: .port)
        case .prefix(let p, let port):
            try c.encode(p, forKey: .prefix)
            try c.encodeIfPresent(port, forKey: .port)
        case .fwmark(let m, let family):
            try c.encode(m, forKey: .fwmark)
            try c.encodeIfPresent(family, forKey: .family)
        }
    }
}

extension AddressEntry.Broadcast {
    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        switch s {
        case "+": self = .setHostBits
        case "-": self = .clearHostBits
        default:
            guard let a = IPAddress(s) else { throw corrupt(decoder, "not a broadcast address: \(s)") }
            self = .address(a)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .setHostBits: try c.encode("+")
        case .clearHostBits: try c.encode("-")
        case .address(let a): try c.encode(a.description)
        }
    }
}

extension AddressEntry.Scope: CustomStringConvertible {
    public init?(name: String) {
        switch name {
        case "global": self = .global
        case "site": self = .site
        case "link": self = .link
        case "host": self = .host
        case "nowhere": self = .nowhere
        default:
            guard let n = UInt8(name) else { return nil }
            self = .number(n)
        }
    }

    public var description: String {
        switch self {
        case .global: return "global"
        case .site: return "site"
        case .link: return "link"
        case .host: return "host"
        case .nowhere: return "nowhere"
        case .number(let n): return String(n)
        }
    }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let v = AddressEntry.Scope(name: s) else { throw corrupt(decoder, "not a scope: \(s)") }
        self = v
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
