// A probe is one check attempt as a state machine with no I/O of its own:
// the executable opens the transport, feeds the probe what happens (connected,
// bytes received, end of stream, timeout, error) and sends what it returns.
// Every path ends in one Verdict.

/// What the executable opens for a probe.
public enum ProbeTransport: Hashable, Sendable {
    /// A TCP connection (TLS, when used, is inside the probe's byte stream).
    case stream(Endpoint)
    /// A connected UDP socket (ICMP errors arrive as refused / unreachable).
    case datagram(Endpoint)
    /// An unprivileged ICMP (or ICMPv6) datagram socket.
    case icmpEcho(Endpoint)
}

/// What to do after an event: bytes to send, and the verdict when the
/// attempt is over (the executable then closes the transport).
public struct ProbeOutput: Hashable, Sendable {
    public var send: [UInt8]
    public var verdict: Verdict?

    public init(send: [UInt8] = [], verdict: Verdict? = nil) {
        self.send = send
        self.verdict = verdict
    }

    public static let wait = ProbeOutput()
    public static func done(_ v: Verdict, send: [UInt8] = []) -> ProbeOutput { ProbeOutput(send: send, verdict: v) }
}

/// Why a transport failed, as the I/O layer saw it.
public enum TransportFailure: Error, Hashable, Sendable {
    case refused
    case unreachable
    case error(String)

    public var reason: Reason {
        switch self {
        case .refused: return .refused
        case .unreachable: return .unreachable
        case .error(let e): return .socketError(e)
        }
    }
}

public protocol Probe {
    var transport: ProbeTransport { get }
    /// The transport is open (TCP connected; datagram socket connected).
    mutating func connected() -> ProbeOutput
    /// Bytes (a stream segment or one datagram) arrived.
    mutating func received(_ bytes: [UInt8]) -> ProbeOutput
    /// The peer closed the stream.
    mutating func peerClosed() -> Verdict
    /// connect_timeout passed with no progress.
    mutating func timedOut() -> Verdict
    /// The transport failed.
    mutating func failed(_ f: TransportFailure) -> Verdict
}

extension Probe {
    public mutating func timedOut() -> Verdict { .fail(.timeout) }
    public mutating func failed(_ f: TransportFailure) -> Verdict { .fail(f.reason) }
}
