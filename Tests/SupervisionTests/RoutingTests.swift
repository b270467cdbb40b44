import Testing
import Wire
@testable import Supervision

@Suite struct MessageRouting {
    let g = Generation(3)

    @Test func vrrpStatesGoFromVrrpdToCheckdAndTheApplier() throws {
        let m = Message.vrrpStateChange(VRRPStateChange(generation: g, instance: "VI_1", state: .master, priority: 100))
        #expect(try Routing.admit(m, from: .vrrpd) == .relay(m, to: [.checkd, .ipvsApplier]))
        #expect(throws: Refusal.self) { try Routing.admit(m, from: .checkd) }
        #expect(throws: Refusal.self) { try Routing.admit(m, from: .ipvsApplier) }
    }

    @Test func verdictsGoOnlyFromCheckdToTheApplier() throws {
        let key = RealServerKey(address: WireAddress(bytes: [10, 0, 0, 2])!, port: 80)
        let vs = VirtualServerKey.endpoint(address: WireAddress(bytes: [10, 0, 0, 1])!, port: 80, protocol: .tcp)
        let msgs: [Message] = [
            .realServerVerdict(RealServerVerdict(generation: g, virtualServer: vs, realServer: key, up: true, weight: 1, reason: "ok")),
            .realServerFullState(RealServerFullState(generation: g, verdicts: [], virtualServers: [])),
            .virtualServerState(VirtualServerState(generation: g, virtualServer: vs, quorumUp: true, sorryServerActive: false)),
        ]
        for m in msgs {
            #expect(try Routing.admit(m, from: .checkd) == .relay(m, to: [.ipvsApplier]))
            #expect(throws: Refusal.self) { try Routing.admit(m, from: .vrrpd) }
        }
    }

    @Test func aDaemonCannotSendWhatOnlyTheSupervisorSends() {
        let msgs: [Message] = [
            .hello(Hello(sequence: 1)), .reload(Reload(generation: g)), .shutdown(Shutdown(reason: .signal)),
            .statusRequest(StatusRequest(requestID: 1, kind: .data)), .peerChange(PeerChange(program: .vrrpd, up: true)),
            .configSlice(ConfigSlice(generation: g, program: .vrrpd, totalSize: 0, offset: 0, chunk: [])),
            .scriptResult(ScriptResult(generation: g, requestID: 1, script: 0, outcome: .exited(0))),
        ]
        for m in msgs {
            for p in [ProgramName.vrrpd, .checkd, .ipvsApplier] {
                #expect(throws: Refusal.self) { try Routing.admit(m, from: p) }
            }
        }
    }

    @Test func aStatusReplyMustComeFromTheProgramItNames() throws {
        let r = StatusReply(requestID: 1, generation: g, program: .checkd, pid: 1)
        #expect(try Routing.admit(.statusReply(r), from: .checkd) == .statusReply(r))
        #expect(throws: Refusal.self) { try Routing.admit(.statusReply(r), from: .vrrpd) }
    }
}
