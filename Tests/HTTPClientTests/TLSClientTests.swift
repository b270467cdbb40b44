import COpenSSL
import Foundation
import HTTPClient
import Testing

@Suite struct TLSClientTests {
    static let body = "<html><body>Hello keepalived probe</body></html>\n"
    static let response = Array("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n\(body)".utf8)

    private func exchange(sni: String? = nil, context: TLSContext? = nil, chunk: Int = .max,
                          server: TLSTestServer) throws -> (TLSClient<HTTPExchange>, HTTPExchange) {
        let http = try HTTPExchange(request: HTTPRequest(path: "/index.html", host: sni ?? "127.0.0.1:443"))
        let tls = try TLSClient(wrapping: http, context: context ?? TLSContext(), serverName: sni)
        try converse(tls, with: server, chunk: chunk)
        return (tls, http)
    }

    @Test func httpsExchangeDigestsTheBodyAndSendsKeepalivedsRequest() throws {
        let cert = try TestCertificate(commonName: "localhost")
        let server = try TLSTestServer(certificate: cert, response: Self.response)
        let (tls, http) = try exchange(server: server)
        #expect(tls.isComplete)
        #expect(tls.isHandshakeComplete)
        #expect(server.request == http.request.bytes)
        #expect(http.response?.digestHex == "70cead4a8aedb5de6e783ad655c01918")
        #expect(server.serverName == nil)
    }

    @Test func recordsDeliveredAByteAtATimeGiveTheSameResult() throws {
        let cert = try TestCertificate(commonName: "localhost")
        let server = try TLSTestServer(certificate: cert, response: Self.response)
        let (_, http) = try exchange(chunk: 1, server: server)
        #expect(http.response?.digestHex == "70cead4a8aedb5de6e783ad655c01918")
    }

    @Test func serverClosingWithoutCloseNotifyEndsTheResponse() throws {
        // keepalived's quiet shutdown: whatever arrived is the body.
        let cert = try TestCertificate(commonName: "localhost")
        let server = try TLSTestServer(certificate: cert, response: Self.response, sendCloseNotify: false)
        let (tls, http) = try exchange(server: server)
        #expect(tls.isComplete)
        #expect(http.response?.digestHex == "70cead4a8aedb5de6e783ad655c01918")
    }

    @Test func sniCarriesTheVirtualHost() throws {
        let cert = try TestCertificate(commonName: "vh.example")
        let server = try TLSTestServer(certificate: cert, response: Self.response)
        _ = try exchange(sni: "vh.example", server: server)
        #expect(server.serverName == "vh.example")
    }

    @Test func clientCertificateWithAPasswordProtectedKeyIsPresented() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = try TestCertificate(commonName: "checker")
        try client.writeCertificate(to: dir.appendingPathComponent("c.pem").path)
        try client.writeKey(to: dir.appendingPathComponent("k.pem").path, password: "s3cret")

        let context = try TLSContext(TLSConfiguration(certificateFile: dir.appendingPathComponent("c.pem").path,
                                                      keyFile: dir.appendingPathComponent("k.pem").path,
                                                      password: "s3cret"))
        let server = try TLSTestServer(certificate: try TestCertificate(commonName: "localhost"),
                                       response: Self.response, requireClientCertificate: true)
        let (_, http) = try exchange(context: context, server: server)
        #expect(server.clientPresentedCertificate)
        #expect(http.response?.digestHex == "70cead4a8aedb5de6e783ad655c01918")

        // The wrong password is a configuration error, said as such.
        #expect(throws: HTTPClientError.self) {
            try TLSContext(TLSConfiguration(certificateFile: dir.appendingPathComponent("c.pem").path,
                                            keyFile: dir.appendingPathComponent("k.pem").path, password: "wrong"))
        }
        #expect(throws: HTTPClientError.self) {
            try TLSContext(TLSConfiguration(certificateFile: dir.appendingPathComponent("missing.pem").path))
        }
    }

    @Test func serverCertificateIsNotVerifiedByDefaultButCanBe() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try TestCertificate(commonName: "Test CA", isCA: true)
        let other = try TestCertificate(commonName: "Other CA", isCA: true)
        try ca.writeCertificate(to: dir.appendingPathComponent("ca.pem").path)
        try other.writeCertificate(to: dir.appendingPathComponent("other.pem").path)
        let leaf = try TestCertificate(commonName: "localhost", signedBy: ca)

        // keepalived: CA file loaded, not enforced.
        let loose = try TLSContext(TLSConfiguration(caFile: dir.appendingPathComponent("other.pem").path))
        let (_, http) = try exchange(context: loose,
                                     server: try TLSTestServer(certificate: leaf, response: Self.response))
        #expect(http.response != nil)

        let strict = try TLSContext(TLSConfiguration(caFile: dir.appendingPathComponent("ca.pem").path, verifyPeer: true))
        let (_, ok) = try exchange(context: strict, server: try TLSTestServer(certificate: leaf, response: Self.response))
        #expect(ok.response != nil)

        let wrong = try TLSContext(TLSConfiguration(caFile: dir.appendingPathComponent("other.pem").path, verifyPeer: true))
        do {
            _ = try exchange(context: wrong, server: try TLSTestServer(certificate: leaf, response: Self.response))
            Issue.record("expected the verification to fail")
        } catch let error as HTTPClientError {
            #expect("\(error)".contains("certificate verify failed"), "\(error)")
        }
    }

    @Test func plainHTTPAnswerToAClientHelloIsATLSFailure() throws {
        let http = try HTTPExchange(request: HTTPRequest(path: "/", host: "h"))
        let tls = try TLSClient(wrapping: http, context: TLSContext())
        #expect(!tls.bytesToSend.isEmpty)   // the ClientHello
        tls.markSent(tls.bytesToSend.count)
        do {
            try tls.feed(Array("HTTP/1.0 400 Bad Request\r\n\r\n".utf8))
            Issue.record("expected a TLS failure")
        } catch {
            guard case .tls(let detail) = error else { Issue.record("got \(error)"); return }
            #expect(detail.contains("handshake failed"))
        }
        #expect(!tls.isComplete)
    }

    @Test func endOfStreamDuringTheHandshakeIsATLSFailure() throws {
        let http = try HTTPExchange(request: HTTPRequest(path: "/", host: "h"))
        let tls = try TLSClient(wrapping: http, context: TLSContext())
        tls.markSent(tls.bytesToSend.count)
        #expect(throws: HTTPClientError.tls("the server closed the connection during the TLS handshake")) {
            try tls.feedEndOfStream()
        }
    }

    @Test func nonHTTPPlaintextInsideTLSIsReportedByTheInnerClient() throws {
        let server = try TLSTestServer(certificate: try TestCertificate(commonName: "localhost"),
                                       response: Array("* OK IMAP4rev1 ready\r\n\r\n".utf8))
        #expect(throws: HTTPClientError.notHTTP(firstLine: "* OK IMAP4rev1 ready")) {
            _ = try exchange(server: server)
        }
    }
}
