// Which probe runs for a check request. MISC_CHECK (a script) and FILE_CHECK
// (a watched file) are not socket probes and have no entry here.

import HTTPClient

public enum ProbeFactory {
    /// The socket probe for `request`, or nil for MISC_CHECK and FILE_CHECK.
    /// `sequence` numbers ICMP echoes so late replies are told apart.
    public static func make(_ request: CheckRequest, sequence: UInt16, random: inout some RandomSource,
                            tls: TLSContext?) -> (any Probe)? {
        switch request.spec.probe {
        case .tcp(let e): return TCPProbe(endpoint: e)
        case .smtp(let e, let helo): return SMTPProbe(endpoint: e, helo: helo)
        case .dns(let e, let type, let name): return DNSProbe(endpoint: e, type: type, name: name, random: &random)
        case .udp(let spec): return UDPProbe(spec: spec, random: &random)
        case .ping(let e): return PingProbe(endpoint: e, sequence: sequence)
        case .http(let spec): return HTTPProbe(spec: spec, urlIndex: request.urlIndex, tls: tls)
        case .misc, .file: return nil
        }
    }
}
