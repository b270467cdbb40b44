// TCP_CHECK: connect only (reference §5.5); the connect timeout and the
// refusal are the transport's, so the probe has nothing else to decide.

/// TCP_CHECK: the server is up when a connection is accepted.
public struct TCPProbe: Probe {
    public let endpoint: Endpoint
    public init(endpoint: Endpoint) { self.endpoint = endpoint }
    public var transport: ProbeTransport { .stream(endpoint) }
    public mutating func connected() -> ProbeOutput { .done(.pass(.connected)) }
    public mutating func received(_ bytes: [UInt8]) -> ProbeOutput { .done(.pass(.connected)) }
    public mutating func peerClosed() -> Verdict { .pass(.connected) }
}
