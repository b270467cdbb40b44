/// One GET and its response over a byte stream: keepalived's HTTP_GET and
/// genhash exchange. Sends the request, then parses what comes back.
public final class HTTPExchange: ByteStreamClient {
    public let request: HTTPRequest
    public let parser: HTTPResponseParser
    private let requestBytes: [UInt8]
    private var sent = 0

    public init(request: HTTPRequest, hash: HashAlgorithm? = .md5, retainBody: Int = 0,
                headerLimit: Int = HTTPResponseParser.defaultHeaderLimit) throws(HTTPClientError) {
        self.request = request
        self.requestBytes = request.bytes
        self.parser = try HTTPResponseParser(hash: hash, retainBody: retainBody, headerLimit: headerLimit)
    }

    public var bytesToSend: ArraySlice<UInt8> { requestBytes[sent...] }

    public func markSent(_ count: Int) {
        sent = min(requestBytes.count, sent + max(0, count))
    }

    public func feed(_ bytes: UnsafeRawBufferPointer) throws(HTTPClientError) {
        try parser.feed(bytes)
    }

    public func feedEndOfStream() throws(HTTPClientError) {
        try parser.feedEndOfStream()
    }

    public var isComplete: Bool { parser.isComplete }

    /// The response, once complete.
    public var response: HTTPResponse? { parser.response }
}
