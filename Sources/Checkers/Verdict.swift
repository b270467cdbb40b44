// The one funnel every check ends in (STYLE.md §5): a probe never retries
// and never decides up/down for the real server; it says what it saw.

/// Why a single check attempt passed or failed. Logged with each transition.
public enum Reason: Hashable, Sendable, CustomStringConvertible {
    // Transport
    case connected
    case timeout
    case refused
    case unreachable
    case socketError(String)
    case peerClosed
    // HTTP / SSL
    case noData
    case tlsFailed(String)
    case malformedResponse(String)
    case statusCode(Int, url: String)
    case digestMismatch(expected: String, got: String, url: String)
    case regexFailed(url: String, noMatch: Bool)
    case httpOK(url: String, detail: String)
    // SMTP
    case smtpReply(expected: Int, got: String)
    case smtpOK
    // DNS
    case dnsReply(String)
    case dnsOK
    // UDP / PING
    case replyMismatch(String)
    case replied
    case noICMPError
    case echoReply
    // MISC
    case exited(Int32)
    case killedBySignal(Int32)
    case scriptTimedOut
    case scriptRefused(String)
    // FILE
    case fileValue(Int64)

    public var description: String {
        switch self {
        case .connected: return "connected"
        case .timeout: return "timeout"
        case .refused: return "connection refused"
        case .unreachable: return "unreachable"
        case .socketError(let e): return "socket error: \(e)"
        case .peerClosed: return "connection closed by peer"
        case .noData: return "no data received"
        case .tlsFailed(let e): return "TLS failure: \(e)"
        case .malformedResponse(let e): return "malformed response: \(e)"
        case .statusCode(let c, let url): return "HTTP status code \(c) for \(url)"
        case .digestMismatch(let e, let g, let url): return "MD5 digest mismatch for \(url): expected \(e), got \(g)"
        case .regexFailed(let url, let noMatch): return noMatch ? "regex matched for \(url) (regex_no_match)" : "regex did not match for \(url)"
        case .httpOK(let url, let detail): return "\(detail) success for \(url)"
        case .smtpReply(let e, let g): return "SMTP: expected \(e), got \"\(g)\""
        case .smtpOK: return "SMTP exchange complete"
        case .dnsReply(let e): return "DNS: \(e)"
        case .dnsOK: return "DNS answer"
        case .replyMismatch(let e): return "reply mismatch: \(e)"
        case .replied: return "reply received"
        case .noICMPError: return "no ICMP error"
        case .echoReply: return "echo reply"
        case .exited(let c): return "exited with status \(c)"
        case .killedBySignal(let s): return "killed by signal \(s)"
        case .scriptTimedOut: return "timed out"
        case .scriptRefused(let e): return "could not run: \(e)"
        case .fileValue(let v): return "track file value \(v)"
        }
    }
}

/// The outcome of one check attempt.
public struct Verdict: Hashable, Sendable, CustomStringConvertible {
    public var up: Bool
    public var reason: Reason
    /// MISC_CHECK with misc_dynamic: the weight its exit status asked for.
    public var dynamicWeight: Int64?

    public init(up: Bool, reason: Reason, dynamicWeight: Int64? = nil) {
        self.up = up
        self.reason = reason
        self.dynamicWeight = dynamicWeight
    }

    public static func pass(_ r: Reason) -> Verdict { Verdict(up: true, reason: r) }
    public static func fail(_ r: Reason) -> Verdict { Verdict(up: false, reason: r) }

    public var description: String { "\(up ? "up" : "down") (\(reason))" }
}
