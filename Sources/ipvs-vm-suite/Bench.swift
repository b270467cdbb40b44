// The applier benchmark, inside the guest: build N services x R real
// servers from an empty table, then flip 1,000 real servers (down), then
// stop; time and netlink messages for ours, and time for Debian's keepalived
// starting the same config in the same guest (its real servers follow
// FILE_CHECK track files, which the flip writes). Figures are printed and
// written to bench.json; nothing is asserted.
import Foundation
import ConfigModel
import IPVS
import Netlink
import TestSupport

enum BenchSize {
    case smoke, full
    var services: Int { self == .smoke ? 50 : 1000 }
    var realServers: Int { 10 }
    var flips: Int { self == .smoke ? 50 : 1000 }
}

struct BenchFigures: Codable {
    var services: Int
    var realServers: Int
    var flipped: Int
    var oursApplySeconds: Double
    var oursApplyMessages: UInt64
    var oursApplyDatagrams: UInt64
    var oursFlipSeconds: Double
    var oursFlipMessages: UInt64
    var oursStopSeconds: Double
    var keepalivedApplySeconds: Double?
    var keepalivedFlipSeconds: Double?
    var keepalivedStopSeconds: Double?
    var keepalivedNetlinkSends: Int?
}

/// Destinations in the kernel, counted from /proc (cheap to poll).
func kernelDestinationCount() -> Int {
    // /proc files report size 0: read to the end in a loop, not by the size.
    guard let h = FileHandle(forReadingAtPath: "/proc/net/ip_vs") else { return -1 }
    defer { try? h.close() }
    let data = h.readDataToEndOfFile()
    // Destination lines start with "  ->", and so does the header ("  -> RemoteAddress:Port ...").
    return data.split(separator: UInt8(ascii: "\n")).filter { $0.starts(with: Array("  ->".utf8)) }.count - 1
}

func benchConfig(_ size: BenchSize, dir: String) -> KeepalivedConfiguration {
    var c = KeepalivedConfiguration()
    var files: [TrackFile] = []
    for i in 0..<size.services {
        var v = VirtualServer(address: .ip(.v4(IPv4Address(0x0AC8_0000 + UInt32(i))), port: 80))
        v.protocol = .tcp
        v.lbAlgo = .wrr
        v.lbKind = ForwardingMethod(.nat)
        v.delayLoop = .seconds(3600)
        for j in 0..<size.realServers {
            let name = "b\(i)_\(j)"
            var t = TrackFile(name: name)
            t.weight = 0
            t.file = "\(dir)/\(name)"
            files.append(t)
            var f = FileCheck()
            f.trackFile = name
            var rs = RealServer(address: .v4(IPv4Address(0x0AC9_0000 + UInt32(i) << 4 + UInt32(j))), port: 8080)
            rs.checkers = [.file(f)]
            v.realServers.append(rs)
        }
        c.virtualServers.append(v)
    }
    c.trackFiles = files
    return c
}

extension Suite {
    func bench(_ size: BenchSize) {
        do {
            let f = try runBench(size)
            write(f, to: "\(outDir)/bench\(size == .smoke ? "-smoke" : "").json")
            func s(_ x: Double?) -> String { x.map { String(format: "%8.3f s", $0) } ?? "     n/a" }
            print("""
            ipvs-applier benchmark (in the IPVS guest, software-emulated CPU): \(f.services) services x \(f.realServers) real servers
                                         ours        keepalived 2.2.7
              apply from empty         \(s(f.oursApplySeconds))   \(s(f.keepalivedApplySeconds))
                netlink messages       \(String(format: "%8d", f.oursApplyMessages))     \(f.keepalivedNetlinkSends.map { String(format: "%8d", $0) } ?? "     n/a") (keepalived: sendmsg calls)
                datagrams (sendmsg)    \(String(format: "%8d", f.oursApplyDatagrams))
              flip \(f.flipped) real servers   \(s(f.oursFlipSeconds))   \(s(f.keepalivedFlipSeconds))
                netlink messages       \(String(format: "%8d", f.oursFlipMessages))
              stop (remove all)        \(s(f.oursStopSeconds))   \(s(f.keepalivedStopSeconds))
            """)
        } catch {
            print("bench failed: \(error)")
            failed.append("bench")
        }
    }

    func runBench(_ size: BenchSize) throws -> BenchFigures {
        try? Ipvsadm.clear()
        let dir = scratch("bench")
        let config = benchConfig(size, dir: dir)
        for t in config.trackFiles { try "0\n".write(toFile: t.file!, atomically: false, encoding: .utf8) }
        let total = size.services * size.realServers

        // Ours: start (dump + diff + apply), flip, stop.
        var t0 = Date()
        var tr: [QuorumTransition] = []
        let plan = IPVSPlan(config)
        let applier = IPVSNetlinkApplier(engine: ApplierEngine(plan: plan, generation: 1, transitions: &tr),
                                         client: try IPVSNetlinkClient())
        try applier.start()
        let applySeconds = Date().timeIntervalSince(t0)
        let applyMessages = applier.client.messagesSent
        let applyDatagrams = applier.client.socket.datagramsSent
        guard kernelDestinationCount() == total else { throw TestFailure("ours: \(kernelDestinationCount()) destinations, expected \(total)") }

        let flipped = (0..<size.flips).map { i -> RealServerVerdict in
            let v = config.virtualServers[i % size.services]
            let rs = v.realServers[(i / size.services) % size.realServers]
            return RealServerVerdict(generation: 1, virtualServer: VirtualServerRef(v.address, .tcp),
                                     realServer: RealServerRef(rs.address, 8080), up: false, weight: 1)
        }
        let before = applier.client.messagesSent
        t0 = Date()
        let refused = try applier.handle(batch: flipped.map { ($0, .checkd) })
        let flipSeconds = Date().timeIntervalSince(t0)
        let flipMessages = applier.client.messagesSent - before
        guard refused.isEmpty, kernelDestinationCount() == total - size.flips else {
            throw TestFailure("ours: flip left \(kernelDestinationCount()) destinations (refused \(refused.count))")
        }
        t0 = Date()
        try applier.stop(release: true)
        let stopSeconds = Date().timeIntervalSince(t0)
        try Ipvsadm.clear()

        // keepalived on the same config.
        var f = BenchFigures(services: size.services, realServers: size.realServers, flipped: size.flips,
                             oursApplySeconds: applySeconds, oursApplyMessages: applyMessages,
                             oursApplyDatagrams: applyDatagrams, oursFlipSeconds: flipSeconds,
                             oursFlipMessages: flipMessages, oursStopSeconds: stopSeconds)
        let conf = "\(dir)/keepalived.conf"
        try Render.config(config).write(toFile: conf, atomically: true, encoding: .utf8)
        t0 = Date()
        let k = try Spawned(["/usr/sbin/keepalived", "-n", "-C", "-l", "-f", conf, "-p", "\(dir)/k.pid", "-c", "\(dir)/c.pid"],
                            outputFile: "\(dir)/keepalived.log")
        if waitUntil(timeout: 600, { kernelDestinationCount() >= total }) {
            f.keepalivedApplySeconds = Date().timeIntervalSince(t0)
            t0 = Date()
            for v in flipped {
                let i = config.virtualServers.firstIndex { VirtualServerRef($0.address, .tcp) == v.virtualServer }!
                let j = config.virtualServers[i].realServers.firstIndex { $0.address == v.realServer.address }!
                try "1\n".write(toFile: "\(dir)/b\(i)_\(j)", atomically: false, encoding: .utf8)
            }
            if waitUntil(timeout: 600, { kernelDestinationCount() <= total - size.flips }) {
                f.keepalivedFlipSeconds = Date().timeIntervalSince(t0)
            }
        }
        t0 = Date()
        k.stop(grace: 600)
        if waitUntil(timeout: 600, { kernelDestinationCount() == 0 }) { f.keepalivedStopSeconds = Date().timeIntervalSince(t0) }
        try Ipvsadm.clear()

        // keepalived's netlink sends, counted once more under strace (not timed).
        if size == .full, FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") {
            for t in config.trackFiles { try "0\n".write(toFile: t.file!, atomically: false, encoding: .utf8) }
            let trace = "\(dir)/strace.out"
            let s = try Spawned(["/usr/bin/strace", "-f", "-qq", "-e", "trace=sendmsg,sendto", "-o", trace,
                                 "/usr/sbin/keepalived", "-n", "-C", "-l", "-f", conf, "-p", "\(dir)/k2.pid", "-c", "\(dir)/c2.pid"],
                                outputFile: "\(dir)/keepalived-strace.log")
            if waitUntil(timeout: 900, { kernelDestinationCount() >= total }) {
                usleep(500_000)
                let lines = (try? String(contentsOfFile: trace, encoding: .utf8))?.split(separator: "\n") ?? []
                f.keepalivedNetlinkSends = lines.filter { $0.contains("AF_NETLINK") || $0.contains("nl_family") }.count
            }
            s.stop(grace: 600)
            try Ipvsadm.clear()
        }
        return f
    }
}
