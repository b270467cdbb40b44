import HTTPClient
import Testing

/// Digest coverage and parsing, keepalived's way (reference §3.4, §5.5).
@Suite struct ResponseParserTests {
    private func md5(_ s: String) throws -> String { hexString(try BodyDigest.digest(.md5, of: Array(s.utf8))) }

    /// Feeds `parts` then the end of the stream (unless complete before), returns the response.
    private func run(_ parts: [String], hash: HashAlgorithm? = .md5, retainBody: Int = 0,
                     headerLimit: Int = HTTPResponseParser.defaultHeaderLimit) throws -> HTTPResponse {
        let parser = try HTTPResponseParser(hash: hash, retainBody: retainBody, headerLimit: headerLimit)
        for part in parts { try parser.feed(Array(part.utf8)) }
        if !parser.isComplete { try parser.feedEndOfStream() }
        return try #require(parser.response)
    }

    // Bodies and digests observed from Debian's genhash 2.2.7 against a test server.
    static let observed: [(name: String, response: String, hashed: String)] = [
        ("plain body with Content-Length", "HTTP/1.0 200 OK\r\nContent-Length: 30\r\n\r\nhello keepalived genhash test\n",
         "hello keepalived genhash test\n"),
        ("Content-Length caps the body", "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nhello world", "hel"),
        ("Content-Length larger than the body", "HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\nhello", "hello"),
        ("no Content-Length: everything to the end", "HTTP/1.0 200 OK\r\n\r\nabcd", "abcd"),
        ("Content-Length 0", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\nabcd", ""),
        ("404 body is hashed", "HTTP/1.0 404 Not Found\r\nContent-Length: 4\r\n\r\nnope", "nope"),
        ("chunked body hashed raw",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n"
            + "a\r\n<html><bod\r\n27\r\ny>Hello keepalived probe</body></html>\n\r\n0\r\n\r\n",
         "a\r\n<html><bod\r\n27\r\ny>Hello keepalived probe</body></html>\n\r\n0\r\n\r\n"),
        ("status line without a reason phrase", "HTTP/1.0 200\r\n\r\nabcd", "abcd"),
    ]

    @Test func digestCoversWhatKeepalivedHashes() throws {
        for c in Self.observed {
            let r = try run([c.response])
            #expect(r.digestHex == (try md5(c.hashed)), "\(c.name)")
            #expect(r.bodyLength == UInt64(c.hashed.utf8.count), "\(c.name)")
        }
    }

    @Test func chunkedSampleDigestEqualsKeepalivedsNotTheDechunkedBody() throws {
        // corpus genhash-sample-extra.txt §2: 524910fb... (the de-chunked body is 70cead4a...).
        let r = try run([Self.observed[6].response])
        #expect(r.digestHex == "524910fbc15063c030abf927662bffee")
        #expect(try md5("<html><body>Hello keepalived probe</body></html>\n") == "70cead4a8aedb5de6e783ad655c01918")
    }

    @Test func everySplitOfTheStreamGivesTheSameResult() throws {
        for c in Self.observed {
            let whole = try run([c.response])
            let bytes = Array(c.response.utf8)
            for cut in 0...bytes.count {
                let parts = [String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self)]
                let r = try run(parts)
                #expect(r == whole, "\(c.name) cut at \(cut)")
            }
            // One byte per read.
            #expect(try run(bytes.map { String(decoding: [$0], as: UTF8.self) }) == whole, "\(c.name) bytewise")
        }
    }

    @Test func completesWhenContentLengthBytesArrivedWithoutWaitingForTheEnd() throws {
        let parser = try HTTPResponseParser()
        try parser.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel".utf8))
        #expect(!parser.isComplete)
        try parser.feed(Array("lo and more".utf8))
        #expect(parser.isComplete)
        #expect(parser.response?.digestHex == (try md5("hello")))
        #expect(parser.response?.truncated == false)
    }

    @Test func shortBodyIsMarkedTruncatedButStillHashed() throws {
        let r = try run(["HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc"])
        #expect(r.truncated)
        #expect(r.contentLength == 10)
        #expect(r.digestHex == (try md5("abc")))
    }

    @Test func statusLineIsParsed() throws {
        let r = try run(["HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"])
        #expect(r.statusLine.code == 503)
        #expect(r.statusLine.major == 1 && r.statusLine.minor == 1)
        #expect(r.statusLine.text == "HTTP/1.1 503 Service Unavailable")
        #expect(!r.statusLine.isSuccess)
        #expect(r.header == Array("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n".utf8))
    }

    @Test func answersThatAreNotHTTPAreRefused() throws {
        let table = [
            "FOO 200 OK\r\n\r\nabcd", "HTTP/1.0 abc OK\r\n\r\nabcd", "HTTP/1.0 99 OK\r\n\r\nx",
            "HTTP/1.0 700 OK\r\n\r\nx", "\r\n\r\nabcd", "HTTP/x.0 200 OK\r\n\r\n", "HTTP/1.0 2000 OK\r\n\r\n",
            "SSH-2.0-OpenSSH_9.2\r\n\r\n",
        ]
        for text in table {
            #expect(throws: HTTPClientError.self, "\(text.debugDescription)") { try run([text]) }
        }
        do {
            _ = try run(["SSH-2.0-OpenSSH\r\n\r\n"])
        } catch let e as HTTPClientError {
            #expect(e == .notHTTP(firstLine: "SSH-2.0-OpenSSH"))
        }
    }

    @Test func endOfStreamBeforeTheBlankLineIsNoData() throws {
        // keepalived: "no data received from remote webserver" for all of these.
        let table: [(String, Int, String)] = [
            ("", 0, ""), ("HTTP/1.0 200 OK\r\nFoo: bar\r\n", 27, "HTTP/1.0 200 OK"),
            ("HTTP/1.0 200 OK\nContent-Length: 4\n\nabcd", 39, "HTTP/1.0 200 OK"),
            ("<html>hello</html>", 18, "<html>hello</html>"), ("\u{1}\u{2}x\r\n", 5, "\\x01\\x02x"),
        ]
        for (text, count, line) in table {
            let parser = try HTTPResponseParser()
            if !text.isEmpty { try parser.feed(Array(text.utf8)) }
            #expect(throws: HTTPClientError.noResponseHeader(receivedBytes: count, firstLine: line)) {
                try parser.feedEndOfStream()
            }
            #expect(parser.response == nil)
        }
    }

    @Test func oversizedHeaderIsRefused() throws {
        let big = "HTTP/1.0 200 OK\r\nX: " + String(repeating: "a", count: 200) + "\r\n\r\nbody"
        #expect(throws: HTTPClientError.headerTooLarge(limit: 100)) { try run([big], headerLimit: 100) }
        #expect(try run([big], headerLimit: 300).digestHex == (try md5("body")))
    }

    @Test func aFailedParserKeepsFailing() throws {
        let parser = try HTTPResponseParser()
        #expect(throws: HTTPClientError.self) {
            try parser.feed(Array("NOPE\r\n\r\n".utf8))
        }
        #expect(throws: HTTPClientError.self) { try parser.feedEndOfStream() }
        #expect(!parser.isComplete)
    }

    @Test func noHashAskedMeansNoDigest() throws {
        let r = try run(["HTTP/1.0 200 OK\r\n\r\nabcd"], hash: nil)
        #expect(r.digest == nil)
        #expect(r.bodyLength == 4)
    }

    @Test func retainedBodyPrefixStopsAtTheLimit() throws {
        let r = try run(["HTTP/1.0 200 OK\r\n\r\nabc", "defgh"], retainBody: 5)
        #expect(r.bodyPrefix == Array("abcde".utf8))
        #expect(try run(["HTTP/1.0 200 OK\r\n\r\nabc"], retainBody: 5).bodyPrefix == Array("abc".utf8))
    }
}
