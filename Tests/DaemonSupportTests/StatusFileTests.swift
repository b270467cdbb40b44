@testable import DaemonCore
import Testing
import Wire

@Suite struct StatusFileLayout {
    @Test func statsListEveryInstanceCounterAsKeepalivedDoes() {
        var s = VRRPInstanceStats()
        s.advertisementsReceived = 7
        s.becameMaster = 2
        let r = StatusReply(requestID: 1, generation: .initial, program: .vrrpd, pid: 9,
                            vrrpInstances: [VRRPInstanceStatus(name: "VI_1", state: .master, wantState: .backup, priority: 100,
                                                               effectivePriority: 100, interface: "eth0", virtualRouterID: 51, stats: s)])
        let text = StatusFiles.stats([r])
        #expect(text.hasPrefix("VRRP Instance: VI_1\n  Advertisements:\n    Received: 7\n    Sent: 0\n  Became master: 2\n"))
        #expect(text.contains("  Priority Zero:\n    Received: 0\n    Sent: 0\n"))
    }

    @Test func dataHasAHeaderPerDaemonAndItsDumpLines() {
        let a = StatusReply(requestID: 1, generation: Generation(4), program: .vrrpd, pid: 9, dumpLines: ["line a"])
        let b = StatusReply(requestID: 1, generation: Generation(4), program: .checkd, pid: 8, dumpLines: ["line b"])
        let text = StatusFiles.data([a, b], header: ["HEAD"])
        #expect(text == "HEAD\n------< checkd (pid 8, generation 4) >------\nline b\n------< vrrpd (pid 9, generation 4) >------\nline a\n")
    }
}
