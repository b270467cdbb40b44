// Bad packets injected from the observer: every one is dropped and counted
// under its reason, exactly as many times as it was sent, and the master
// keeps its role. The injected adverts claim priority 250, so any that got
// through would make the master yield.
import CShim
import Foundation
import Testing
import TestSupport

/// Hand-built VRRPv2 adverts with an IPv4 header (the test does not link the VRRP module).
struct Forged {
    var vrid: UInt8 = 51
    var priority: UInt8 = 250
    var ttl: UInt8 = 255
    var password = "secret12"
    var vips: [[UInt8]] = [[10, 7, 0, 100]]
    var corruptChecksum = false
    var truncateBy = 0

    var bytes: [UInt8] {
        var msg: [UInt8] = [0x21, vrid, priority, UInt8(vips.count), 1, 1, 0, 0]
        for v in vips { msg += v }
        msg += Array(password.utf8.prefix(8)) + [UInt8](repeating: 0, count: max(0, 8 - password.utf8.count))
        var sum = checksum(msg)
        if corruptChecksum { sum ^= 0x5555 }
        msg[6] = UInt8(sum >> 8)
        msg[7] = UInt8(sum & 0xFF)
        msg.removeLast(truncateBy)
        return Forged.ipHeader(payload: msg.count, ttl: ttl) + msg
    }

    /// IPv4 header from 10.7.0.250 to 224.0.0.18, protocol 112 (length and checksum are the kernel's).
    static func ipHeader(payload: Int, ttl: UInt8, proto: UInt8 = 112) -> [UInt8] {
        let total = 20 + payload
        return [0x45, 0xC0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0, 0, ttl, proto, 0, 0,
                10, 7, 0, 250, 224, 0, 0, 18]
    }

    func checksum(_ b: [UInt8]) -> UInt16 {
        var s: UInt32 = 0
        var i = 0
        while i + 1 < b.count { s += UInt32(b[i]) << 8 | UInt32(b[i + 1]); i += 2 }
        if i < b.count { s += UInt32(b[i]) << 8 }
        while s > 0xFFFF { s = (s & 0xFFFF) + (s >> 16) }
        return ~UInt16(s)
    }
}

/// A raw IPv4 socket in the observer namespace that sends packets with our own header.
final class Injector {
    let fd: Int32
    init(in ns: Netns) throws {
        fd = try ns.within {
            let s = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW))
            guard s >= 0 else { throw TestFailure("raw socket: errno \(errno)") }
            var m = ip_mreqn()
            m.imr_ifindex = Int32(if_nametoindex("eth0"))
            setsockopt(s, Int32(IPPROTO_IP), IP_MULTICAST_IF, &m, socklen_t(MemoryLayout<ip_mreqn>.size))
            return s
        }
    }
    func send(_ packet: [UInt8]) {
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_addr.s_addr = UInt32(0xE000_0012).bigEndian
        let n = packet.withUnsafeBytes { b in
            withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        #expect(n == packet.count, "injected \(packet.count) bytes")
    }
    deinit { close(fd) }
}

@Suite("VRRP bad packets", .serialized, .enabled(if: TestEnvironment.isRoot, "needs root: network namespaces and raw sockets"))
struct VRRPBadPacketTests {
    @Test func everyBadPacketIsDroppedAndCountedExactlyAndTheMasterKeepsItsRole() throws {
        let lab = try VRRPLab("bp", routers: 2)
        defer { lab.close() }
        let base = InstanceConfig(version: 2, advertInt: "1", auth: ("PASS", "secret12"))
        var high = base, low = base
        high.priority = 200
        low.priority = 100
        try lab.start(1, .ours, [high])
        try lab.start(2, .ours, [low])
        #expect(lab.waitForHolder("10.7.0.100", [1], timeout: 8))

        let injector = try Injector(in: lab.observer)
        let plan: [(counter: String, count: Int, packet: [UInt8])] = [
            ("wrongTTL", 3, Forged(ttl: 64).bytes),
            ("lengthMismatch", 4, Forged(truncateBy: 4).bytes),
            ("badChecksum", 5, Forged(corruptChecksum: true).bytes),
            ("authFailure", 6, Forged(password: "badpass1").bytes),
            ("unknownVRID", 2, Forged(vrid: 99).bytes),
            ("truncated", 7, Forged.ipHeader(payload: 5, ttl: 255) + [0x21, 0x33, 0xFA, 0x01, 0x99]),
        ]
        for (_, count, packet) in plan {
            for _ in 0..<count { injector.send(packet) }
        }
        Thread.sleep(forTimeInterval: 1.5)
        for router in [1, 2] {
            for (counter, count, _) in plan {
                #expect(lab.counter(router, counter) == count, "router \(router): \(counter)")
            }
        }
        #expect(lab.state(1) == "MASTER" && lab.state(2) == "BACKUP")
        #expect(lab.holders(of: "10.7.0.100") == [1])
        #expect(lab.router(1).log.contains("bogus VRRP packet from 10.7.0.250"))
        // A valid advert from the same injector with the right password would preempt: the test can fail.
        injector.send(Forged(priority: 250).bytes)
        #expect(lab.waitUntil(timeout: 2) { lab.state(1) == "BACKUP" }, "a genuine higher-priority advert is obeyed")
    }
}
