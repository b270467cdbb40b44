/// genhash -v's output, built as the reads arrive, in keepalived's layout
/// (reference §3.4; corpus/reference-output/genhash-sample*.txt). Observed on
/// Debian's genhash 2.2.7:
///
/// - every read while the header is incomplete prints the header banner
///   (a header split over three reads shows it three times);
/// - the read that completes it prints the header's dump, the ASCII banner,
///   the header text as received and a newline;
/// - body bytes in that same read print the HTML banner and their dump; each
///   later read prints only its dump, offsets restarting at 0000 (a body that
///   starts in a later read therefore has no HTML banner);
/// - at the end: a blank line, the digest's dump, the digest in hex, a blank
///   line and `Global response time for [URL] = N usecs`; over TLS only the
///   last three.
///
/// The transcript only builds bytes; the driver writes them (`takeOutput`).
public final class VerboseTranscript: HTTPReadObserver {
    static let headerBanner = "-----------------------[    HTTP Header Buffer    ]-----------------------\n"
    static let asciiBanner = "-----------------------[ HTTP Header Ascii Buffer ]-----------------------\n"
    static let bodyBanner = "-----------------------[        HTML Buffer        ]-----------------------\n"
    static let hashBanner = "-----------------------[    HTML hash resulting    ]-----------------------\n"
    static let finalBanner = "-----------------------[ HTML hash final resulting ]-----------------------\n"

    private var output: [UInt8] = []

    public init() {}

    /// The bytes built since the last call.
    public func takeOutput() -> [UInt8] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    public var pendingByteCount: Int { output.count }

    public func readWhileHeaderPending() {
        output.append(contentsOf: Self.headerBanner.utf8)
    }

    public func headerCompleted(_ header: UnsafeRawBufferPointer) {
        HexDump.append(header, to: &output)
        output.append(contentsOf: Self.asciiBanner.utf8)
        output.append(contentsOf: header)
        output.append(0x0a)
    }

    public func bodyReceived(_ bytes: UnsafeRawBufferPointer, sameReadAsHeader: Bool) {
        if sameReadAsHeader { output.append(contentsOf: Self.bodyBanner.utf8) }
        HexDump.append(bytes, to: &output)
    }

    /// The closing part, once the response is complete. Over TLS keepalived's
    /// genhash prints only the digest line there: no blank line after the body,
    /// no digest dump, no banners (observed on Debian's 2.2.7 with -S -v).
    public func finish(digest: [UInt8], url: String, responseMicroseconds: UInt64, overTLS: Bool = false) {
        if !overTLS {
            output.append(0x0a)
            output.append(contentsOf: Self.hashBanner.utf8)
            digest.withUnsafeBytes { HexDump.append($0, to: &output) }
            output.append(contentsOf: Self.finalBanner.utf8)
        }
        output.append(contentsOf: hexString(digest).utf8)
        output.append(contentsOf: "\n\nGlobal response time for [\(url)] = \(responseMicroseconds) usecs\n".utf8)
    }
}
