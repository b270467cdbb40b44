// genhash -S against HTTPS servers on loopback with self-signed certificates:
// Python's ssl module and openssl s_server -WWW, compared with Debian's genhash.
import Foundation
import Testing
import TestSupport

@Suite(.serialized, .enabled(if: Genhash.debianIsInstalled, "needs Debian's genhash (package keepalived)"))
final class GenhashTLSTests {
    let peer: GenhashPeer
    init() throws { peer = try GenhashPeer(tls: true) }
    deinit { peer.stop() }

    @Test func httpsDigestEqualsDebiansGenhashAndHashlib() throws {
        for (route, extra) in [("/index.html", [String]()), ("/chunked", ["-P", "1.1"]), ("/capped", []),
                               ("/empty", []), ("/multi", []), ("/large", [])] {
            let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, route, ["-S"] + extra))
            let theirs = try Genhash.run(Genhash.debian, Genhash.arguments(peer, route, ["-S"] + extra))
            #expect(ours.status == 0, "\(route): \(ours.stderr)")
            #expect(ours.stdout == theirs.stdout, "\(route)")
            #expect(ours.stdout == (try peer.expectedDigest(route, algorithm: "md5")) + "\n", "\(route)")
        }
        let sha = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/multi", ["--use-ssl", "-H", "sha256"]))
        #expect(sha.stdout == (try peer.expectedDigest("/multi", algorithm: "sha256")) + "\n")
    }

    @Test func httpsVerboseOutputIsDebiansOnceDateAndTimeAreMasked() throws {
        for route in ["/index.html", "/multi", "/chunked"] {
            let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, route, ["-S", "-v"]))
            let theirs = try Genhash.run(Genhash.debian, Genhash.arguments(peer, route, ["-S", "-v"]))
            #expect(ours.status == 0, "\(ours.stderr)")
            #expect(Genhash.masked(ours.stdout) == Genhash.masked(theirs.stdout), "\(route)")
        }
    }

    @Test func sniIsSentOnlyWithUseSniAndAVirtualHost() throws {
        let cases: [([String], String)] = [
            ([], "sni none\n"), (["-I"], "sni none\n"), (["-V", "vh.example"], "sni none\n"),
            (["-I", "-V", "vh.example"], "sni vh.example\n"), (["--use-sni", "--use-virtualhost=vh.example"], "sni vh.example\n"),
        ]
        for (extra, body) in cases {
            let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/sni", ["-S"] + extra))
            let theirs = try Genhash.run(Genhash.debian, Genhash.arguments(peer, "/sni", ["-S"] + extra))
            let expected = try sh("printf '\(body.replacingOccurrences(of: "\n", with: "\\n"))' | md5sum | cut -d' ' -f1")
            #expect(ours.stdout == expected, "\(extra)")
            #expect(ours.stdout == theirs.stdout, "\(extra)")
        }
    }

    @Test func plainRequestToATLSServerIsNotHTTP() throws {
        let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/index.html", ["-t", "5"]))
        #expect(ours.status != 0)
        #expect(ours.stderr.hasPrefix("genhash: "))
    }
}

/// An independent TLS stack: OpenSSL's own test server serving files (-WWW).
@Suite(.serialized, .enabled(if: Genhash.debianIsInstalled, "needs Debian's genhash (package keepalived)"))
final class GenhashOpenSSLServerTests {
    let directory: TempDirectory
    let server: Spawned
    let port: Int

    init() throws {
        directory = try TempDirectory("genhash-sserver")
        try sh("cd \(directory.path) && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
               + "-keyout key.pem -out cert.pem 2>/dev/null")
        try directory.write("www/index.html", "<html><body>served by s_server</body></html>\n")
        try sh("head -c 3000000 /dev/urandom > \(directory.file("www/big.bin"))")
        // A free port: bind to 0, read it, release it, and let s_server take it.
        port = try Int(sh("python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])'")
            .trimmingCharacters(in: .whitespacesAndNewlines))!
        server = try Spawned(["/bin/sh", "-c", "cd \(directory.path)/www && exec openssl s_server -quiet -WWW "
                              + "-accept 127.0.0.1:\(port) -cert ../cert.pem -key ../key.pem"],
                             outputFile: directory.file("s_server.log"))
        _ = waitUntil(timeout: 10) {
            (try? sh("ss -ltn 'sport = :\(port)' | grep -q LISTEN")) != nil
        }
    }

    deinit {
        // s_server may have inherited a mask blocking SIGTERM from the test thread.
        server.signal(SIGKILL)
        server.stop()
        directory.remove()
    }

    @Test func digestsEqualDebiansAndMd5sumOfTheFile() throws {
        for file in ["index.html", "big.bin"] {
            let args = ["-S", "-s", "127.0.0.1", "-p", String(port), "-u", "/\(file)"]
            let ours = try Genhash.run(Genhash.ours, args)
            let theirs = try Genhash.run(Genhash.debian, args)
            #expect(ours.status == 0, "\(ours.stderr)")
            #expect(ours.stdout == theirs.stdout, "\(file)")
            let md5 = try sh("md5sum \(directory.file("www/\(file)")) | cut -d' ' -f1")
            #expect(ours.stdout == md5, "\(file)")
        }
    }
}
