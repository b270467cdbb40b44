// Seeded random messages of every type, for the round-trip properties.
@testable import Wire

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct MessageGenerator {
    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int<T: FixedWidthInteger>(_: T.Type = T.self) -> T {
        // Edges often, so min/max/zero are exercised, not just the middle.
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: return T.min
        case 1: return T.max
        case 2: return 0
        default: return T.random(in: T.min...T.max, using: &rng)
        }
    }
    mutating func bool() -> Bool { Bool.random(using: &rng) }
    mutating func string() -> String {
        let alphabet = Array("abcXYZ019 _-./:é∆🙂\u{0}\n\"")
        let n = Int.random(in: 0..<24, using: &rng)
        return String((0..<n).map { _ in alphabet.randomElement(using: &rng)! })
    }
    mutating func bytes(max: Int = 64) -> [UInt8] {
        (0..<Int.random(in: 0...max, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }
    mutating func array<T>(_ max: Int = 4, _ make: (inout MessageGenerator) -> T) -> [T] {
        (0..<Int.random(in: 0...max, using: &rng)).map { _ in make(&self) }
    }
    mutating func optional<T>(_ make: (inout MessageGenerator) -> T) -> T? { bool() ? make(&self) : nil }
    mutating func generation() -> Generation { Generation(int()) }
    mutating func program() -> ProgramName { ProgramName.allCases.randomElement(using: &rng)! }
    mutating func vrrpState() -> VRRPState { VRRPState.allCases.randomElement(using: &rng)! }
    mutating func address() -> WireAddress {
        WireAddress(bytes: (0..<(bool() ? 4 : 16)).map { _ in UInt8.random(in: 0...255, using: &rng) })!
    }
    mutating func vsKey() -> VirtualServerKey {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: return .endpoint(address: address(), port: int(), protocol: [.tcp, .udp, .sctp].randomElement(using: &rng)!)
        case 1: return .fwmark(int(), ipv6: bool())
        default: return .group(string())
        }
    }
    mutating func rsKey() -> RealServerKey { RealServerKey(address: address(), port: int()) }
    mutating func verdict() -> RealServerVerdict {
        RealServerVerdict(generation: generation(), virtualServer: vsKey(), realServer: rsKey(), up: bool(),
                          weight: int(), reason: string())
    }
    mutating func vsState() -> VirtualServerState {
        VirtualServerState(generation: generation(), virtualServer: vsKey(), quorumUp: bool(), sorryServerActive: bool())
    }
    mutating func counters() -> IPVSCounters {
        var c = IPVSCounters()
        c.connections = int(); c.inPackets = int(); c.outPackets = int(); c.inBytes = int(); c.outBytes = int()
        c.activeConnections = int(); c.inactiveConnections = int()
        return c
    }
    mutating func vrrpStats() -> VRRPInstanceStats {
        var s = VRRPInstanceStats()
        s.advertisementsReceived = int(); s.advertisementsSent = int(); s.becameMaster = int()
        s.releasedMaster = int(); s.packetLengthErrors = int(); s.ipTTLErrors = int()
        s.invalidTypeReceived = int(); s.addressListErrors = int(); s.invalidAuthType = int()
        s.authTypeMismatch = int(); s.authFailure = int(); s.priorityZeroReceived = int(); s.priorityZeroSent = int()
        return s
    }
    mutating func outcome() -> ScriptOutcome {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return .exited(int())
        case 1: return .signaled(int())
        case 2: return .timedOut
        case 3: return .failedToStart(string())
        default: return .refused(string())
        }
    }

    /// A random message of the given type.
    mutating func message(_ type: MessageType) -> Message {
        switch type {
        case .hello: return .hello(Hello(sequence: int()))
        case .helloReply: return .helloReply(HelloReply(sequence: int(), pid: int(), running: optional { $0.generation() }))
        case .configSlice:
            return .configSlice(ConfigSlice(generation: generation(), program: program(), totalSize: int(), offset: int(),
                                            chunk: bytes(max: 300)))
        case .configApplied: return .configApplied(ConfigApplied(generation: generation(), error: optional { $0.string() }))
        case .reload: return .reload(Reload(generation: generation()))
        case .shutdown:
            return .shutdown(Shutdown(reason: [.signal, .reload, .supervisorExit].randomElement(using: &rng)!,
                                      releaseVIPs: bool(), releaseIPVS: bool()))
        case .statusRequest:
            return .statusRequest(StatusRequest(requestID: int(), kind: [.data, .stats, .statsClear].randomElement(using: &rng)!))
        case .statusReply:
            return .statusReply(StatusReply(
                requestID: int(), generation: generation(), program: program(), pid: int(), part: int(), final: bool(),
                vrrpInstances: array { g in
                    VRRPInstanceStatus(name: g.string(), state: g.vrrpState(), wantState: g.vrrpState(), priority: g.int(),
                                       effectivePriority: g.int(), interface: g.string(), virtualRouterID: g.int(),
                                       lastTransition: g.optional { $0.int() }, stats: g.vrrpStats())
                },
                virtualServers: array { g in
                    VirtualServerStatus(key: g.vsKey(), quorumUp: g.bool(), sorryServerActive: g.bool(),
                                        counters: g.optional { $0.counters() })
                },
                realServers: array { g in
                    RealServerStatus(virtualServer: g.vsKey(), realServer: g.rsKey(), up: g.bool(), weight: g.int(),
                                     checkers: g.array { h in
                                         CheckerStatus(kind: h.string(), up: h.bool(), consecutiveFailures: h.int(),
                                                       lastReason: h.optional { $0.string() })
                                     },
                                     counters: g.optional { $0.counters() })
                },
                dumpLines: array(6) { $0.string() }))
        case .peerChange: return .peerChange(PeerChange(program: program(), up: bool()))
        case .realServerVerdict: return .realServerVerdict(verdict())
        case .realServerFullState:
            return .realServerFullState(RealServerFullState(generation: generation(), part: int(), final: bool(),
                                                            verdicts: array { $0.verdict() },
                                                            virtualServers: array { $0.vsState() }))
        case .virtualServerState: return .virtualServerState(vsState())
        case .vrrpStateChange:
            return .vrrpStateChange(VRRPStateChange(generation: generation(), instance: string(),
                                                    syncGroup: optional { $0.string() }, state: vrrpState(), priority: int()))
        case .runScript:
            let args: ScriptArguments = bool() ? .none
                : .vrrpNotify(group: bool(), name: string(), state: vrrpState(), priority: int())
            return .runScript(RunScript(generation: generation(), requestID: int(), script: int(), arguments: args,
                                        timeout: optional { .milliseconds($0.int(Int64.self)) }))
        case .scriptResult:
            return .scriptResult(ScriptResult(generation: generation(), requestID: int(), script: int(), outcome: outcome()))
        }
    }
}
