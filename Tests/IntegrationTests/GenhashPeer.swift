// The web servers genhash's integration tests talk to, on loopback only: a
// small Python server (plain or TLS, IPv4 or IPv6) whose routes cover what
// keepalived's digest rules care about, and which reports every request it
// received and, independently of our code, the digests of what it served.
import Foundation
import Testing
import TestSupport

/// One Python server process, stopped by `stop()`.
final class GenhashPeer: @unchecked Sendable {
    let port: Int
    let host: String
    private let process: Spawned
    private let directory: TempDirectory
    private let script: String

    /// `tls` makes it HTTPS with a fresh self-signed certificate (made with openssl(1)).
    init(host: String = "127.0.0.1", tls: Bool = false) throws {
        directory = try TempDirectory("genhash-peer")
        script = try directory.write("peer.py", Self.source)
        var argv = ["python3", script, "--bind", host]
        if tls {
            let cert = directory.file("cert.pem"), key = directory.file("key.pem")
            try sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
                   + "-keyout \(key) -out \(cert) 2>/dev/null")
            argv += ["--tls", cert, key]
        }
        process = try Spawned(argv, outputFile: directory.file("peer.log"))
        var found: Int? = nil
        _ = process.waitForOutput(timeout: 15) { text in
            found = text.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }).flatMap { Int($0.dropFirst(5)) }
            return found != nil
        }
        guard let found else {
            process.stop()
            throw TestFailure("test web server did not start: \(process.output)")
        }
        self.port = found
        self.host = host
    }

    func stop() {
        process.stop()
        directory.remove()
    }

    /// Every request received so far, in order, as raw bytes.
    var requests: [[UInt8]] {
        process.output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("REQ ") else { return nil }
            let hex = Array(line.dropFirst(4).utf8)
            return stride(from: 0, to: hex.count - 1, by: 2).compactMap {
                UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16)
            }
        }
    }

    /// The digest, computed by Python's hashlib, of the bytes keepalived hashes
    /// for `route`: everything after the header, capped by Content-Length, raw.
    /// One Python run computes every route and algorithm for a host, then cached.
    func expectedDigest(_ route: String, algorithm: String, host: String = "h") throws -> String {
        if digestCache[host] == nil {
            var table: [String: String] = [:]
            for line in try sh("python3 \(script) --digests \(host)").split(separator: "\n") {
                let f = line.split(separator: " ")
                if f.count == 3 { table["\(f[0]) \(f[1])"] = String(f[2]) }
            }
            digestCache[host] = table
        }
        guard let digest = digestCache[host]?["\(route) \(algorithm)"] else {
            throw TestFailure("no expected digest for \(route) \(algorithm)")
        }
        return digest
    }
    private var digestCache: [String: [String: String]] = [:]

    static let source = #"""
import hashlib, os, random, signal, socket, socketserver, ssl, sys, threading, time, email.utils

LARGE = random.Random(8).randbytes(5 * 1024 * 1024 + 123)
MULTI = bytes((i * 7 + 3) % 256 for i in range(12 * 1024 + 5))
PAGE = b'<html><body>Hello keepalived probe</body></html>\n'

ROUTES = ['/index.html', '/vhost', '/sni', '/chunked', '/chunked-trickle', '/empty', '/nolength', '/capped',
          '/large', '/multi', '/missing']

def header(status, fields):
    lines = [b'HTTP/1.' + status] + [k + b': ' + v for k, v in fields]
    return b'\r\n'.join(lines) + b'\r\n\r\n'

def date():
    return email.utils.formatdate(usegmt=True).encode()

def route(path, host, sni):
    """(list of writes, the bytes keepalived hashes)."""
    if path == b'/index.html':
        return [header(b'0 200 OK', [(b'Server', b'peer'), (b'Date', date()), (b'Content-Type', b'text/html'),
                                    (b'Content-Length', str(len(PAGE)).encode())]) + PAGE], PAGE
    if path == b'/vhost':
        body = b'virtual host ' + host + b'\n'
        return [header(b'0 200 OK', [(b'Date', date()), (b'Content-Length', str(len(body)).encode())]) + body], body
    if path == b'/sni':
        body = b'sni ' + (sni or 'none').encode() + b'\n'
        return [header(b'0 200 OK', [(b'Content-Length', str(len(body)).encode())]) + body], body
    if path == b'/chunked':
        body = b'a\r\n' + PAGE[:10] + b'\r\n27\r\n' + PAGE[10:] + b'\r\n0\r\n\r\n'
        return [header(b'1 200 OK', [(b'Transfer-Encoding', b'chunked'), (b'Date', date()),
                                    (b'Content-Type', b'text/html')]) + body], body
    if path == b'/chunked-trickle':
        parts = [b'5\r\nhello\r\n', b'6\r\n world\r\n', b'0\r\n\r\n']
        return [header(b'1 200 OK', [(b'Transfer-Encoding', b'chunked')])] + parts, b''.join(parts)
    if path == b'/empty':
        return [header(b'0 200 OK', [(b'Date', date()), (b'Content-Length', b'0')])], b''
    if path == b'/nolength':
        body = b'no length here, the close ends it\n'
        return [header(b'0 200 OK', [(b'Date', date())]) + body], body
    if path == b'/capped':
        return [header(b'0 200 OK', [(b'Date', date()), (b'Content-Length', b'5')]) + b'hello world'], b'hello'
    if path == b'/large':
        return [header(b'0 200 OK', [(b'Content-Length', str(len(LARGE)).encode())]), LARGE], LARGE
    if path == b'/multi':
        return [header(b'0 200 OK', [(b'Date', date()), (b'Content-Length', str(len(MULTI)).encode())]) + MULTI], MULTI
    if path == b'/garbage':
        return [b'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'], None
    if path == b'/headless':
        return [b'HTTP/1.0 200 OK\r\nServer: peer\r\n'], None
    body = b'<html>not found</html>\n'
    return [header(b'0 404 Not Found', [(b'Date', date()), (b'Content-Length', str(len(body)).encode())]) + body], body

class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.settimeout(20)
        data = b''
        try:
            while b'\r\n\r\n' not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                data += chunk
                if data[:1] == b'\x16':
                    # A TLS ClientHello: answer as web servers do to it.
                    sock.sendall(b'HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n')
                    return
        except OSError:
            return
        sys.stdout.write('REQ ' + data.hex() + '\n'); sys.stdout.flush()
        lines = data.split(b'\r\n')
        path = lines[0].split(b' ')[1] if len(lines[0].split(b' ')) > 1 else b''
        host = b''
        for l in lines[1:]:
            if l.lower().startswith(b'host:'):
                host = l[5:].strip()
        if path == b'/silent':
            time.sleep(5)
            return
        writes, _ = route(path, host, getattr(sock, 'peer_sni', None))
        try:
            for i, w in enumerate(writes):
                if i:
                    time.sleep(0.02)
                sock.sendall(w)
        except OSError:
            pass

class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True

def main():
    # Spawned from a test-runner thread, we may inherit a mask that blocks
    # SIGTERM, and stop() would then wait out its grace period.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    args = sys.argv[1:]
    if args[0] == '--digests':
        host = args[1].encode()
        for path in ROUTES:
            hashed = route(path.encode(), host, None)[1]
            if hashed is None:
                continue
            for alg in ('md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'):
                print(path, alg, hashlib.new(alg, hashed).hexdigest())
        return
    bind = args[args.index('--bind') + 1]
    Server.address_family = socket.AF_INET6 if ':' in bind else socket.AF_INET
    server = Server((bind, 0), Handler, bind_and_activate=True)
    if '--tls' in args:
        i = args.index('--tls')
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args[i + 1], args[i + 2])
        def remember(sslsock, name, _):
            sslsock.peer_sni = name
        ctx.sni_callback = remember
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=True)
    # Leave with the test process, even when it dies without stopping us.
    parent = os.getppid()
    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()
    print('PORT %d' % server.server_address[1], flush=True)
    server.serve_forever()

main()
"""#
}
