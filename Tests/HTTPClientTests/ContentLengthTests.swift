import HTTPClient
import Testing

/// Which Content-Length keepalived honours: each row was served to Debian's
/// genhash 2.2.7 with the body "abcd", and its digest told how many bytes it hashed.
@Suite struct ContentLengthTests {
    static let rows: [(header: String, hashed: String)] = [
        ("Content-Length: 2", "ab"),
        ("Content-Length:   2", "ab"),
        ("Content-Length:2", "ab"),
        ("Content-Length: \t2", "ab"),
        ("Content-Length: \u{0B}2", "ab"),
        ("Content-Length: +2", "ab"),
        ("Content-Length: 02", "ab"),
        ("Content-Length: -0", ""),
        ("Content-Length:", ""),                       // no digits, CR right after the colon: 0
        ("Content-Length:\r\n 2", "ab"),               // strtoul skips the CRLF
        ("Content-Length: 2\r", "ab"),
        ("Content-Length: 2\u{0}", "ab"),
        ("X-Content-Length: 2", "ab"),                 // a substring match
        ("Content-Length: 2\r\nContent-Length: 3", "ab"),  // the first one
        ("content-length: 2", "abcd"),                 // case-sensitive
        ("CONTENT-LENGTH: 2", "abcd"),
        ("Content-Length : 2", "abcd"),
        ("Content-Length: 2x", "abcd"),
        ("Content-Length: 2 ", "abcd"),
        ("Content-Length: 2\t", "abcd"),
        ("Content-Length: 2;", "abcd"),
        ("Content-Length: 2\u{0C}", "abcd"),
        ("Content-Length: 2 3", "abcd"),
        ("Content-Length: x2", "abcd"),
        ("Content-Length: 0x2", "abcd"),
        ("Content-Length: -1", "abcd"),                // wraps to a huge cap
        ("Content-Length: 99999999999999999999", "abcd"),  // saturates
        ("Content-Length: 4294967296", "abcd"),
    ]

    @Test func keepalivedsContentLengthRulesAreFollowed() throws {
        for row in Self.rows {
            let parser = try HTTPResponseParser()
            try parser.feed(Array("HTTP/1.0 200 OK\r\n\(row.header)\r\n\r\nabcd".utf8))
            if !parser.isComplete { try parser.feedEndOfStream() }
            let response = try #require(parser.response, "\(row.header.debugDescription)")
            let expected = hexString(try BodyDigest.digest(.md5, of: Array(row.hashed.utf8)))
            #expect(response.digestHex == expected, "\(row.header.debugDescription)")
        }
    }

    @Test func aNulByteEndsTheSearch() throws {
        let parser = try HTTPResponseParser()
        try parser.feed(Array("HTTP/1.0 200 OK\r\nX: \u{0}\r\nContent-Length: 2\r\n\r\nabcd".utf8))
        try parser.feedEndOfStream()
        #expect(parser.response?.contentLength == nil)
        #expect(parser.response?.bodyLength == 4)
    }
}
