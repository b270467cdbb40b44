// HTTP_GET and SSL_GET end to end: python's http.server and openssl s_server
// (self-signed and CA-signed, with SNI), digests cross-checked with genhash
// (ours and Debian's).
import Foundation
import Testing
import TestSupport
import Wire

/// An HTTP_GET (or SSL_GET) block with one url per (path, digest), short timings.
func httpCheck(_ paths: [(String, String?)], ssl: Bool = false, _ extra: String = "") -> String {
    let urls = paths.map { p in
        "      url {\n        path \(p.0)\n" + (p.1.map { "        digest \($0)\n" } ?? "") + "      }\n"
    }.joined()
    return "\(ssl ? "SSL_GET" : "HTTP_GET") {\n\(urls)      connect_timeout 1\n      retry 0\n      warmup 0\n\(extra)\n    }"
}

/// An `openssl s_server -WWW` serving `dir`, with certificates made for the test.
final class TLSServer {
    let process: Spawned
    let port: UInt16
    init(dir: TempDirectory, cert: String, key: String, extra: [String] = []) throws {
        port = TLSServer.freePort()
        process = try Spawned(["/usr/bin/openssl", "s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-WWW"] + extra,
                              environment: ["PATH": "/usr/bin:/bin"], outputFile: dir.file("s_server-\(port).log"), directory: dir.path)
        let p = port
        _ = waitUntil(timeout: 10) { TLSServer.accepts(p) }
    }
    static func freePort() -> UInt16 {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var a = sockaddr_in(); a.sin_family = sa_family_t(AF_INET); a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) } }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        close(s)
        return UInt16(bigEndian: a.sin_port)
    }
    static func accepts(_ port: UInt16) -> Bool {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(s) }
        var a = sockaddr_in(); a.sin_family = sa_family_t(AF_INET); a.sin_addr.s_addr = inet_addr("127.0.0.1"); a.sin_port = port.bigEndian
        return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }
    func stop() { process.signal(SIGKILL); process.process.waitUntilExit() }
}

extension Spawned {
    convenience init(_ argv: [String], environment: [String: String]?, outputFile: String, directory: String) throws {
        // s_server -WWW serves files relative to its working directory.
        try self.init(["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + argv, environment: environment, outputFile: outputFile)
    }
}

@Suite(.serialized) struct HTTPAcceptance {
    @Test func httpGetDigestEqualsGenhashAndMismatchesAndStatusCodesAreDetected() throws {
        let dir = try TempDirectory("ka-www")
        defer { dir.remove() }
        try dir.write("index.html", String(repeating: "<p>checkd</p>\n", count: 300))
        let web = try Peer("http", ["--dir", dir.path])
        defer { web.stop() }
        let debian = try run(["/usr/bin/genhash", "-s", "127.0.0.1", "-p", "\(web.port)", "-u", "/index.html"])
        let ours = try run([TestEnvironment.binary("genhash"), "-s", "127.0.0.1", "-p", "\(web.port)", "-u", "/index.html"])
        let digest = debian.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digest.count == 32, "Debian genhash: \(debian.stdout)\(debian.stderr)")
        #expect(ours.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == digest, "our genhash: \(ours.stdout)\(ours.stderr)")
        let wrong = String(repeating: "0", count: 32)
        let run = try CheckdRun(conf: Conf.global() + Conf.vs("""
            \(Conf.rs(web.port, httpCheck([("/index.html", digest)])))
            \(Conf.rs("127.0.0.2", web.port, httpCheck([("/index.html", wrong)], "      connect_ip 127.0.0.1")))
            \(Conf.rs("127.0.0.3", web.port, httpCheck([("/missing", nil)], "      connect_ip 127.0.0.1")))
            """))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) {
            run.applier.lastState(port: web.port, address: "127.0.0.2") == false && run.applier.lastState(port: web.port, address: "127.0.0.3") == false
        }, "\(run.log)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(run.applier.lastState(port: web.port, address: "127.0.0.1") == true, "\(run.log)")
        // The mismatch is logged with both digests: checkd computed genhash's.
        #expect(run.log.contains("MD5 digest mismatch for /index.html: expected \(wrong), got \(digest)"), "\(run.log)")
        #expect(run.log.contains("HTTP status code 404 for /missing"), "\(run.log)")
    }

    @Test func sslGetAgainstOpensslServersSelfSignedAndCASignedWithSNI() throws {
        let dir = try TempDirectory("ka-tls")
        defer { dir.remove() }
        try dir.write("index.html", "secure checkd page\n")
        let sh = { (c: String) throws in try TestSupport.sh("cd \(dir.path) && \(c)") }
        // Self-signed.
        try sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.crt -subj /CN=self.test -days 2 2>/dev/null")
        // A CA and a server certificate it signs, for sni.test.
        try sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -subj /CN=checkd-test-ca -days 2 2>/dev/null")
        try sh("openssl req -newkey rsa:2048 -nodes -keyout sni.key -out sni.csr -subj /CN=sni.test 2>/dev/null")
        try sh("openssl x509 -req -in sni.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out sni.crt -days 2 2>/dev/null")
        let selfSigned = try TLSServer(dir: dir, cert: dir.file("self.crt"), key: dir.file("self.key"))
        defer { selfSigned.stop() }
        // Only a client that names sni.test completes the handshake.
        let named = try TLSServer(dir: dir, cert: dir.file("self.crt"), key: dir.file("self.key"),
                                  extra: ["-servername", "sni.test", "-cert2", dir.file("sni.crt"), "-key2", dir.file("sni.key"), "-servername_fatal"])
        defer { named.stop() }
        let genhashOut = try run(["/usr/bin/genhash", "-S", "-s", "127.0.0.1", "-p", "\(selfSigned.port)", "-u", "/index.html"])
        let digest = genhashOut.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let run = try CheckdRun(conf: Conf.global() + "SSL {\n  ca \(dir.file("ca.crt"))\n}\n" + Conf.vs(port: 443, """
            \(Conf.rs(selfSigned.port, httpCheck([("/index.html", digest.count == 32 ? digest : nil)], ssl: true)))
            \(Conf.rs(named.port, httpCheck([("/index.html", nil)], ssl: true, "      enable_sni\n      virtualhost sni.test")))
            \(Conf.rs("127.0.0.2", named.port, httpCheck([("/index.html", nil)], ssl: true,
                                                       "      enable_sni\n      virtualhost other.test\n      connect_ip 127.0.0.1")))
            """))
        defer { run.stop(); run.cleanup() }
        #expect(run.applier.waitFor(timeout: 10) { run.applier.lastState(port: named.port, address: "127.0.0.2") == false }, "\(run.log)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(run.applier.lastState(port: selfSigned.port, address: "127.0.0.1") == true, "\(run.log)")
        #expect(run.applier.lastState(port: named.port, address: "127.0.0.1") == true, "\(run.log)")
    }
}
