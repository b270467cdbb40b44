// Two namespaces on a bridge exchange real adverts over raw sockets, and
// gratuitous ARP / NA frames over AF_PACKET; the receiving side parses and
// validates them as the daemon does.
import ConfigModel
import Foundation
import Testing
import TestSupport
import VRRP
import VRRPIO

private let pass = Array("secret12".utf8)

private func settings(_ auth: Authentication = .none, version: VRRPVersion = .v2, family: AddressFamily = .inet,
                      peers: [String] = []) -> InstanceSettings {
    let vips = family == .inet ? [AddressEntry(prefix: IPPrefix("10.0.0.100/24")!)]
                               : [AddressEntry(prefix: IPPrefix("fd00::100/128")!)]
    return InstanceSettings(name: "VI", vrid: 42, version: version, family: family, authentication: auth,
                            unicastPeers: peers.map { UnicastPeer(address: IPAddress($0)!) },
                            virtualAddresses: vips)
}

/// Two routers on a bridge: a (10.0.0.1) and b (10.0.0.2), IPv6 link-local ready.
private final class Pair {
    let segment: BridgedSegment
    let a: Netns
    let b: Netns
    init() throws {
        segment = try BridgedSegment("io")
        a = try segment.addMember("a", addresses: ["10.0.0.1/24"])
        b = try segment.addMember("b", addresses: ["10.0.0.2/24"])
        for ns in [a, b] {
            #expect(waitUntil(timeout: 5) { ((try? ns.sh("ip -6 addr show dev eth0 tentative")) ?? "x").isEmpty },
                    "link-local address leaves DAD")
        }
    }
    func linkLocal(_ ns: Netns) throws -> IPAddress {
        let out = try ns.sh("ip -6 -o addr show dev eth0 scope link")
        let field = out.split(separator: " ").first { $0.hasPrefix("fe80") }!
        return IPAddress(field.split(separator: "/")[0])!
    }
    func index(_ ns: Netns) throws -> Int32 {
        Int32(try ns.sh("cat /sys/class/net/eth0/ifindex").trimmingCharacters(in: .whitespacesAndNewlines))!
    }
    deinit { segment.remove() }
}

/// Sends one advert from a to b and returns what b's instance made of it.
private func exchange(_ pair: Pair, _ s: InstanceSettings, receiverProtocol: UInt8 = 112) throws
    -> (packet: ParsedPacket, verdict: RejectReason?) {
    let family = s.family
    let aSource = family == .inet ? IPAddress("10.0.0.1")! : try pair.linkLocal(pair.a)
    let bAddress = family == .inet ? IPAddress("10.0.0.2")! : try pair.linkLocal(pair.b)
    let receiver = try pair.b.within {
        try AdvertReceiver(family: family, ipProtocol: receiverProtocol, interface: "eth0",
                           interfaceIndex: try pair.index(pair.b))
    }
    try receiver.join(s.multicastGroup)
    let sender = try pair.a.within {
        try AdvertSender(family: family, interface: "eth0", interfaceIndex: try pair.index(pair.a),
                         source: family == .inet6 ? aSource : nil)
    }
    var a = Instance(settings: s)
    _ = a.handle(.start(localAddress: aSource), now: .origin)
    let destination = s.isUnicast ? bAddress : s.multicastGroup
    let made = a.makeAdvertisement(priority: 150, to: destination)
    let bytes = try #require(made)
    #expect(try sender.send(bytes, to: destination))

    var received: InboundPacket?
    #expect(waitUntil(timeout: 5) {
        received = try? receiver.receive()
        return received != nil
    }, "b receives the advert")
    let inbound = try #require(received)
    let p = try ParsedPacket.parse(inbound).get()
    var bSettings = s
    bSettings.unicastPeers = s.isUnicast ? [UnicastPeer(address: aSource)] : []
    var b = Instance(settings: bSettings)
    _ = b.handle(.start(localAddress: bAddress), now: .origin)
    return (p, b.validate(p))
}

@Suite(.enabled(if: TestEnvironment.isRoot, "needs root: raw sockets in network namespaces"), .serialized)
struct RawSocketTests {
    @Test func v2PasswordAdvertCrossesTheBridgeWithTTL255() throws {
        let pair = try Pair()
        let (p, verdict) = try exchange(pair, settings(.password(pass)))
        #expect(verdict == nil)
        #expect(p.ttl == 255 && p.source == IPAddress("10.0.0.1") && p.destination == IPAddress("224.0.0.18"))
        #expect(p.ipHeader?.tos == 0xC0 && p.ipHeader?.identification == 1 && p.priority == 150)
    }

    @Test func v2AHAdvertArrivesOnTheAHSocketWithAValidICV() throws {
        let pair = try Pair()
        let (p, verdict) = try exchange(pair, settings(.ipsecAH(key: pass)), receiverProtocol: 51)
        #expect(verdict == nil)
        #expect(p.ah?.sequence == 1 && p.ah?.spi == 0x0A00_0001)
    }

    @Test func v3IPv4AdvertCarriesAPseudoHeaderChecksumTheReceiverAccepts() throws {
        let pair = try Pair()
        let (p, verdict) = try exchange(pair, settings(version: .v3))
        #expect(verdict == nil && p.versionNibble == 3)
    }

    @Test func v3IPv6AdvertArrivesFromTheLinkLocalAddressWithHopLimit255() throws {
        let pair = try Pair()
        let (p, verdict) = try exchange(pair, settings(version: .v3, family: .inet6))
        #expect(verdict == nil)
        #expect(p.source == (try pair.linkLocal(pair.a)) && p.destination == IPAddress("ff02::12") && p.ttl == 255)
    }

    @Test func unicastAdvertGoesToThePeerAndValidates() throws {
        let pair = try Pair()
        let (p, verdict) = try exchange(pair, settings(version: .v3, peers: ["10.0.0.2"]))
        #expect(verdict == nil && p.destination == IPAddress("10.0.0.2"))
    }

    @Test func gratuitousARPAndNeighbourAdvertisementLeaveThroughAFPacket() throws {
        let pair = try Pair()
        let capture = try FrameCapture(in: pair.b, interface: "eth0")
        defer { capture.stop() }
        let mac = try pair.a.sh("cat /sys/class/net/eth0/address").trimmingCharacters(in: .whitespacesAndNewlines)
        let macBytes = mac.split(separator: ":").map { UInt8($0, radix: 16)! }
        let sender = try pair.a.within { try LinkLayerSender() }
        let arp = GratuitousFrames.arp(vip: IPv4Address("10.0.0.100")!, mac: MACAddress(macBytes)!)
        let na = GratuitousFrames.neighborAdvertisement(vip: IPv6Address("fd00::100")!, mac: MACAddress(macBytes)!)
        #expect(try sender.send(arp, interfaceIndex: try pair.index(pair.a)))
        #expect(try sender.send(na, interfaceIndex: try pair.index(pair.a)))
        #expect(waitUntil(timeout: 5) {
            let f = capture.frames.map(\.bytes)
            return f.contains(arp) && f.contains(na)
        }, "both frames arrive intact")
    }
}
