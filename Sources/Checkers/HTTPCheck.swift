// HTTP_GET and SSL_GET (reference §5.5): one url per attempt over a new
// connection, through the shared HTTP/TLS client (HTTPClient: request bytes
// out, response bytes in, TLS over memory BIOs, keepalived's body digest).
// Pass criteria, in keepalived's order: a response came, its status code is
// accepted (default 200-299), the body's MD5 equals `digest` when set, and
// `regex` matches (or, with regex_no_match, does not) when set.

import HTTPClient

public struct HTTPProbe: Probe {
    public let spec: HTTPProbeSpec
    public let urlIndex: Int
    private let url: HTTPTarget
    private let exchange: HTTPExchange?
    private let client: (any ByteStreamClient)?
    private let setupError: String?

    /// The body bytes kept for `regex` (keepalived matches within its buffer).
    public static let regexWindow = 1 << 20

    /// `tls` is the context built from the configuration's SSL block (SSL_GET only).
    public init(spec: HTTPProbeSpec, urlIndex: Int, tls: TLSContext?) {
        self.spec = spec
        self.urlIndex = min(max(urlIndex, 0), max(spec.urls.count - 1, 0))
        url = spec.urls[self.urlIndex]
        let version = HTTPProtocolVersion(keyword: spec.httpProtocol) ?? .http10
        let request = HTTPRequest(path: url.path, host: url.host, version: version)
        var retain = 0
        if url.regex != nil { retain = url.regexMaxOffset > 0 ? min(url.regexMaxOffset + 4096, HTTPProbe.regexWindow) : HTTPProbe.regexWindow }
        var ex: HTTPExchange?
        var cl: (any ByteStreamClient)?
        var problem: String?
        do throws(HTTPClientError) {
            let e = try HTTPExchange(request: request, hash: url.digest != nil ? .md5 : nil, retainBody: retain)
            ex = e
            if spec.tls {
                guard let tls else { throw HTTPClientError.tlsConfiguration("no TLS context (see the SSL block error)") }
                cl = try TLSClient(wrapping: e, context: tls, serverName: spec.sniName)
            } else {
                cl = e
            }
        } catch {
            problem = error.description
        }
        exchange = ex
        client = cl
        setupError = problem
    }

    public var transport: ProbeTransport { .stream(spec.endpoint) }

    private func drain() -> [UInt8] {
        guard let client else { return [] }
        let out = Array(client.bytesToSend)
        client.markSent(out.count)
        return out
    }

    public mutating func connected() -> ProbeOutput {
        if let setupError { return .done(.fail(.tlsFailed(setupError))) }
        return ProbeOutput(send: drain())
    }

    public mutating func received(_ bytes: [UInt8]) -> ProbeOutput {
        guard let client else { return .done(.fail(.tlsFailed(setupError ?? "no client"))) }
        do {
            try client.feed(bytes)
        } catch {
            return .done(failure(error))
        }
        let out = drain()
        if client.isComplete { return .done(evaluate(), send: out) }
        return ProbeOutput(send: out)
    }

    public mutating func peerClosed() -> Verdict {
        guard let client else { return .fail(.tlsFailed(setupError ?? "no client")) }
        do {
            try client.feedEndOfStream()
        } catch {
            return failure(error)
        }
        return evaluate()
    }

    private func failure(_ e: HTTPClientError) -> Verdict {
        switch e {
        case .noResponseHeader: return .fail(.noData)
        case .tls(let d), .tlsConfiguration(let d): return .fail(.tlsFailed(d))
        case .notHTTP, .headerTooLarge, .digestUnavailable: return .fail(.malformedResponse(e.description))
        }
    }

    /// The verdict on a complete response (keepalived's http_handle_response).
    func evaluate() -> Verdict {
        guard let response = exchange?.response else { return .fail(.noData) }
        let code = response.statusLine.code
        guard url.accepts(status: code) else { return .fail(.statusCode(code, url: url.path)) }
        var detail = "HTTP status code"
        if let want = url.digest {
            let got = response.digestHex ?? ""
            guard got == want else { return .fail(.digestMismatch(expected: want, got: got, url: url.path)) }
            detail = "MD5 digest"
        }
        if let pattern = url.regex {
            let matched = HTTPProbe.regexMatches(pattern, in: response.bodyPrefix, min: url.regexMinOffset, max: url.regexMaxOffset)
            guard let matched else { return .fail(.malformedResponse("regex '\(pattern)' does not compile")) }
            guard matched != url.regexNoMatch else { return .fail(.regexFailed(url: url.path, noMatch: url.regexNoMatch)) }
            detail = "Regex match"
        }
        return .pass(.httpOK(url: url.path, detail: detail))
    }

    /// Whether `pattern` (Swift Regex syntax) matches `body` at an offset in
    /// min...<max (max 0: no limit). nil when the pattern does not compile.
    static func regexMatches(_ pattern: String, in body: [UInt8], min: Int, max: Int) -> Bool? {
        guard let regex = try? Regex(pattern) else { return nil }
        // Offsets count bytes, as keepalived's; the body is read as UTF-8 (invalid bytes replaced).
        let text = String(decoding: body, as: UTF8.self)
        for m in text.matches(of: regex) {
            let offset = text.utf8.distance(from: text.utf8.startIndex, to: m.range.lowerBound)
            if offset < min { continue }
            if max > 0 && offset >= max { return false }
            return true
        }
        return false
    }
}
