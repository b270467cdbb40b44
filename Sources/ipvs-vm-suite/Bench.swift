// The applier benchmark, inside the guest: build N services x R real
// servers from an empty table, then flip 1,000 real servers (down), then
// stop; time and netlink messages for ours, and time for Debian's keepalived
// starting the same config in the same guest (its real servers follow
// FILE_CHECK track files, which the flip writes). Figures are printed and
// written to bench.json; nothing is asserted.
import ConfigModel
import Foundation
import IPVS
import IPVSNetlink
import TestSupport

enum BenchSize: Equatable {
    case smoke, full, custom(services: Int, flips: Int)
    var services: Int {
        switch self {
        case .smoke: return 50
        case .full: return 1000
        case .custom(let s, _): return s
        }
    }
    var realServers: Int { 10 }
    var flips: Int {
        switch self {
        case .smoke: return 50
        case .full: return 1000
        case .custom(_, let f): return f
        }
    }
}

/// A progress line, flushed (the guest's output is only seen at the end otherwise).
func progress(_ s: String) {
    print("bench: \(s)")
    fflush(nil)
}

/// Polls every 200 ms (reading /proc/net/ip_vs costs the guest time too).
func pollUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if condition() { return true }
        usleep(200_000)
    }
    return condition()
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
            fflush(nil)
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

        progress("\(size.services) x \(size.realServers): track files written")
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

        progress("ours applied \(total) destinations in \(String(format: "%.3f", applySeconds)) s, \(applyMessages) messages")
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
        progress("ours flipped \(size.flips) in \(String(format: "%.3f", flipSeconds)) s")
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
        if pollUntil(timeout: 900, { kernelDestinationCount() >= total }) {
            f.keepalivedApplySeconds = Date().timeIntervalSince(t0)
            progress("keepalived applied \(total) destinations in \(String(format: "%.3f", f.keepalivedApplySeconds!)) s")
            t0 = Date()
            for v in flipped {
                let i = config.virtualServers.firstIndex { VirtualServerRef($0.address, .tcp) == v.virtualServer }!
                let j = config.virtualServers[i].realServers.firstIndex { $0.address == v.realServer.address }!
                try "1\n".write(toFile: "\(dir)/b\(i)_\(j)", atomically: false, encoding: .utf8)
            }
            if pollUntil(timeout: 900, { kernelDestinationCount() <= total - size.flips }) {
                f.keepalivedFlipSeconds = Date().timeIntervalSince(t0)
                progress("keepalived flipped \(size.flips) in \(String(format: "%.3f", f.keepalivedFlipSeconds!)) s")
            }
        }
        // Stop: timed until the table is empty, whatever the process does after.
        progress("stopping keepalived (\(kernelDestinationCount()) destinations)")
        t0 = Date()
        k.signal(SIGTERM)
        var last = -1
        let emptied = pollUntil(timeout: 900) {
            let n = kernelDestinationCount()
            if n != last && n % 1000 == 0 { progress("  \(n) destinations left after \(String(format: "%.1f", Date().timeIntervalSince(t0))) s") }
            last = n
            return n <= 0
        }
        if emptied { f.keepalivedStopSeconds = Date().timeIntervalSince(t0) }
        progress("keepalived stop: \(emptied ? String(format: "%.3f s", f.keepalivedStopSeconds!) : "table not emptied") (process \(k.isRunning ? "still running" : "exited"))")
        if k.isRunning {
            for file in ["c.pid", "k.pid"] {
                if let t = try? String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8),
                   let p = Int32(t.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(p, SIGKILL) }
            }
            k.stop(grace: 10)
        }
        try Ipvsadm.clear()

        // keepalived's netlink sends, counted once more under strace (not timed).
        if size != .smoke, FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") {
            for t in config.trackFiles { try "0\n".write(toFile: t.file!, atomically: false, encoding: .utf8) }
            let trace = "\(dir)/strace.out"
            let s = try Spawned(["/usr/bin/strace", "-f", "-qq", "-e", "trace=sendmsg,sendto", "-o", trace,
                                 "/usr/sbin/keepalived", "-n", "-C", "-l", "-f", conf, "-p", "\(dir)/k2.pid", "-c", "\(dir)/c2.pid"],
                                outputFile: "\(dir)/keepalived-strace.log")
            if pollUntil(timeout: 900, { kernelDestinationCount() >= total }) {
                usleep(500_000)
                let lines = (try? String(contentsOfFile: trace, encoding: .utf8))?.split(separator: "\n") ?? []
                f.keepalivedNetlinkSends = lines.filter { $0.contains("AF_NETLINK") || $0.contains("nl_family") }.count
            }
            progress("keepalived under strace: \(f.keepalivedNetlinkSends ?? -1) netlink sends")
            // Only the count was wanted, and its stop under strace is very slow
            // in the guest: this run's keepalived and its checker child are
            // killed by their pids, then the table is cleared.
            for file in ["c2.pid", "k2.pid"] {
                if let t = try? String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8),
                   let p = Int32(t.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(p, SIGKILL) }
            }
            s.stop(grace: 60)
            try Ipvsadm.clear()
        }
        return f
    }
}
