import HTTPClient
import Testing

/// genhash -v layout, checked against keepalived's own transcripts in the corpus.
@Suite struct VerboseOutputTests {
    static let banners = [
        "HTTP Header Buffer", "HTML Buffer", "HTML hash resulting",
    ]

    @Test func everyDumpInTheCorpusIsReproducedByteForByte() throws {
        var checked = 0
        for file in ["genhash-sample.txt", "genhash-sample-extra.txt"] {
            for transcript in Corpus.verboseTranscripts(in: try Corpus.referenceOutput(file)) {
                for banner in Self.banners {
                    let rows = Corpus.dumpRows(in: transcript, after: banner)
                    let bytes = Corpus.dumpedBytes(in: transcript, after: banner)
                    guard !bytes.isEmpty else { continue }
                    #expect(HexDump.string(bytes) == rows, "\(file): \(banner)")
                    checked += 1
                }
            }
        }
        #expect(checked == 6)
    }

    @Test func shortRowsKeepTheSeparatorAndPadTheText() {
        let table: [([UInt8], String)] = [
            ([0x0a], "0000  0a                      -                           .               \n"),
            (Array("html\r\n\r\n".utf8), "0000  68 74 6d 6c 0d 0a 0d 0a -                           html....        \n"),
            (Array("4 GMT\r\n\r\n".utf8),
             "0000  34 20 47 4d 54 0d 0a 0d - 0a                        4 GMT....       \n"),
            ([], ""),
        ]
        for (bytes, expected) in table {
            #expect(HexDump.string(bytes) == expected)
        }
    }

    @Test func offsetsAreDecimalAndGrowPastFourDigits() {
        let dump = HexDump.string([UInt8](repeating: 0x41, count: 10_016 + 1))
        let lines = dump.split(separator: "\n")
        #expect(lines[1].hasPrefix("0016  "))
        #expect(lines[626].hasPrefix("10016  41 "))
    }

    /// Feeds the response a corpus transcript shows (header and body in one read,
    /// as there) and expects the very same transcript back.
    @Test(arguments: ["genhash-sample.txt", "genhash-sample-extra.txt"])
    func wholeTranscriptMatchesKeepalived(file: String) throws {
        let transcripts = Corpus.verboseTranscripts(in: try Corpus.referenceOutput(file))
        let golden = try #require(transcripts.first)
        let header = Corpus.dumpedBytes(in: golden, after: "HTTP Header Buffer")
        let body = Corpus.dumpedBytes(in: golden, after: "HTML Buffer ")
        let url = String(golden.split(separator: "[").last!.split(separator: "]").first!)
        let usecs = UInt64(golden.split(separator: "=").last!.split(separator: " ").first!)!

        let transcript = VerboseTranscript()
        let exchange = try HTTPExchange(request: HTTPRequest(path: url, host: "h"))
        exchange.parser.observer = transcript
        try exchange.feed(header + body)
        try exchange.feedEndOfStream()
        let response = try #require(exchange.response)
        transcript.finish(digest: response.digest!, url: url, responseMicroseconds: usecs)
        var ours = String(decoding: transcript.takeOutput(), as: UTF8.self)
        // genhash-sample-extra.txt was stored without its carriage returns.
        if !golden.contains("\r") { ours = ours.replacingOccurrences(of: "\r", with: "") }
        #expect(ours == golden)
    }

    @Test func headerSplitOverReadsRepeatsTheHeaderBannerAndLaterBodyReadsHaveNone() throws {
        // As Debian's genhash prints for a header in three reads and a body in two.
        let transcript = VerboseTranscript()
        let exchange = try HTTPExchange(request: HTTPRequest(path: "/", host: "h"))
        exchange.parser.observer = transcript
        for part in ["HTTP/1.0 200 OK\r\nCont", "ent-Length: 11\r\n\r", "\nhello", " world"] {
            try exchange.feed(Array(part.utf8))
        }
        #expect(exchange.isComplete)
        let text = String(decoding: transcript.takeOutput(), as: UTF8.self)
        let banner = "-----------------------[    HTTP Header Buffer    ]-----------------------\n"
        #expect(text.hasPrefix(banner + banner + banner + "0000  48 54"))
        #expect(text.contains("-----------------------[        HTML Buffer        ]-----------------------\n"
                              + "0000  68 65 6c 6c 6f          -                           hello           \n"
                              + "0000  20 77 6f 72 6c 64       -                            world          \n"))
    }

    @Test func bodyStartingInALaterReadHasNoBodyBanner() throws {
        let transcript = VerboseTranscript()
        let exchange = try HTTPExchange(request: HTTPRequest(path: "/", host: "h"))
        exchange.parser.observer = transcript
        try exchange.feed(Array("HTTP/1.0 200 OK\r\n\r\n".utf8))
        try exchange.feed(Array("hello".utf8))
        try exchange.feedEndOfStream()
        let text = String(decoding: transcript.takeOutput(), as: UTF8.self)
        #expect(!text.contains("HTML Buffer"))
        #expect(text.hasSuffix("HTTP/1.0 200 OK\r\n\r\n\n0000  68 65 6c 6c 6f          -                           hello           \n"))
    }

    @Test func overTLSTheEndIsTheDigestLineAlone() throws {
        let transcript = VerboseTranscript()
        let exchange = try HTTPExchange(request: HTTPRequest(path: "/", host: "h"))
        exchange.parser.observer = transcript
        try exchange.feed(Array("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello".utf8))
        let digest = try #require(exchange.response?.digest)
        transcript.finish(digest: digest, url: "/capped", responseMicroseconds: 7796, overTLS: true)
        let text = String(decoding: transcript.takeOutput(), as: UTF8.self)
        // As Debian's genhash -S -v printed it.
        #expect(text.hasSuffix("-----------------------[        HTML Buffer        ]-----------------------\n"
                               + "0000  68 65 6c 6c 6f          -                           hello           \n"
                               + "5d41402abc4b2a76b9719d911017c592\n\nGlobal response time for [/capped] = 7796 usecs\n"))
    }
}
