// vrrpd and Debian's keepalived 2.2.7 on the same bridge, in both mixes
// (ours master / keepalived backup and the reverse), for v2 with PASS and
// AH, v3 IPv4 and v3 IPv6: the same election result, failover both ways,
// and never two routers advertising as master in a steady state.
import Foundation
import Testing
import TestSupport

@Suite("VRRP interop with keepalived 2.2.7", .serialized,
       .enabled(if: TestEnvironment.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived"),
                "needs root and Debian's keepalived (scripts/setup.sh installs it)"))
struct VRRPInteropTests {
    static let configs: [(String, InstanceConfig)] = [
        ("v2 PASS", InstanceConfig(version: 2, advertInt: "1", auth: ("PASS", "secret12"))),
        ("v2 AH", InstanceConfig(version: 2, advertInt: "1", auth: ("AH", "secret12"))),
        ("v3 IPv4", InstanceConfig(version: 3, advertInt: "0.1")),
        ("v3 IPv6", InstanceConfig(version: 3, advertInt: "0.1", vips: ["fd00:7::100/64"])),
    ]

    static let cases: [(String, InstanceConfig, Implementation)] =
        configs.flatMap { c in [(c.0, c.1, Implementation.ours), (c.0, c.1, Implementation.keepalived)] }

    @Test(arguments: cases)
    func bothImplementationsElectTheSameMasterAndFailOverBothWays(_ name: String, _ base: InstanceConfig,
                                                                  _ masterImpl: Implementation) throws {
        let backupImpl: Implementation = masterImpl == .ours ? .keepalived : .ours
        let ipv6 = base.vips[0].contains(":")
        let lab = try VRRPLab("io", routers: 2, ipv6: ipv6)
        defer { lab.close() }
        var high = base, low = base
        high.priority = 200
        low.priority = 100
        let interval = Double(base.advertInt)!
        let label = "\(name), \(masterImpl) master / \(backupImpl) backup"
        let source = { (i: Int) in ipv6 ? lab.mac(i) : "10.7.0.\(i)" }

        // Election: the backup side first, so the master must preempt it.
        try lab.start(2, backupImpl, [low])
        Thread.sleep(forTimeInterval: 0.3)
        try lab.start(1, masterImpl, [high])
        let settle = masterDown(priority: 100, interval: interval, version: base.version) * 2 + 2
        #expect(lab.waitUntil(timeout: settle + 3) { self.onlyAdvertiser(lab, source(1), window: interval * 2.5) },
                "\(label): router 1 is the only master")
        #expect(lab.holders(of: base.vips[0].split(separator: "/")[0].description).contains(1))

        // Failover to the other implementation.
        lab.kill9(1)
        let down = masterDown(priority: 100, interval: interval, version: base.version)
        #expect(lab.waitUntil(timeout: down + 3) { self.onlyAdvertiser(lab, source(2), window: interval * 2.5) },
                "\(label): router 2 takes over")
        if let last = lab.adverts(from: source(1)).last?.time,
           let first = lab.adverts(from: source(2)).first(where: { $0.time > last })?.time {
            lab.report(String(format: "\(label): failover to \(backupImpl) %.1f ms (RFC %.1f ms)",
                              (first - last) * 1000, down * 1000))
            #expect(first - last <= down + max(0.05, interval))
        }

        // And back: router 1 returns and preempts.
        try lab.start(1, masterImpl, [high])
        #expect(lab.waitUntil(timeout: settle + 3) { self.onlyAdvertiser(lab, source(1), window: interval * 2.5) },
                "\(label): router 1 takes the role back")
        Thread.sleep(forTimeInterval: interval * 3)
        #expect(onlyAdvertiser(lab, source(1), window: interval * 2.5), "\(label): steady state")
        if backupImpl == .ours {
            let rejected = lab.status(2).split(separator: "\n").first { $0.contains("rejected:") } ?? ""
            #expect(rejected.hasSuffix("none"), "\(label): ours rejected nothing keepalived sent: \(rejected)")
        } else {
            #expect(!lab.router(2).log.contains("bogus VRRP packet"), "\(label): keepalived rejected nothing")
        }
    }

    /// In the last `window` seconds, every advert came from `source` (and there was at least one).
    func onlyAdvertiser(_ lab: VRRPLab, _ source: String, window: Double) -> Bool {
        let since = Date().timeIntervalSince1970 - window
        let recent = lab.capture.frames.filter { $0.isVRRP && $0.time > since && $0.vrrpPriority != 0 }
        return !recent.isEmpty && recent.allSatisfy { $0.ipv4Source == source || $0.sourceMAC == source }
    }
}
