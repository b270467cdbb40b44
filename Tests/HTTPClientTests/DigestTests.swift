import HTTPClient
import Testing

@Suite struct DigestTests {
    // Known answers: RFC 1321 / FIPS 180 test vectors for "abc".
    static let abc: [(HashAlgorithm, String)] = [
        (.md5, "900150983cd24fb0d6963f7d28e17f72"),
        (.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (.sha224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"),
        (.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (.sha384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
        (.sha512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    ]

    @Test func everyAlgorithmGivesTheKnownAnswer() throws {
        for (algorithm, expected) in Self.abc {
            let digest = try BodyDigest.digest(algorithm, of: Array("abc".utf8))
            #expect(hexString(digest) == expected, "\(algorithm)")
            #expect(digest.count == algorithm.size)
        }
    }

    @Test func corpusBodyDigestIsKeepalivedsMD5() throws {
        // genhash-sample.txt: "hello keepalived genhash test\n" -> dac8b0f8...
        let d = try BodyDigest.digest(.md5, of: Array("hello keepalived genhash test\n".utf8))
        #expect(hexString(d) == "dac8b0f8d529a19541e3fb4e8a364a81")
    }

    @Test func incrementalEqualsOneShot() throws {
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for algorithm in HashAlgorithm.allCases {
            let d = try BodyDigest(algorithm)
            for chunk in stride(from: 0, to: bytes.count, by: 4093) {
                d.update(Array(bytes[chunk..<min(bytes.count, chunk + 4093)]))
            }
            #expect(d.finish() == (try BodyDigest.digest(algorithm, of: bytes)), "\(algorithm)")
        }
    }

    @Test func algorithmNamesAreReadLikeOpenSSLs() {
        #expect(HashAlgorithm(name: "md5") == .md5)
        #expect(HashAlgorithm(name: "SHA256") == .sha256)
        #expect(HashAlgorithm(name: "sha-512") == .sha512)
        #expect(HashAlgorithm(name: "crc32") == nil)
        #expect(HashAlgorithm(name: "") == nil)
    }
}
