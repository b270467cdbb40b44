// rtnetlink against the kernel, inside namespaces the tests create: the
// addresses we add are what `ip addr` shows, links and their state are read
// back, and the monitor reports a link going down and up.
import ConfigModel
import Foundation
import Netlink
import Testing
import TestSupport

private func entry(_ prefix: String, _ edit: (inout AddressEntry) -> Void = { _ in }) -> AddressEntry {
    var e = AddressEntry(prefix: IPPrefix(prefix)!)
    edit(&e)
    return e
}

/// A namespace with a veth pair eth0/eth0p, both up, eth0 with 10.9.0.1/24.
private func namespaceWithLink() throws -> Netns {
    let ns = try Netns("nl")
    try ns.sh("ip link add eth0 type veth peer name eth0p && ip link set eth0p up && ip link set eth0 up")
    try ns.sh("ip addr add 10.9.0.1/24 dev eth0")
    return ns
}

@Suite(.enabled(if: TestEnvironment.isRoot, "needs root: creates network namespaces"))
struct RouteNetlinkTests {
    @Test func addedAndRemovedVirtualAddressesAreWhatIpShows() throws {
        let ns = try namespaceWithLink()
        defer { ns.remove() }
        let nl = try ns.within { try RouteNetlinkSocket() }
        let eth0 = try #require(try nl.link(named: "eth0"))

        let v4 = AddressRequest(entry: entry("10.9.0.100/24") { $0.broadcast = .setHostBits; $0.label = "eth0:vip" },
                                interfaceIndex: eth0.index)
        let v6 = AddressRequest(entry: entry("fd00:9::100/128"), interfaceIndex: eth0.index)
        let scoped = AddressRequest(entry: entry("10.9.1.1/32") { $0.scope = .host }, interfaceIndex: eth0.index)
        #expect(try nl.addAddress(v4))
        #expect(try nl.addAddress(v6))
        #expect(try nl.addAddress(scoped))
        #expect(try nl.addAddress(v4) == false, "adding twice reports it was there")

        let shown = try ns.sh("ip addr show dev eth0")
        #expect(shown.contains("inet 10.9.0.100/24 brd 10.9.0.255 scope global secondary eth0:vip"))
        #expect(shown.contains("inet 10.9.1.1/32 scope host"))
        #expect(shown.contains("inet6 fd00:9::100/128 scope global nodad deprecated"))

        let listed = try nl.addresses().filter { $0.interfaceIndex == eth0.index }
        #expect(listed.contains { $0.address == IPAddress("10.9.0.100") && $0.prefixLength == 24
                && $0.broadcast == IPAddress("10.9.0.255") && $0.label == "eth0:vip" && $0.isSecondary })
        #expect(listed.contains { $0.address == IPAddress("fd00:9::100") && $0.isDeprecated })

        #expect(try nl.deleteAddress(v4))
        #expect(try nl.deleteAddress(v6))
        #expect(try nl.deleteAddress(v4) == false, "deleting twice reports it was gone")
        let after = try ns.sh("ip addr show dev eth0")
        #expect(!after.contains("10.9.0.100") && !after.contains("fd00:9::100"))
        #expect(after.contains("10.9.0.1/24"), "the primary address is untouched")
    }

    @Test func linksAreListedWithIndexMACAndState() throws {
        let ns = try namespaceWithLink()
        defer { ns.remove() }
        let nl = try ns.within { try RouteNetlinkSocket() }
        let links = try nl.links()
        let eth0 = try #require(links.first { $0.name == "eth0" })
        let lo = try #require(links.first { $0.name == "lo" })
        #expect(lo.isLoopback && !eth0.isLoopback && eth0.isUp)
        let mac = try ns.sh("cat /sys/class/net/eth0/address").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(eth0.mac.map { $0.map { String(format: "%02x", $0) }.joined(separator: ":") } == mac)
        #expect(String(eth0.index) == (try ns.sh("cat /sys/class/net/eth0/ifindex")).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func theMonitorReportsALinkGoingDownAndUp() throws {
        let ns = try namespaceWithLink()
        defer { ns.remove() }
        let monitor = try ns.within {
            try RouteNetlinkSocket(groups: RouteNetlinkConstant.groupLink | RouteNetlinkConstant.groupIPv4Address,
                                   nonBlocking: true)
        }
        #expect(try monitor.readEvents().isEmpty)
        try ns.sh("ip link set eth0p down")
        var events: [RouteEvent] = []
        #expect(waitUntil(timeout: 5) {
            events += (try? monitor.readEvents()) ?? []
            return events.contains { if case .linkChanged(let l) = $0 { return l.name == "eth0" && !l.isUp } else { return false } }
        }, "carrier loss on eth0 is reported")
        events = []
        try ns.sh("ip link set eth0p up")
        #expect(waitUntil(timeout: 5) {
            events += (try? monitor.readEvents()) ?? []
            return events.contains { if case .linkChanged(let l) = $0 { return l.name == "eth0" && l.isUp } else { return false } }
        }, "eth0 coming back is reported")
        try ns.sh("ip addr add 10.9.0.7/24 dev eth0")
        events = []
        #expect(waitUntil(timeout: 5) {
            events += (try? monitor.readEvents()) ?? []
            return events.contains { if case .addressAdded(let a) = $0 { return a.address == IPAddress("10.9.0.7") } else { return false } }
        })
    }
}

@Suite struct RouteMessageTests {
    @Test func addressRequestsCarryTheAttributesIpWouldSend() {
        let r = AddressRequest(entry: entry("192.168.1.10/24") { $0.broadcast = .setHostBits; $0.label = "eth0:1" },
                               interfaceIndex: 7)
        let bytes = r.message(type: RouteNetlinkConstant.newAddress, flags: 0x605, sequence: 42)
        let messages = RouteMessageParser.messages(bytes[...])
        #expect(messages.count == 1 && messages[0].type == 20 && messages[0].sequence == 42 && messages[0].flags == 0x605)
        let p = messages[0].payload
        #expect(Array(p.prefix(8)) == [2, 24, 0, 0, 7, 0, 0, 0])
        let attrs = RouteMessageParser.attributes(p, skip: 8)
        #expect(attrs.map(\.0) == [2, 1, 4, 3])
        #expect(Array(attrs[0].1) == [192, 168, 1, 10] && Array(attrs[2].1) == [192, 168, 1, 255])
        #expect(RouteMessageParser.string(attrs[3].1) == "eth0:1")
        #expect(bytes.count % 4 == 0 && Int(RouteMessageParser.readU32(bytes[...], 0)) == bytes.count)
    }

    @Test func brdMinusClearsTheHostBits() {
        let r = AddressRequest(entry: entry("10.1.2.3/16") { $0.broadcast = .clearHostBits }, interfaceIndex: 1)
        #expect(r.broadcast == IPAddress("10.1.0.0"))
        let v6 = AddressRequest(entry: entry("fd00::1/64"), interfaceIndex: 1)
        #expect(v6.noDAD && v6.preferredLifetime == nil && v6.broadcast == nil)
    }

    @Test func truncatedOrGarbageRepliesParseToNothingRatherThanTrap() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            for m in RouteMessageParser.messages(bytes[...]) { _ = RouteMessageParser.attributes(m.payload, skip: 8) }
        }
    }
}
