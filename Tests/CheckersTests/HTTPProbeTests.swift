import Testing
import Checkers
import ConfigModel
import HTTPClient

private func probe(_ url: HTTPTarget, proto: String = "1.0") -> HTTPProbe {
    HTTPProbe(spec: HTTPProbeSpec(endpoint: Endpoint(address: IPAddress("127.0.0.1")!, port: 8080), tls: false,
                                  httpProtocol: proto, urls: [url]), urlIndex: 0, tls: nil)
}

private func exchange(_ url: HTTPTarget, response: String, closeAfter: Bool = true) -> (request: String, verdict: Verdict?) {
    var p = probe(url)
    let request = String(decoding: p.connected().send, as: UTF8.self)
    var out = p.received(Array(response.utf8))
    if out.verdict == nil && closeAfter { out.verdict = p.peerClosed() }
    return (request, out.verdict)
}

@Suite struct HTTPProbeBehaviour {
    let page = "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>hello checkd</html>"

    @Test func sendsKeepalivedsRequest() {
        let (req, _) = exchange(HTTPTarget(path: "/index.html", host: "127.0.0.1:8080"), response: page)
        #expect(req == "GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:8080\r\n\r\n")
        var p = probe(HTTPTarget(path: "/", host: "www.example"), proto: "1.1")
        #expect(String(decoding: p.connected().send, as: UTF8.self)
                == "GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example\r\n\r\n")
    }

    @Test func statusCodesDefaultTo2xxAndRangesApply() {
        let rows: [(String, [ClosedRange<Int>], Bool)] = [
            ("200 OK", [], true), ("204 No Content", [], true), ("301 Moved", [], false), ("404 Not Found", [], false),
            ("404 Not Found", [404...404], true), ("302 Found", [300...399, 200...200], true), ("500 Oops", [200...299], false),
        ]
        for (status, codes, up) in rows {
            let (_, v) = exchange(HTTPTarget(path: "/", host: "h", statusCodes: codes), response: "HTTP/1.0 \(status)\r\n\r\nbody")
            #expect(v?.up == up, "\(status) \(codes)")
        }
    }

    @Test func digestIsTheBodysMD5AsGenhashComputesIt() throws {
        // md5("<html>hello checkd</html>")
        let good = hexString(try BodyDigest.digest(.md5, of: Array("<html>hello checkd</html>".utf8)))
        #expect(exchange(HTTPTarget(path: "/", host: "h", digest: good), response: page).verdict == .pass(.httpOK(url: "/", detail: "MD5 digest")))
        let bad = String(repeating: "a", count: 32)
        #expect(exchange(HTTPTarget(path: "/", host: "h", digest: bad), response: page).verdict
                == .fail(.digestMismatch(expected: bad, got: good, url: "/")))
    }

    @Test func contentLengthEndsTheResponseWithoutWaitingForClose() {
        let (_, v) = exchange(HTTPTarget(path: "/", host: "h"), response: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", closeAfter: false)
        #expect(v == .pass(.httpOK(url: "/", detail: "HTTP status code")))
    }

    @Test func noAnswerAndNonHTTPFail() {
        var p = probe(HTTPTarget(path: "/", host: "h"))
        _ = p.connected()
        #expect(p.peerClosed() == .fail(.noData))
        let (_, v) = exchange(HTTPTarget(path: "/", host: "h"), response: "SSH-2.0-OpenSSH\r\n\r\n")
        #expect(v?.up == false)
    }

    @Test func regexMatchesNoMatchAndOffsets() {
        let rows: [(String, Bool, Int, Int, Bool)] = [
            ("hello", false, 0, 0, true), ("goodbye", false, 0, 0, false),
            ("goodbye", true, 0, 0, true), ("hello", true, 0, 0, false),
            ("h[a-z]+o\\s", false, 0, 0, true), ("(?i)HELLO", false, 0, 0, true),
            ("hello", false, 6, 0, true), ("hello", false, 7, 0, false), ("hello", false, 0, 6, false), ("hello", false, 0, 7, true),
        ]
        for (pattern, noMatch, lo, hi, up) in rows {
            let url = HTTPTarget(path: "/", host: "h", regex: pattern, regexNoMatch: noMatch, regexMinOffset: lo, regexMaxOffset: hi)
            #expect(exchange(url, response: page).verdict?.up == up, "\(pattern) noMatch=\(noMatch) \(lo)..<\(hi)")
        }
        let broken = HTTPTarget(path: "/", host: "h", regex: "([unclosed")
        #expect(exchange(broken, response: page).verdict?.up == false)
    }
}
