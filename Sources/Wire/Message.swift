// Every message any two programs exchange. One case per message, one payload
// struct per case; the frame header carries `type`, the payload is the
// struct in the Codec encoding. There is no `default:` in any switch over
// Message: a new case fails to compile wherever it is not handled.
import Codec

public enum Message: Hashable, Sendable {
    // supervisor <-> every daemon
    case hello(Hello)
    case helloReply(HelloReply)
    case configSlice(ConfigSlice)
    case configApplied(ConfigApplied)
    case reload(Reload)
    case shutdown(Shutdown)
    case statusRequest(StatusRequest)
    case statusReply(StatusReply)
    case peerChange(PeerChange)
    // checkd -> ipvs-applier
    case realServerVerdict(RealServerVerdict)
    case realServerFullState(RealServerFullState)
    case virtualServerState(VirtualServerState)
    // vrrpd -> checkd, ipvs-applier
    case vrrpStateChange(VRRPStateChange)
    // daemon <-> supervisor
    case runScript(RunScript)
    case scriptResult(ScriptResult)

    public var type: MessageType {
        switch self {
        case .hello: return .hello
        case .helloReply: return .helloReply
        case .configSlice: return .configSlice
        case .configApplied: return .configApplied
        case .reload: return .reload
        case .shutdown: return .shutdown
        case .statusRequest: return .statusRequest
        case .statusReply: return .statusReply
        case .peerChange: return .peerChange
        case .realServerVerdict: return .realServerVerdict
        case .realServerFullState: return .realServerFullState
        case .virtualServerState: return .virtualServerState
        case .vrrpStateChange: return .vrrpStateChange
        case .runScript: return .runScript
        case .scriptResult: return .scriptResult
        }
    }

    /// The generation a config-dependent message was made under; nil for
    /// messages that mean the same under any configuration.
    public var generation: Generation? {
        switch self {
        case .hello, .helloReply, .shutdown, .statusRequest, .peerChange: return nil
        case .configSlice(let m): return m.generation
        case .configApplied(let m): return m.generation
        case .reload(let m): return m.generation
        case .statusReply(let m): return m.generation
        case .realServerVerdict(let m): return m.generation
        case .realServerFullState(let m): return m.generation
        case .virtualServerState(let m): return m.generation
        case .vrrpStateChange(let m): return m.generation
        case .runScript(let m): return m.generation
        case .scriptResult(let m): return m.generation
        }
    }

    func encodePayload() throws(CodecError) -> [UInt8] {
        switch self {
        case .hello(let m): return try Codec.encode(m)
        case .helloReply(let m): return try Codec.encode(m)
        case .configSlice(let m): return try Codec.encode(m)
        case .configApplied(let m): return try Codec.encode(m)
        case .reload(let m): return try Codec.encode(m)
        case .shutdown(let m): return try Codec.encode(m)
        case .statusRequest(let m): return try Codec.encode(m)
        case .statusReply(let m): return try Codec.encode(m)
        case .peerChange(let m): return try Codec.encode(m)
        case .realServerVerdict(let m): return try Codec.encode(m)
        case .realServerFullState(let m): return try Codec.encode(m)
        case .virtualServerState(let m): return try Codec.encode(m)
        case .vrrpStateChange(let m): return try Codec.encode(m)
        case .runScript(let m): return try Codec.encode(m)
        case .scriptResult(let m): return try Codec.encode(m)
        }
    }

    /// Payloads are small; a frame's nesting is bounded well below the
    /// config's limit, and its size by the frame limit.
    static let limits = DecodeLimits(maxDepth: 24, maxSize: Frame.maxPayload)

    static func decodePayload(type: MessageType, _ p: [UInt8]) throws(CodecError) -> Message {
        switch type {
        case .hello: return .hello(try Codec.decode(Hello.self, from: p, limits: limits))
        case .helloReply: return .helloReply(try Codec.decode(HelloReply.self, from: p, limits: limits))
        case .configSlice: return .configSlice(try Codec.decode(ConfigSlice.self, from: p, limits: limits))
        case .configApplied: return .configApplied(try Codec.decode(ConfigApplied.self, from: p, limits: limits))
        case .reload: return .reload(try Codec.decode(Reload.self, from: p, limits: limits))
        case .shutdown: return .shutdown(try Codec.decode(Shutdown.self, from: p, limits: limits))
        case .statusRequest: return .statusRequest(try Codec.decode(StatusRequest.self, from: p, limits: limits))
        case .statusReply: return .statusReply(try Codec.decode(StatusReply.self, from: p, limits: limits))
        case .peerChange: return .peerChange(try Codec.decode(PeerChange.self, from: p, limits: limits))
        case .realServerVerdict: return .realServerVerdict(try Codec.decode(RealServerVerdict.self, from: p, limits: limits))
        case .realServerFullState: return .realServerFullState(try Codec.decode(RealServerFullState.self, from: p, limits: limits))
        case .virtualServerState: return .virtualServerState(try Codec.decode(VirtualServerState.self, from: p, limits: limits))
        case .vrrpStateChange: return .vrrpStateChange(try Codec.decode(VRRPStateChange.self, from: p, limits: limits))
        case .runScript: return .runScript(try Codec.decode(RunScript.self, from: p, limits: limits))
        case .scriptResult: return .scriptResult(try Codec.decode(ScriptResult.self, from: p, limits: limits))
        }
    }
}

/// The frame header's type field. Values are part of the protocol: never
/// renumber; retire a number rather than reuse it.
public enum MessageType: UInt16, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case hello = 1
    case helloReply = 2
    case configSlice = 3
    case configApplied = 4
    case reload = 5
    case shutdown = 6
    case statusRequest = 7
    case statusReply = 8
    case peerChange = 9
    case realServerVerdict = 16
    case realServerFullState = 17
    case virtualServerState = 18
    case vrrpStateChange = 24
    case runScript = 32
    case scriptResult = 33

    public var description: String {
        switch self {
        case .hello: return "hello"
        case .helloReply: return "hello-reply"
        case .configSlice: return "config-slice"
        case .configApplied: return "config-applied"
        case .reload: return "reload"
        case .shutdown: return "shutdown"
        case .statusRequest: return "status-request"
        case .statusReply: return "status-reply"
        case .peerChange: return "peer-change"
        case .realServerVerdict: return "real-server-verdict"
        case .realServerFullState: return "real-server-full-state"
        case .virtualServerState: return "virtual-server-state"
        case .vrrpStateChange: return "vrrp-state-change"
        case .runScript: return "run-script"
        case .scriptResult: return "script-result"
        }
    }
}
