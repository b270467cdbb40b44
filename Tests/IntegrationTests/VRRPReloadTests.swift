// Reload: SIGHUP with one instance's priority changed and another added. The
// unchanged instance makes no transition, its adverts keep their cadence on
// the wire, and its VIP never leaves the router (sampled every 5 ms).
import Foundation
import Testing
import TestSupport

@Suite("VRRP reload", .serialized, .enabled(if: TestEnvironment.isRoot, "needs root: network namespaces"))
struct VRRPReloadTests {
    @Test func anUnchangedInstanceKeepsItsStateAndAddressThroughAReload() throws {
        let lab = try VRRPLab("rl", routers: 2)
        defer { lab.close() }
        let vi1 = InstanceConfig(name: "VI_1", vrid: 51, priority: 200, vips: ["10.7.0.100/24"])
        let vi2 = InstanceConfig(name: "VI_2", vrid: 52, priority: 150, vips: ["10.7.0.101/24"])
        var vi2Changed = vi2
        vi2Changed.priority = 180
        let vi3 = InstanceConfig(name: "VI_3", vrid: 53, priority: 200, vips: ["10.7.0.102/24"])
        try lab.start(1, .ours, [vi1, vi2])
        try lab.start(2, .ours, [InstanceConfig(name: "VI_1", vrid: 51, priority: 100, vips: ["10.7.0.100/24"])])
        #expect(lab.waitForHolder("10.7.0.100", [1]))
        #expect(lab.waitForHolder("10.7.0.101", [1]))
        Thread.sleep(forTimeInterval: 0.5)

        // Sample router 1's addresses while the reload happens.
        let missing = Counter()
        let sampler = Thread {
            let end = Date().addingTimeInterval(3)
            while Date() < end {
                if !lab.addresses(1).contains("10.7.0.100/24") { missing.increment() }
                usleep(5_000)
            }
        }
        sampler.start()
        Thread.sleep(forTimeInterval: 0.5)
        let reloadAt = Date().timeIntervalSince1970
        let logBefore = lab.router(1).log
        try lab.reconfigure(1, [vi1, vi2Changed, vi3])
        #expect(lab.waitUntil(timeout: 3) { lab.holders(of: "10.7.0.102") == [1] }, "the added instance starts")
        Thread.sleep(forTimeInterval: 2.5)

        #expect(missing.value == 0, "VI_1's address never left router 1")
        let newLines = String(lab.router(1).log.dropFirst(logBefore.count))
        #expect(!newLines.contains("(VI_1) Entering"), "VI_1 made no transition")
        #expect(newLines.contains("reload: 1 unchanged, 1 changed, 1 added, 0 removed"))
        #expect(lab.status(1).contains("VRRP instance VI_2: MASTER") && lab.status(1).contains("priority 180"))
        // On the wire: VI_1 keeps advertising, with no priority 0 and no other sender, and no
        // gap reaches the master-down interval (3 x 100 ms + skew), where the backup would take
        // over. (The 100 ms cadence itself is measured by the benchmark, not asserted: a
        // loaded CI machine delays wake-ups.)
        let adverts = lab.capture.frames.filter { $0.isVRRP && $0.vrid == 51 && $0.time > reloadAt - 0.5 }
        #expect(adverts.allSatisfy { $0.ipv4Source == "10.7.0.1" && $0.vrrpPriority == 200 })
        let gaps = zip(adverts.dropFirst(), adverts).map { $0.time - $1.time }
        #expect(!gaps.isEmpty && gaps.max()! < 0.3, "largest gap \(gaps.max() ?? 0)")
        #expect(lab.state(2) == "BACKUP")
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}
