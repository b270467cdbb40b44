/// Told about each read as the parser sees it, so that `genhash -v` can print
/// keepalived's per-read dumps while the bytes stream through. Optional: with
/// no observer the parser keeps no copy of the body.
public protocol HTTPReadObserver: AnyObject {
    /// A read arrived while the header was still incomplete (the completing read included).
    func readWhileHeaderPending()
    /// The header is complete: its bytes through the blank line.
    func headerCompleted(_ header: UnsafeRawBufferPointer)
    /// Body bytes counted by this read (after the Content-Length cap);
    /// `sameReadAsHeader` is true for the bytes that came with the header's end.
    func bodyReceived(_ bytes: UnsafeRawBufferPointer, sameReadAsHeader: Bool)
}

/// What a finished response looked like.
public struct HTTPResponse: Sendable, Equatable {
    public var statusLine: HTTPStatusLine
    /// The header bytes through the blank line (CRLFs kept).
    public var header: [UInt8]
    /// The Content-Length keepalived would use, if any (see `ContentLength`).
    public var contentLength: UInt64?
    /// Body bytes counted (and hashed): after the header, capped by Content-Length.
    public var bodyLength: UInt64
    /// The digest of those bytes, when a hash algorithm was asked for.
    public var digest: [UInt8]?
    /// The first `retainBody` bytes of the body, for checks that look inside it.
    public var bodyPrefix: [UInt8]
    /// True when the peer closed before Content-Length bytes arrived (logged by keepalived, not fatal).
    public var truncated: Bool

    public var digestHex: String? { digest.map { hexString($0) } }
}

/// An incremental parser of one response, keepalived's way: the header is
/// everything up to the first CRLFCRLF; the body is every byte after it up to
/// the end of the stream, capped by Content-Length when there is one, and
/// never de-chunked (a chunked body is hashed raw, chunk-size lines and all:
/// corpus/reference-output/genhash-sample-extra.txt §2).
public final class HTTPResponseParser {
    /// keepalived gives up on a header longer than its 4 KiB read buffer;
    /// we allow more, but not without bound.
    public static let defaultHeaderLimit = 64 * 1024

    public weak var observer: (any HTTPReadObserver)?

    private let headerLimit: Int
    private let retainBody: Int
    private let digest: BodyDigest?

    private var headerBuffer: [UInt8] = []
    private var header: [UInt8]? = nil
    private var statusLine: HTTPStatusLine? = nil
    private var contentLength: UInt64? = nil
    private var remaining: UInt64 = .max
    private var bodyLength: UInt64 = 0
    private var bodyPrefix: [UInt8] = []
    private var ended = false
    private var failure: HTTPClientError? = nil
    private var finalDigest: [UInt8]? = nil

    /// `hash` nil skips hashing (a check without `digest`); `retainBody` keeps
    /// that many leading body bytes in the response.
    public init(hash: HashAlgorithm? = .md5, retainBody: Int = 0,
                headerLimit: Int = HTTPResponseParser.defaultHeaderLimit) throws(HTTPClientError) {
        self.digest = try hash.map { (a) throws(HTTPClientError) in try BodyDigest(a) }
        self.retainBody = retainBody
        self.headerLimit = headerLimit
    }

    /// True once Content-Length bytes have been counted or the stream ended.
    public var isComplete: Bool { failure == nil && header != nil && (ended || remaining == 0) }

    public var isHeaderComplete: Bool { header != nil }

    public func feed(_ bytes: UnsafeRawBufferPointer) throws(HTTPClientError) {
        if let failure { throw failure }
        guard bytes.count > 0, !ended else { return }
        if header != nil {
            consumeBody(bytes, sameReadAsHeader: false)
            return
        }
        observer?.readWhileHeaderPending()
        let searchFrom = max(0, headerBuffer.count - 3)
        let room = headerLimit + 4 - headerBuffer.count
        let taken = min(room, bytes.count)
        headerBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<taken]))
        guard let end = Self.blankLine(in: headerBuffer, from: searchFrom) else {
            if headerBuffer.count > headerLimit { return try fail(.headerTooLarge(limit: headerLimit)) }
            return
        }
        try completeHeader(end: end, rest: UnsafeRawBufferPointer(rebasing: bytes[taken...]))
    }

    public func feed(_ bytes: [UInt8]) throws(HTTPClientError) {
        // withUnsafeBytes rethrows untyped; carry the typed error out by hand.
        let failure: HTTPClientError? = bytes.withUnsafeBytes { b in
            do throws(HTTPClientError) { try feed(b); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    public func feedEndOfStream() throws(HTTPClientError) {
        if let failure { throw failure }
        guard header != nil else {
            let lineEnd = headerBuffer.firstIndex(where: { $0 == 0x0d || $0 == 0x0a }) ?? headerBuffer.count
            return try fail(.noResponseHeader(receivedBytes: headerBuffer.count,
                                              firstLine: HTTPClientError.printable(headerBuffer[0..<lineEnd])))
        }
        ended = true
    }

    /// The response, once `isComplete`; nil before.
    public var response: HTTPResponse? {
        guard isComplete, let header, let statusLine else { return nil }
        if finalDigest == nil, let digest { finalDigest = digest.finish() }
        let truncated = contentLength.map { bodyLength < $0 } ?? false
        return HTTPResponse(statusLine: statusLine, header: header, contentLength: contentLength,
                            bodyLength: bodyLength, digest: finalDigest, bodyPrefix: bodyPrefix,
                            truncated: truncated)
    }

    // MARK: - Internals

    private func fail(_ e: HTTPClientError) throws(HTTPClientError) {
        failure = e
        throw e
    }

    /// `end` is the index just past CRLFCRLF in `headerBuffer`; `rest` is what
    /// this read held beyond the part copied into `headerBuffer`.
    private func completeHeader(end: Int, rest: UnsafeRawBufferPointer) throws(HTTPClientError) {
        let headerBytes = Array(headerBuffer[0..<end])
        let cl = headerBuffer.withUnsafeBytes { ContentLength.find(in: $0, headerLength: end) }
        let status = headerBytes.withUnsafeBytes { HTTPStatusLine(header: $0) }
        headerBytes.withUnsafeBytes { observer?.headerCompleted($0) }
        guard let status else {
            let lineEnd = headerBytes.firstIndex(where: { $0 == 0x0d || $0 == 0x0a }) ?? headerBytes.count
            return try fail(.notHTTP(firstLine: HTTPClientError.printable(headerBytes[0..<lineEnd])))
        }
        header = headerBytes
        statusLine = status
        contentLength = cl
        remaining = cl ?? .max
        // The body bytes of this read: the tail of headerBuffer, then `rest`.
        let tail = headerBuffer[end...]
        if rest.isEmpty {
            tail.withUnsafeBytes { consumeBody($0, sameReadAsHeader: true) }
        } else if tail.isEmpty {
            consumeBody(rest, sameReadAsHeader: true)
        } else {
            let joined = Array(tail) + Array(rest)
            joined.withUnsafeBytes { consumeBody($0, sameReadAsHeader: true) }
        }
        headerBuffer = []
    }

    private func consumeBody(_ bytes: UnsafeRawBufferPointer, sameReadAsHeader: Bool) {
        let take = Int(min(UInt64(bytes.count), remaining))
        guard take > 0 else { return }
        let counted = UnsafeRawBufferPointer(rebasing: bytes[0..<take])
        digest?.update(counted)
        if bodyPrefix.count < retainBody {
            bodyPrefix.append(contentsOf: counted.prefix(retainBody - bodyPrefix.count))
        }
        remaining -= UInt64(take)
        bodyLength += UInt64(take)
        observer?.bodyReceived(counted, sameReadAsHeader: sameReadAsHeader)
    }

    /// The index just past the first CRLFCRLF at or after `from`.
    static func blankLine(in buffer: [UInt8], from: Int) -> Int? {
        guard buffer.count >= 4 else { return nil }
        var i = from
        while i + 3 < buffer.count {
            if buffer[i + 3] != 0x0a { i += buffer[i + 3] == 0x0d ? 1 : 4; continue }
            if buffer[i] == 0x0d && buffer[i + 1] == 0x0a && buffer[i + 2] == 0x0d { return i + 4 }
            i += 1
        }
        return nil
    }
}
