// vrrpd under the keepalived supervisor: kill -9 of vrrpd on the master.
// The supervisor respawns it, the new vrrpd removes the address its
// predecessor left before anything else, so the address is gone from that
// router within 2 s while the backup takes over, and there is no moment
// after the takeover when both routers hold (and answer ARP for) it.
import Foundation
import Testing
import TestSupport

@Suite("VRRP under the supervisor", .serialized,
       .enabled(if: TestEnvironment.isRoot, "needs root: network namespaces, raw sockets, the supervisor"))
struct VRRPSupervisedTests {
    @Test func killingTheMastersVrrpdMovesTheAddressWithoutTwoHolders() throws {
        let lab = try VRRPLab("sv", routers: 2)
        defer { lab.close() }
        // nopreempt on both, so the respawned vrrpd stays backup and the move is visible.
        // Router 2 has the higher priority (nopreempt keeps it backup until the kill),
        // so its master-down interval (skew) is the shorter one: a respawned vrrpd
        // that starts in tens of milliseconds, waiting its own master-down
        // interval from its start, cannot win the race to master against it.
        try lab.start(1, .supervised, [InstanceConfig(priority: 200, nopreempt: true)])
        #expect(lab.waitForHolder("10.7.0.100", [1], timeout: 8), "the supervised vrrpd is master")
        try lab.start(2, .ours, [InstanceConfig(priority: 250, nopreempt: true)])
        #expect(lab.waitUntil(timeout: 5) { lab.state(2) == "BACKUP" && lab.status(2).contains("master 10.7.0.1") })
        let first = try #require(lab.supervisedVrrpd(1))

        // Sample both routers every 5 ms from the kill on.
        let samples = SampleLog()
        let sampler = Thread {
            let end = Date().addingTimeInterval(3)
            while Date() < end {
                samples.add(Date().timeIntervalSince1970, lab.holders(of: "10.7.0.100"))
                usleep(5_000)
            }
        }
        kill(first, SIGKILL)
        let killed = Date().timeIntervalSince1970
        sampler.start()
        Thread.sleep(forTimeInterval: 3.2)

        let all = samples.all
        let goneFrom1 = all.first { !$0.1.contains(1) }?.0
        let takeover = all.first { $0.1.contains(2) }?.0
        lab.report(String(format: "VIP gone from router 1 after %.0f ms, router 2 holds it after %.0f ms",
                          ((goneFrom1 ?? 99) - killed) * 1000, ((takeover ?? 99) - killed) * 1000))
        #expect(goneFrom1.map { $0 - killed <= 2 } == true, "the respawned vrrpd removed the leftover address")
        #expect(takeover.map { $0 - killed <= 2 } == true, "the backup took over")
        if let t = takeover {
            #expect(all.filter { $0.0 >= t }.allSatisfy { $0.1 == [2] }, "never two holders after the takeover")
        }
        let respawned = try #require(lab.supervisedVrrpd(1))
        #expect(respawned != first, "the supervisor respawned vrrpd")
        #expect(lab.router(1).log.contains("removed leftover address"))
    }
}

final class SampleLog: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [(Double, [Int])] = []
    func add(_ t: Double, _ holders: [Int]) { lock.withLock { samples.append((t, holders)) } }
    var all: [(Double, [Int])] { lock.withLock { samples } }
}
