// genhash: the digest of a URL's body, as keepalived's HTTP_GET/SSL_GET `digest` expects it.
//
// Peers: one HTTP or HTTPS server, named by a literal IP address on the command line.
// User: the caller. Capabilities: none, except CAP_NET_ADMIN when -m/--fwmark sets SO_MARK.
// Touches: one TCP socket, stdout, stderr. No files, no Foundation (start-up cost: see
// scripts/bench.d/genhash.sh).
//
// Flags, output and digest follow keepalived 2.2.7's genhash (reference §3.4), plus -H and
// -r from the original design. One deliberate difference: failures exit non-zero (keepalived
// exits 0 on a refused connection); man/genhash.1 lists the statuses.
import Glibc
import HTTPClient

let options: Options
do {
    options = try parseCommandLine(Array(CommandLine.arguments.dropFirst()))
} catch .version {
    writeAll(1, genhashVersion + "\n")
    exit(0)
} catch .usage(let message) {
    if let message { writeAll(2, message + "\n") }
    writeAll(2, usageText)
    exit(1)
}

do {
    try fetch(options)
    exit(0)
} catch {
    writeAll(2, "genhash: \(error.message)\n")
    exit(error.exitStatus)
}

func fetch(_ options: Options) throws(Failure) {
    // parseCommandLine has checked the address already.
    guard let address = ServerAddress(options.server) else { throw .system("bad address \(options.server)") }
    let host = options.virtualHost ?? HTTPRequest.defaultHost(address: address.text, port: options.port)
    let request = HTTPRequest(path: options.url, host: host, version: options.version)
    // keepalived reads 4095 bytes at a time; -v prints one dump per read, so it
    // reads the same way. Without -v, larger reads cost fewer system calls.
    let readSize = options.verbose ? 4095 : 256 * 1024
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 16)
    defer { readBuffer.deallocate() }

    let transcript: VerboseTranscript? = options.verbose ? VerboseTranscript() : nil
    let exchange: HTTPExchange
    do { exchange = try HTTPExchange(request: request, hash: options.hash) }
    catch { throw Failure(error, peer: address.text) }
    exchange.parser.observer = transcript

    let started = monotonicMicroseconds()
    let socket = try connect(to: address, port: options.port, fwmark: options.fwmark, timeout: options.timeout)
    let flushTranscript = {
        if let transcript, transcript.pendingByteCount > 0 { writeAll(1, transcript.takeOutput()) }
    }
    do throws(Failure) {
        if options.useTLS {
            let tls: TLSClient<HTTPExchange>
            do {
                tls = try TLSClient(wrapping: exchange, context: try TLSContext(),
                                    serverName: options.useSNI ? options.virtualHost : nil,
                                    readChunkSize: options.verbose ? 4095 : 16 * 1024)
            } catch { throw Failure(error, peer: socket.peer) }
            try drive(tls, over: socket, timeout: options.timeout, readBuffer: readBuffer, afterRead: flushTranscript)
        } else {
            try drive(exchange, over: socket, timeout: options.timeout, readBuffer: readBuffer, afterRead: flushTranscript)
        }
    } catch {
        flushTranscript()   // what -v had shown so far, then the error
        throw error
    }
    let elapsed = monotonicMicroseconds() - started
    guard let response = exchange.response, let digest = response.digest else {
        throw .http("the response from \(socket.peer) ended unexpectedly")
    }
    if let transcript {
        flushTranscript()
        transcript.finish(digest: digest, url: options.url, responseMicroseconds: elapsed)
        writeAll(1, transcript.takeOutput())
    } else {
        writeAll(1, hexString(digest) + "\n")
    }
    if !response.statusLine.isSuccess {
        writeAll(2, "genhash: warning: \(socket.peer) answered \"\(response.statusLine.text)\", not a 2xx status; "
                    + "the digest is that answer's body\n")
    }
}

func monotonicMicroseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000 + UInt64(t.tv_nsec) / 1000
}

/// write(2) until every byte is out; a closed stdout ends the program quietly.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                exit(fd == 1 ? 1 : 0)
            }
            offset += n
        }
    }
}

func writeAll(_ fd: Int32, _ text: String) {
    writeAll(fd, Array(text.utf8))
}
