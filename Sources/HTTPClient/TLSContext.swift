import COpenSSL

/// What keepalived.conf's `SSL { }` block can say (reference §2.4 `SSL`):
/// a client certificate chain, its key and the key's passphrase, and a CA file.
public struct TLSConfiguration: Sendable, Equatable {
    /// PEM client certificate chain (`certificate`).
    public var certificateFile: String?
    /// PEM private key (`key`); defaults to the certificate file when only that is set.
    public var keyFile: String?
    /// Passphrase of the key (`password`).
    public var password: String?
    /// CA file (`ca`). keepalived loads it but never verifies the server with
    /// it; so do we unless `verifyPeer` is set.
    public var caFile: String?
    /// Verify the server's certificate against `caFile` (or the system store).
    /// keepalived never does; off by default.
    public var verifyPeer: Bool

    public init(certificateFile: String? = nil, keyFile: String? = nil, password: String? = nil,
                caFile: String? = nil, verifyPeer: Bool = false) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.password = password
        self.caFile = caFile
        self.verifyPeer = verifyPeer
    }
}

/// An OpenSSL client context (`SSL_CTX` over `TLS_method`), built once and
/// shared by every connection that uses the same `SSL` block.
public final class TLSContext {
    let context: OpaquePointer
    /// The passphrase as a C string, read by the password callback.
    private let passwordStorage: UnsafeMutablePointer<CChar>?

    public init(_ configuration: TLSConfiguration = TLSConfiguration()) throws(HTTPClientError) {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_method()) else {
            throw .tlsConfiguration("SSL_CTX_new failed: \(openSSLErrorText())")
        }
        context = ctx
        passwordStorage = configuration.password.map { password in
            let utf8 = Array(password.utf8CString)
            let storage = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
            storage.initialize(from: utf8, count: utf8.count)
            return storage
        }
        // keepalived's SSL_GET: no compression, quiet shutdown; a server that
        // closes without close_notify ends the response rather than failing it.
        _ = SSL_CTX_set_options(ctx, tlsOptionIgnoreUnexpectedEOF | tlsOptionNoCompression)
        SSL_CTX_set_quiet_shutdown(ctx, 1)

        if let passwordStorage {
            SSL_CTX_set_default_passwd_cb_userdata(ctx, passwordStorage)
            SSL_CTX_set_default_passwd_cb(ctx, { buffer, size, _, userdata in
                guard let buffer, let userdata, size > 0 else { return 0 }
                let password = userdata.assumingMemoryBound(to: CChar.self)
                var length = 0
                while password[length] != 0 && length < Int(size) - 1 {
                    buffer[length] = password[length]
                    length += 1
                }
                buffer[length] = 0
                return Int32(length)
            })
        }
        if let cert = configuration.certificateFile {
            guard SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 else {
                throw .tlsConfiguration("cannot load certificate \(cert): \(openSSLErrorText())")
            }
        }
        if let key = configuration.keyFile ?? configuration.certificateFile {
            guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
                throw .tlsConfiguration("cannot load key \(key): \(openSSLErrorText())")
            }
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw .tlsConfiguration("key \(key) does not match the certificate: \(openSSLErrorText())")
            }
        }
        if let ca = configuration.caFile {
            guard SSL_CTX_load_verify_locations(ctx, ca, nil) == 1 else {
                throw .tlsConfiguration("cannot load CA file \(ca): \(openSSLErrorText())")
            }
        } else if configuration.verifyPeer {
            _ = SSL_CTX_set_default_verify_paths(ctx)
        }
        SSL_CTX_set_verify(ctx, configuration.verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
    }

    deinit {
        SSL_CTX_free(context)
        if let passwordStorage {
            var i = 0
            while passwordStorage[i] != 0 { passwordStorage[i] = 0; i += 1 }
            passwordStorage.deallocate()
        }
    }
}

// ssl.h defines these through SSL_OP_BIT(n), a macro Swift cannot import.
let tlsOptionIgnoreUnexpectedEOF: UInt64 = 1 << 7   // SSL_OP_IGNORE_UNEXPECTED_EOF
let tlsOptionNoCompression: UInt64 = 1 << 17        // SSL_OP_NO_COMPRESSION

/// Empties this thread's OpenSSL error queue into one readable line.
func openSSLErrorText() -> String {
    var parts: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        if let reason = ERR_reason_error_string(code) {
            parts.append(String(cString: reason))
        } else {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            parts.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) },
                                as: UTF8.self))
        }
    }
    return parts.isEmpty ? "no detail from OpenSSL" : parts.joined(separator: "; ")
}
