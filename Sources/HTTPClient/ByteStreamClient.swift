/// The one interface a driver sees: a client protocol engine with no I/O of
/// its own. The driver (genhash's blocking loop, checkd's reactor) repeats:
///
///     while !client.isComplete {
///         if !client.bytesToSend.isEmpty { n = send(client.bytesToSend); client.markSent(n) }
///         else { n = recv(buffer); n == 0 ? try client.feedEndOfStream() : try client.feed(buffer[..<n]) }
///     }
///
/// `HTTPExchange` speaks HTTP over it; `TLSClient` wraps any `ByteStreamClient`
/// and is one itself, so HTTPS is `TLSClient(wrapping: HTTPExchange(...))`.
public protocol ByteStreamClient: AnyObject {
    /// Bytes waiting to be written to the peer, oldest first; empty when none.
    var bytesToSend: ArraySlice<UInt8> { get }
    /// The driver wrote the first `count` bytes of `bytesToSend`.
    func markSent(_ count: Int)
    /// Bytes read from the peer. Throws when the exchange cannot succeed any more.
    func feed(_ bytes: UnsafeRawBufferPointer) throws(HTTPClientError)
    /// The peer closed its side (read returned 0).
    func feedEndOfStream() throws(HTTPClientError)
    /// True once the exchange has all it needs; the driver stops reading and closes.
    var isComplete: Bool { get }
}

extension ByteStreamClient {
    public func feed(_ bytes: [UInt8]) throws(HTTPClientError) {
        // withUnsafeBytes rethrows untyped; carry the typed error out by hand.
        let failure: HTTPClientError? = bytes.withUnsafeBytes { b in
            do throws(HTTPClientError) { try feed(b); return nil } catch { return error }
        }
        if let failure { throw failure }
    }
}
