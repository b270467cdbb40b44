// genhash against real web servers on loopback, compared with Debian's genhash
// (keepalived 2.2.7) on the same URL and with digests computed by Python's hashlib.
import Foundation
import Testing
import TestSupport

@Suite(.serialized, .enabled(if: Genhash.debianIsInstalled, "needs Debian's genhash (package keepalived)"))
final class GenhashHTTPTests {
    let peer: GenhashPeer
    init() throws { peer = try GenhashPeer() }
    deinit { peer.stop() }

    /// Every route keepalived's digest rules distinguish: Content-Length, its
    /// cap, none, zero, chunked (hashed raw), chunks arriving in several reads,
    /// a virtual host, a 404, several reads' worth, several megabytes.
    static let routes: [(route: String, extra: [String])] = [
        ("/index.html", []), ("/capped", []), ("/nolength", []), ("/empty", []),
        ("/chunked", ["-P", "1.1"]), ("/chunked-trickle", ["-P", "1.1"]), ("/vhost", ["-V", "vh.example"]),
        ("/missing", []), ("/multi", []), ("/large", []),
    ]

    @Test func md5DigestEqualsDebiansGenhashOnEveryRoute() throws {
        for (route, extra) in Self.routes {
            let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, route, extra))
            let theirs = try Genhash.run(Genhash.debian, Genhash.arguments(peer, route, extra))
            #expect(ours.status == 0, "\(route): \(ours.stderr)")
            #expect(theirs.status == 0)
            #expect(ours.stdout.count == 33, "\(route)")
            #expect(ours.stdout == theirs.stdout, "\(route)")
            // And both equal what the server says it served, hashed by Python.
            let host = extra.first == "-V" ? extra[1] : "\(peer.host):\(peer.port)"
            #expect(ours.stdout == (try peer.expectedDigest(route, algorithm: "md5", host: host)) + "\n", "\(route)")
        }
    }

    @Test(arguments: ["sha1", "sha224", "sha256", "sha384", "sha512"])
    func otherAlgorithmsEqualHashlibOfTheBytesKeepalivedHashes(algorithm: String) throws {
        for (route, extra) in Self.routes where route != "/vhost" {
            let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, route, extra + ["-H", algorithm]))
            #expect(ours.status == 0, "\(route): \(ours.stderr)")
            #expect(ours.stdout == (try peer.expectedDigest(route, algorithm: algorithm)) + "\n", "\(route) \(algorithm)")
        }
        // Long form too.
        let long = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/index.html", ["--hash=\(algorithm)"]))
        #expect(long.stdout == (try peer.expectedDigest("/index.html", algorithm: algorithm)) + "\n")
    }

    @Test func verboseOutputIsDebiansByteForByteOnceDateAndTimeAreMasked() throws {
        let cases: [(String, [String])] = [
            ("/index.html", []), ("/chunked", ["-P", "1.1"]), ("/empty", []), ("/capped", []),
            ("/missing", []), ("/multi", []), ("/nolength", ["-P", "1.0c"]), ("/vhost", ["-V", "vh.example"]),
        ]
        for (route, extra) in cases {
            let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, route, ["-v"] + extra))
            let theirs = try Genhash.run(Genhash.debian, Genhash.arguments(peer, route, ["-v"] + extra))
            #expect(ours.status == 0, "\(route): \(ours.stderr)")
            #expect(theirs.stdout.contains("Global response time for [\(route)]"))
            #expect(Genhash.masked(ours.stdout) == Genhash.masked(theirs.stdout), "\(route)")
        }
        // The masking hides only the Date value and the time: the transcript
        // of a route with a Date header still shows the rest of the header.
        let sample = Genhash.masked(try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/index.html", ["-v"])).stdout)
        #expect(sample.contains("Date: XXXXXXXXXXXXXXXXXXXXXXXXXXXXX\r\nContent-Type: text/html\r\n"))
        #expect(sample.contains("0000  48 54 54 50 2f 31 2e 30 - 20 32 30 30 20 4f 4b 0d   HTTP/1.0 200 OK."))
    }

    @Test func requestBytesEqualDebiansForEveryProtocolAndVirtualHost() throws {
        let variants: [[String]] = [[], ["-P", "1.0c"], ["-P", "1.0C"], ["-P", "1.1"], ["-V", "vh.example"],
                                    ["-V", "vh.example", "-P", "1.1"]]
        for extra in variants {
            let before = peer.requests.count
            _ = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/index.html", extra))
            _ = try Genhash.run(Genhash.debian, Genhash.arguments(peer, "/index.html", extra))
            let requests = peer.requests
            try #require(requests.count == before + 2, "\(extra)")
            #expect(requests[before] == requests[before + 1], "\(extra)")
        }
    }

    @Test func nonSuccessStatusPrintsTheDigestAndWarnsWithTheStatusLine() throws {
        let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/missing"))
        let theirs = try Genhash.run(Genhash.debian, Genhash.arguments(peer, "/missing"))
        #expect(ours.status == 0)
        #expect(ours.stdout == theirs.stdout)
        #expect(ours.stderr.contains("HTTP/1.0 404 Not Found"))
        #expect(theirs.stderr.isEmpty)
    }

    @Test func answersThatAreNotHTTPFailWithExitStatus4() throws {
        for route in ["/garbage", "/headless"] {
            let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, route))
            #expect(ours.status == 4, "\(route)")
            #expect(ours.stdout.isEmpty)
            #expect(ours.stderr.hasPrefix("genhash: "))
        }
        let garbage = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/garbage"))
        #expect(garbage.stderr.contains("SSH-2.0-OpenSSH_9.2p1"))
        // keepalived: a message, and exit 0.
        let theirs = try Genhash.run(Genhash.debian, Genhash.arguments(peer, "/garbage"))
        #expect(theirs.status == 0)
        #expect(theirs.stderr.contains("no data received from remote webserver"))
    }

    @Test func silentServerHitsTheTimeoutWithExitStatus2() throws {
        let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/silent", ["-t", "1"]))
        #expect(ours.status == 2)
        #expect(ours.stderr.contains("timed out after 1 s waiting for the response"))
        let long = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/silent", ["--timeout", "1"]))
        #expect(long.status == 2)
    }

    @Test func plainServerAnsweringATLSClientIsATLSFailure() throws {
        let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/index.html", ["-S", "-t", "5"]))
        #expect(ours.status == 3)
        #expect(ours.stderr.contains("TLS"))
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: SO_MARK needs CAP_NET_ADMIN"))
    func fwmarkWorksWithCapNetAdminAndSaysWhatIsMissingWithout() throws {
        let marked = try Genhash.run(Genhash.ours, Genhash.arguments(peer, "/index.html", ["-m", "7"]))
        #expect(marked.status == 0)
        #expect(marked.stdout == (try peer.expectedDigest("/index.html", algorithm: "md5")) + "\n")
        // As nobody, with no capabilities.
        let unprivileged = try TestSupport.run(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                                "--inh-caps=-all", Genhash.ours]
                                               + Genhash.arguments(peer, "/index.html", ["--fwmark", "7"]))
        #expect(unprivileged.status == 5)
        #expect(unprivileged.stderr.contains("CAP_NET_ADMIN"))
    }
}

@Suite(.serialized, .enabled(if: Genhash.debianIsInstalled, "needs Debian's genhash (package keepalived)"))
final class GenhashIPv6Tests {
    let peer: GenhashPeer
    init() throws { peer = try GenhashPeer(host: "::1") }
    deinit { peer.stop() }

    @Test func ipv6ServerGivesDebiansDigestAndBracketedHost() throws {
        for route in ["/index.html", "/chunked", "/vhost"] {
            let ours = try Genhash.run(Genhash.ours, Genhash.arguments(peer, route))
            let theirs = try Genhash.run(Genhash.debian, Genhash.arguments(peer, route))
            #expect(ours.status == 0, "\(ours.stderr)")
            #expect(ours.stdout == theirs.stdout, "\(route)")
        }
        let requests = peer.requests
        let last = try #require(requests.last)
        #expect(String(decoding: last, as: UTF8.self).contains("Host: [::1]:\(peer.port)\r\n"))
        #expect(requests[requests.count - 2] == last)
        // A non-canonical spelling of the address is sent canonical, as keepalived does.
        _ = try Genhash.run(Genhash.ours, ["-s", "0:0::1", "-p", String(peer.port), "-u", "/vhost"])
        #expect(peer.requests.last == last)
    }
}
