import COpenSSL

/// TLS over memory BIOs around any `ByteStreamClient`, and one itself: the
/// driver moves ciphertext, the inner client sees plaintext. No socket is ever
/// handed to OpenSSL, so the same code runs under a blocking loop or a reactor.
///
/// As keepalived's SSL_GET: `TLS_method`, optional SNI, the server certificate
/// not verified unless the context asks for it, quiet shutdown (no close_notify
/// sent), and a server that closes without close_notify simply ends the response.
public final class TLSClient<Inner: ByteStreamClient>: ByteStreamClient {
    public let inner: Inner
    private let context: TLSContext      // keeps the SSL_CTX alive as long as the SSL
    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer   // owned by `ssl`
    private let writeBIO: OpaquePointer  // owned by `ssl`
    private let readChunkSize: Int
    private let plaintext: UnsafeMutableRawBufferPointer
    private var outgoing: [UInt8] = []
    private var outgoingSent = 0
    private var handshakeComplete = false
    private var streamEnded = false
    private var failure: HTTPClientError?

    /// `serverName` is sent as SNI when set. `readChunkSize` bounds each
    /// SSL_read handed to the inner client (genhash -v uses keepalived's 4095
    /// so that its per-read dumps match).
    public init(wrapping inner: Inner, context: TLSContext, serverName: String? = nil,
                readChunkSize: Int = 16 * 1024) throws(HTTPClientError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.context) else { throw .tls("SSL_new failed: \(openSSLErrorText())") }
        guard let rbio = BIO_new(BIO_s_mem()), let wbio = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .tls("BIO_new failed: \(openSSLErrorText())")
        }
        SSL_set_bio(ssl, rbio, wbio)
        SSL_set_connect_state(ssl)
        self.inner = inner
        self.context = context
        self.ssl = ssl
        self.readBIO = rbio
        self.writeBIO = wbio
        self.readChunkSize = max(1, readChunkSize)
        self.plaintext = .allocate(byteCount: self.readChunkSize, alignment: 16)
        if let serverName {
            // SSL_set_tlsext_host_name is a macro over SSL_ctrl.
            let ok = serverName.withCString {
                SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name),
                         UnsafeMutableRawPointer(mutating: $0))
            }
            guard ok == 1 else { throw .tls("cannot use \(serverName) as SNI: \(openSSLErrorText())") }
        }
        try pump()   // produces the ClientHello
    }

    deinit {
        SSL_free(ssl)   // frees both BIOs
        plaintext.deallocate()
    }

    public var isHandshakeComplete: Bool { handshakeComplete }

    /// The protocol version negotiated (e.g. "TLSv1.3"), once the handshake is done.
    public var negotiatedVersion: String? {
        guard handshakeComplete, let v = SSL_get_version(ssl) else { return nil }
        return String(cString: v)
    }

    // MARK: ByteStreamClient

    public var bytesToSend: ArraySlice<UInt8> { outgoing[outgoingSent...] }

    public func markSent(_ count: Int) {
        outgoingSent = min(outgoing.count, outgoingSent + max(0, count))
        if outgoingSent == outgoing.count {
            outgoing.removeAll(keepingCapacity: true)
            outgoingSent = 0
        }
    }

    public func feed(_ bytes: UnsafeRawBufferPointer) throws(HTTPClientError) {
        if let failure { throw failure }
        guard bytes.count > 0, !streamEnded else { return }
        var offset = 0
        while offset < bytes.count {
            let n = BIO_write(readBIO, bytes.baseAddress! + offset, Int32(min(bytes.count - offset, Int(Int32.max))))
            guard n > 0 else { return try fail(.tls("cannot buffer received bytes: \(openSSLErrorText())")) }
            offset += Int(n)
            try pump()
        }
    }

    public func feedEndOfStream() throws(HTTPClientError) {
        if let failure { throw failure }
        guard !streamEnded else { return }
        streamEnded = true
        guard handshakeComplete else {
            return try fail(.tls("the server closed the connection during the TLS handshake"))
        }
        // From now on an empty read BIO means end of stream, not "try again".
        _ = BIO_ctrl(readBIO, BIO_C_SET_BUF_MEM_EOF_RETURN, 0, nil)
        try pump()
        if !inner.isComplete { try inner.feedEndOfStream() }
    }

    public var isComplete: Bool { failure == nil && inner.isComplete }

    // MARK: The engine

    private func fail(_ e: HTTPClientError) throws(HTTPClientError) {
        failure = e
        throw e
    }

    /// Advances the handshake, moves plaintext both ways, and collects the
    /// ciphertext OpenSSL wants sent.
    private func pump() throws(HTTPClientError) {
        ERR_clear_error()
        defer { collectOutgoing() }
        if !handshakeComplete {
            let r = SSL_do_handshake(ssl)
            if r == 1 {
                handshakeComplete = true
            } else {
                let e = SSL_get_error(ssl, r)
                guard e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE else {
                    collectOutgoing()   // an alert for the server, if any
                    return try fail(.tls("handshake failed: \(errorDetail(e))"))
                }
                return
            }
        }
        while !inner.bytesToSend.isEmpty {
            let n = inner.bytesToSend.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32(clamping: $0.count)) }
            if n > 0 { inner.markSent(Int(n)); continue }
            let e = SSL_get_error(ssl, n)
            guard e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE else {
                return try fail(.tls("write failed: \(errorDetail(e))"))
            }
            break
        }
        while !inner.isComplete {
            let n = SSL_read(ssl, plaintext.baseAddress, Int32(clamping: readChunkSize))
            if n > 0 {
                do { try inner.feed(UnsafeRawBufferPointer(rebasing: plaintext[0..<Int(n)])) }
                catch { return try fail(error) }
                continue
            }
            let e = SSL_get_error(ssl, n)
            switch e {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return
            case SSL_ERROR_ZERO_RETURN:
                // close_notify: the end of the response.
                do { try inner.feedEndOfStream() } catch { return try fail(error) }
                return
            case SSL_ERROR_SYSCALL where streamEnded:
                // The transport ended without close_notify; keepalived takes
                // what arrived (SSL_OP_IGNORE_UNEXPECTED_EOF normally lands here as ZERO_RETURN).
                return
            default:
                return try fail(.tls("read failed: \(errorDetail(e))"))
            }
        }
    }

    private func collectOutgoing() {
        while BIO_ctrl_pending(writeBIO) > 0 {
            let pending = Int(BIO_ctrl_pending(writeBIO))
            let start = outgoing.count
            outgoing.append(contentsOf: repeatElement(0, count: pending))
            let n = outgoing.withUnsafeMutableBytes { BIO_read(writeBIO, $0.baseAddress! + start, Int32(clamping: pending)) }
            outgoing.removeLast(pending - max(0, Int(n)))
            if n <= 0 { break }
        }
    }

    private func errorDetail(_ sslError: Int32) -> String {
        let text = openSSLErrorText()
        if text != "no detail from OpenSSL" { return text }
        switch sslError {
        case SSL_ERROR_SYSCALL: return "unexpected end of stream"
        case SSL_ERROR_ZERO_RETURN: return "the server closed the TLS session"
        default: return "SSL error \(sslError)"
        }
    }
}
