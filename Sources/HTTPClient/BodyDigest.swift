import COpenSSL

/// The digests genhash offers (`-H`); MD5 is keepalived's and the default.
/// All come from OpenSSL's EVP interface.
public enum HashAlgorithm: String, CaseIterable, Sendable {
    case md5, sha1, sha224, sha256, sha384, sha512

    /// Accepts the lowercase names and OpenSSL's uppercase spellings (`SHA256`, `sha-256`).
    public init?(name: String) {
        let folded = String(name.lowercased().filter { $0 != "-" })
        guard let a = HashAlgorithm(rawValue: folded) else { return nil }
        self = a
    }

    /// The digest length in bytes.
    public var size: Int {
        switch self {
        case .md5: return 16
        case .sha1: return 20
        case .sha224: return 28
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }

    fileprivate var evp: OpaquePointer? {
        switch self {
        case .md5: return EVP_md5()
        case .sha1: return EVP_sha1()
        case .sha224: return EVP_sha224()
        case .sha256: return EVP_sha256()
        case .sha384: return EVP_sha384()
        case .sha512: return EVP_sha512()
        }
    }
}

/// An incremental digest over an EVP context. A class because it owns the
/// OpenSSL context and frees it once.
public final class BodyDigest {
    public let algorithm: HashAlgorithm
    private let context: OpaquePointer

    public init(_ algorithm: HashAlgorithm) throws(HTTPClientError) {
        guard let md = algorithm.evp, let ctx = EVP_MD_CTX_new() else {
            throw .digestUnavailable(algorithm.rawValue)
        }
        guard EVP_DigestInit_ex(ctx, md, nil) == 1 else {
            EVP_MD_CTX_free(ctx)
            throw .digestUnavailable(algorithm.rawValue)
        }
        self.algorithm = algorithm
        self.context = ctx
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // EVP_DigestUpdate fails only on a context that was never initialised.
        _ = EVP_DigestUpdate(context, base, bytes.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything fed so far. The context is finished by this
    /// call: feeding more afterwards starts a new digest.
    public func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        if let md = algorithm.evp { _ = EVP_DigestInit_ex(context, md, nil) }
        return Array(out.prefix(Int(length)))
    }

    /// One-shot digest of `bytes`.
    public static func digest(_ algorithm: HashAlgorithm, of bytes: [UInt8]) throws(HTTPClientError) -> [UInt8] {
        let d = try BodyDigest(algorithm)
        d.update(bytes)
        return d.finish()
    }
}

/// Lowercase hex, as keepalived prints a digest.
public func hexString<C: Collection<UInt8>>(_ bytes: C) -> String {
    var s = ""
    s.reserveCapacity(bytes.count * 2)
    for b in bytes { s += hex2(b) }
    return s
}
