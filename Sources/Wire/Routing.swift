// What each daemon may say to the supervisor, and where the supervisor
// relays what one daemon says for another. A daemon is known by the
// descriptor it speaks on; this table is the only authority on what it may
// send (STYLE.md §2: admit, or refuse with a reason).


public enum Admitted: Sendable, Equatable {
    case helloReply(HelloReply)
    case configApplied(ConfigApplied)
    case statusReply(StatusReply)
    case runScript(RunScript)
    /// For other daemons: deliver to each of these that runs.
    case relay(Message, to: [ProgramName])
}

public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
    public var program: ProgramName
    public var message: MessageType
    public var reason: String
    public var description: String { "\(message) from \(program) refused: \(reason)" }
}

public enum Routing {
    public static func admit(_ m: Message, from p: ProgramName) throws(Refusal) -> Admitted {
        func refuse(_ why: String) -> Refusal { Refusal(program: p, message: m.type, reason: why) }
        switch m {
        case .helloReply(let r): return .helloReply(r)
        case .configApplied(let a): return .configApplied(a)
        case .statusReply(let r):
            guard r.program == p else { throw refuse("claims to come from \(r.program)") }
            return .statusReply(r)
        case .runScript(let r): return .runScript(r)
        case .vrrpStateChange:
            guard p == .vrrpd else { throw refuse("only vrrpd reports VRRP states") }
            return .relay(m, to: [.checkd, .ipvsApplier])
        case .realServerVerdict, .realServerFullState, .virtualServerState:
            guard p == .checkd else { throw refuse("only checkd reports real server states") }
            return .relay(m, to: [.ipvsApplier])
        case .hello, .configSlice, .reload, .shutdown, .statusRequest, .scriptResult, .peerChange:
            throw refuse("only the supervisor sends this")
        }
    }
}
