import Glibc
import HTTPClient

/// One GET, as the options ask: connect, drive the client (TLS-wrapped with -S),
/// print the digest or the -v transcript, warn on a non-2xx status.
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
        transcript.finish(digest: digest, url: options.url, responseMicroseconds: elapsed, overTLS: options.useTLS)
        writeAll(1, transcript.takeOutput())
    } else {
        writeAll(1, hexString(digest) + "\n")
    }
    if !response.statusLine.isSuccess {
        writeAll(2, "genhash: warning: \(socket.peer) answered \"\(response.statusLine.text)\", not a 2xx status; "
                    + "the digest is that answer's body\n")
    }
}
