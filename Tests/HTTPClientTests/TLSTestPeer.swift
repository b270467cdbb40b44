// An in-process TLS server over memory BIOs, and certificates made on the fly:
// real OpenSSL on both ends, no sockets, so the client's TLS state machine is
// tested as pure logic.
import COpenSSL
import Foundation
import HTTPClient

/// A key pair and a self-signed (or CA-signed) certificate, in memory and as PEM files.
final class TestCertificate {
    let key: OpaquePointer
    let certificate: OpaquePointer

    /// Ed25519 keys: quick to make, and every TLS 1.3 stack here speaks them.
    init(commonName: String, signedBy issuer: TestCertificate? = nil, isCA: Bool = false) throws {
        guard let kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else { throw CorpusError("EVP_PKEY_CTX_new_id") }
        defer { EVP_PKEY_CTX_free(kctx) }
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_keygen_init(kctx) == 1, EVP_PKEY_keygen(kctx, &pkey) == 1, let pkey else {
            throw CorpusError("keygen")
        }
        key = pkey
        guard let x = X509_new() else { throw CorpusError("X509_new") }
        certificate = x
        // A v1 self-signed certificate counts as a CA for OpenSSL (x509v3.h,
        // which would add basicConstraints, is not in the COpenSSL module).
        X509_set_version(x, isCA ? 0 : 2)
        ASN1_INTEGER_set(X509_get_serialNumber(x), Int(arc4random_uniform(1_000_000)) + 1)
        X509_gmtime_adj(X509_getm_notBefore(x), -60)
        X509_gmtime_adj(X509_getm_notAfter(x), 3600)
        X509_set_pubkey(x, pkey)
        let name = X509_get_subject_name(x)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0)
        X509_set_issuer_name(x, issuer.map { X509_get_subject_name($0.certificate) } ?? name)
        guard X509_sign(x, issuer?.key ?? pkey, nil) > 0 else { throw CorpusError("X509_sign: \(errors())") }
    }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(key)
    }

    func writeCertificate(to path: String) throws {
        guard let bio = BIO_new_file(path, "w") else { throw CorpusError("open \(path)") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, certificate) == 1 else { throw CorpusError("PEM_write_bio_X509") }
    }

    /// The private key, encrypted with `password` when one is given.
    func writeKey(to path: String, password: String? = nil) throws {
        guard let bio = BIO_new_file(path, "w") else { throw CorpusError("open \(path)") }
        defer { BIO_free(bio) }
        let ok: Int32
        if let password {
            var pw = Array(password.utf8)
            ok = PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), &pw, Int32(pw.count), nil, nil)
        } else {
            ok = PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil)
        }
        guard ok == 1 else { throw CorpusError("PEM_write key: \(errors())") }
    }
}

func errors() -> String {
    var parts: [String] = []
    while case let e = ERR_get_error(), e != 0 {
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(e, &buf, 256)
        parts.append(String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return parts.joined(separator: "; ")
}

/// The server end: accepts one TLS session, reads a request up to its blank
/// line, answers with `response`, then closes (with or without close_notify).
final class TLSTestServer {
    private let ctx: OpaquePointer
    private let ssl: OpaquePointer
    private let rbio: OpaquePointer
    private let wbio: OpaquePointer
    var response: [UInt8]
    var sendCloseNotify: Bool
    private(set) var request: [UInt8] = []
    private(set) var answered = false
    private(set) var failed: String?

    init(certificate: TestCertificate, response: [UInt8], sendCloseNotify: Bool = true,
         requireClientCertificate: Bool = false) throws {
        guard let ctx = SSL_CTX_new(TLS_method()) else { throw CorpusError("SSL_CTX_new") }
        self.ctx = ctx
        guard SSL_CTX_use_certificate(ctx, certificate.certificate) == 1,
              SSL_CTX_use_PrivateKey(ctx, certificate.key) == 1 else { throw CorpusError("server cert: \(errors())") }
        if requireClientCertificate {
            // Any client certificate will do: the test checks one was presented.
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) { _, _ in 1 }
        }
        guard let ssl = SSL_new(ctx), let r = BIO_new(BIO_s_mem()), let w = BIO_new(BIO_s_mem()) else {
            throw CorpusError("SSL_new")
        }
        SSL_set_bio(ssl, r, w)
        SSL_set_accept_state(ssl)
        self.ssl = ssl
        self.rbio = r
        self.wbio = w
        self.response = response
        self.sendCloseNotify = sendCloseNotify
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(ctx)
    }

    /// The SNI name the client sent, if any.
    var serverName: String? {
        SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
    }

    var clientPresentedCertificate: Bool {
        guard let cert = SSL_get1_peer_certificate(ssl) else { return false }
        X509_free(cert)
        return true
    }

    /// Takes what the client sent, advances, and returns what goes back.
    func exchange(_ incoming: [UInt8]) -> [UInt8] {
        if !incoming.isEmpty { _ = incoming.withUnsafeBytes { BIO_write(rbio, $0.baseAddress, Int32($0.count)) } }
        if failed == nil && !answered {
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = SSL_read(ssl, &buf, Int32(buf.count))
                if n > 0 { request += buf[0..<Int(n)]; continue }
                let e = SSL_get_error(ssl, n)
                if e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE { failed = "server: \(e) \(errors())" }
                break
            }
            if request.count >= 4 && request.suffix(4) == [13, 10, 13, 10] {
                _ = response.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
                if sendCloseNotify { _ = SSL_shutdown(ssl) }
                answered = true
            }
        }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = BIO_read(wbio, &buf, Int32(buf.count))
            if n <= 0 { break }
            out += buf[0..<Int(n)]
        }
        return out
    }
}

/// Shuttles bytes between `client` and `server` until the client is complete,
/// the server has answered and drained, or nothing moves. `chunk` bounds each
/// delivery to the client to exercise partial records.
func converse<C: ByteStreamClient>(_ client: C, with server: TLSTestServer, chunk: Int = .max,
                                   closeAfterAnswer: Bool = true) throws(HTTPClientError) {
    var toClient: [UInt8] = []
    var closed = false
    for _ in 0..<10_000 {
        let outgoing = Array(client.bytesToSend)
        client.markSent(outgoing.count)
        toClient += server.exchange(outgoing)
        if client.isComplete { return }
        if !toClient.isEmpty {
            let n = min(chunk, toClient.count)
            try client.feed(Array(toClient[0..<n]))
            toClient.removeFirst(n)
            continue
        }
        if outgoing.isEmpty && client.bytesToSend.isEmpty {
            // Nothing moved: the server has said all it will.
            guard closeAfterAnswer, !closed else { return }
            closed = true
            try client.feedEndOfStream()
        }
    }
}
