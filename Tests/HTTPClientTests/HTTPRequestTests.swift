import HTTPClient
import Testing

@Suite struct HTTPRequestTests {
    /// Rebuilds the request each captured genhash command line asks for.
    private func request(for command: String) -> HTTPRequest? {
        let words = command.split(separator: " ").map(String.init)
        func value(_ flag: String) -> String? {
            words.firstIndex(of: flag).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }
        }
        guard let server = value("-s"), let port = value("-p").flatMap(UInt16.init), let url = value("-u") else { return nil }
        let version = value("-P").flatMap(HTTPProtocolVersion.init(keyword:)) ?? .http10
        let host = value("-V") ?? HTTPRequest.defaultHost(address: server, port: port)
        return HTTPRequest(path: url, host: host, version: version)
    }

    @Test func requestBytesEqualThoseKeepalivedSentInTheCorpus() throws {
        let captures = try Corpus.capturedRequests()
        #expect(captures.count == 3)
        for capture in captures {
            let built = try #require(request(for: capture.command), "cannot read \(capture.command)")
            #expect(built.bytes == capture.request, "\(capture.command)")
        }
    }

    @Test func ipv6HostHeaderIsBracketedWithThePort() {
        #expect(HTTPRequest.defaultHost(address: "::1", port: 8080) == "[::1]:8080")
        #expect(HTTPRequest.defaultHost(address: "192.0.2.1", port: 80) == "192.0.2.1:80")
        let r = HTTPRequest(path: "/a", host: HTTPRequest.defaultHost(address: "fd00::5", port: 443), version: .http10)
        #expect(r.bytes == Array("GET /a HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: [fd00::5]:443\r\n\r\n".utf8))
    }

    @Test func protocolKeywordsAreKeepalivedsFour() {
        let table: [(String, HTTPProtocolVersion?)] = [
            ("1.0", .http10), ("1.0c", .http10Close), ("1.0C", .http10Close), ("1.1", .http11),
            ("1.1c", nil), ("2.0", nil), ("", nil), ("1", nil),
        ]
        for (keyword, expected) in table {
            #expect(HTTPProtocolVersion(keyword: keyword) == expected, "\(keyword)")
        }
    }

    @Test func connectionCloseIsSentFor10cAnd11Only() {
        for (version, close) in [(HTTPProtocolVersion.http10, false), (.http10Close, true), (.http11, true)] {
            let text = String(decoding: HTTPRequest(path: "/", host: "h", version: version).bytes, as: UTF8.self)
            #expect(text.contains("Connection: close\r\n") == close)
        }
    }

    @Test func exchangeHandsOutTheRequestUntilAllOfItIsSent() throws {
        let request = HTTPRequest(path: "/x", host: "h:1")
        let exchange = try HTTPExchange(request: request)
        #expect(Array(exchange.bytesToSend) == request.bytes)
        exchange.markSent(5)
        #expect(Array(exchange.bytesToSend) == Array(request.bytes[5...]))
        exchange.markSent(1000)
        #expect(exchange.bytesToSend.isEmpty)
        #expect(!exchange.isComplete)
    }
}
