@testable import DaemonCore
import Logging
import Posix
import Reactor
import Testing
import Wire

/// A daemon's delegate that records what it is told.
final class Recorder: DaemonDelegate {
    var applied: [(Generation, [UInt8])] = []
    var received: [(MessageType, ProgramName)] = []
    var refuse: String?
    func apply(slice: [UInt8], generation: Generation) -> String? {
        applied.append((generation, slice))
        return refuse
    }
    func status(_ request: StatusRequest, generation: Generation) -> [StatusReply] {
        [StatusReply(requestID: request.requestID, generation: generation, program: .checkd, pid: 1)]
    }
    func shutdown(_ request: Shutdown) {}
    func received(_ message: Message, from: ProgramName) { received.append((message.type, from)) }
}

/// The daemon's side on a reactor, the supervisor's side as a bare channel.
struct LinkPair {
    let reactor: Reactor
    let link: DaemonLink
    let supervisor: Channel
    let delegate = Recorder()

    init() throws {
        reactor = try Reactor()
        let pair = try SeqPacket.pair()
        supervisor = Channel(peer: .checkd, socket: pair.first)
        link = try DaemonLink(program: .checkd, fd: pair.second.release(), reactor: reactor, logger: Logger(label: "t"))
        try link.start(delegate: delegate)
    }

    /// Lets the daemon side handle what is pending, then collects its answers.
    func exchange(_ messages: [Message]) throws -> [Message] {
        for m in messages { try supervisor.send(m) }
        for _ in 0..<3 { try reactor.runOnce(timeout: .milliseconds(20)) }
        var out: [Message] = []
        while let m = try supervisor.receive() { out.append(m) }
        return out
    }
}

@Suite struct DaemonSideOfTheSupervisorLink {
    @Test func helloIsAnsweredWithTheSameSequence() throws {
        let p = try LinkPair()
        let out = try p.exchange([.hello(Hello(sequence: 41))])
        guard case .helloReply(let r)? = out.first else { Issue.record("no reply: \(out)"); return }
        #expect(r.sequence == 41)
        #expect(r.running == nil)
    }

    @Test func aChunkedSliceIsAppliedAndAcknowledged() throws {
        let p = try LinkPair()
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
        let chunks = SliceChunking.chunks(of: bytes, generation: Generation(2), program: .checkd).map { Message.configSlice($0) }
        let out = try p.exchange(chunks)
        #expect(p.delegate.applied.count == 1)
        #expect(p.delegate.applied.first?.1 == bytes)
        #expect(out == [.configApplied(ConfigApplied(generation: Generation(2)))])
        #expect(p.link.running == Generation(2))
    }

    @Test func aRefusedSliceKeepsTheOldGeneration() throws {
        let p = try LinkPair()
        _ = try p.exchange(SliceChunking.chunks(of: [1], generation: Generation(1), program: .checkd).map { .configSlice($0) })
        p.delegate.refuse = "bad slice"
        let out = try p.exchange(SliceChunking.chunks(of: [2], generation: Generation(2), program: .checkd).map { .configSlice($0) })
        #expect(out == [.configApplied(ConfigApplied(generation: Generation(2), error: "bad slice"))])
        #expect(p.link.running == Generation(1))
    }

    @Test func relayedMessagesOfAnOlderGenerationAreRefused() throws {
        let p = try LinkPair()
        _ = try p.exchange([.reload(Reload(generation: Generation(5)))])
        let old = Message.vrrpStateChange(VRRPStateChange(generation: Generation(4), instance: "VI", state: .master, priority: 1))
        let cur = Message.vrrpStateChange(VRRPStateChange(generation: Generation(5), instance: "VI", state: .master, priority: 1))
        _ = try p.exchange([old, cur])
        #expect(p.delegate.received.count == 1)
        #expect(p.delegate.received.first?.1 == .vrrpd)
        #expect(p.link.refused == 1)
    }

    @Test func scriptRequestsCarryTheGenerationAndResultsReachTheirCaller() throws {
        let p = try LinkPair()
        _ = try p.exchange(SliceChunking.chunks(of: [1], generation: Generation(3), program: .checkd).map { .configSlice($0) })
        var outcome: ScriptOutcome?
        p.link.runScript(7) { outcome = $0 }
        var requests: [RunScript] = []
        while let m = try p.supervisor.receive() { if case .runScript(let r) = m { requests.append(r) } }
        #expect(requests.count == 1)
        #expect(requests.first?.generation == Generation(3) && requests.first?.script == 7)
        let id = requests.first?.requestID ?? 0
        _ = try p.exchange([.scriptResult(ScriptResult(generation: Generation(3), requestID: id, script: 7, outcome: .exited(0)))])
        #expect(outcome == .exited(0))
    }

    @Test func noScriptBeforeAConfiguration() throws {
        let p = try LinkPair()
        var outcome: ScriptOutcome?
        p.link.runScript(0) { outcome = $0 }
        guard case .refused? = outcome else { Issue.record("\(String(describing: outcome))"); return }
    }

    @Test func statusRequestsAreAnswered() throws {
        let p = try LinkPair()
        let out = try p.exchange([.statusRequest(StatusRequest(requestID: 9, kind: .stats))])
        guard case .statusReply(let r)? = out.first else { Issue.record("\(out)"); return }
        #expect(r.requestID == 9)
    }

    @Test func aMutedDaemonStopsAnsweringTheWatchdog() throws {
        let p = try LinkPair()
        p.link.answersWatchdog = false
        #expect(try p.exchange([.hello(Hello(sequence: 1))]).isEmpty)
    }
}
