// old_unicast_checksum: VRRPv3 over IPv4 in unicast has two checksum forms,
// the current one (pseudo-header destination = the packet's) and the old one
// (the multicast group instead); which an instance sends and accepts.
import ConfigModel
import Testing
@testable import VRRP

private let local = v4("10.0.0.2")
private let peer = v4("10.0.0.1")
private let group = v4("224.0.0.18")

private func settings(_ mode: UnicastChecksumMode, peers: [IPAddress] = [local],
                      oldGroup: IPAddress? = nil) -> InstanceSettings {
    InstanceSettings(name: "VU", vrid: 9, version: .v3, advertInterval: .seconds(1),
                     unicastPeers: peers.map { UnicastPeer(address: $0) }, unicastChecksum: mode,
                     oldChecksumGroup: oldGroup, virtualAddresses: [vip("10.0.0.100")])
}

/// An advert from `peer` to `local`, its checksum in the form asked for.
private func advert(old: Bool, priority: UInt8 = 100) throws -> ParsedPacket {
    var sender = Instance(settings: settings(old ? .old : .never, peers: [local]))
    _ = sender.handle(.start(localAddress: peer), now: .origin)
    let made = sender.makeAdvertisement(priority: priority, to: local)
    let bytes = try #require(made)
    return try ParsedPacket.parse(InboundPacket(family: .inet, bytes: bytes)).get()
}

/// The VRRP message's checksum is right with `destination` in the pseudo-header.
private func sums(_ p: ParsedPacket, with destination: IPAddress) -> Bool {
    VRRPChecksum.compute(p.message, version: .v3, source: p.source, destination: destination) == 0
}

private func backup(_ mode: UnicastChecksumMode) -> Instance {
    var i = Instance(settings: settings(mode, peers: [peer]))
    _ = i.handle(.start(localAddress: local), now: .origin)
    return i
}

@Suite struct UnicastChecksumTests {
    @Test func theCurrentFormUsesTheDestinationAndTheOldOneTheGroup() throws {
        let current = try advert(old: false), old = try advert(old: true)
        #expect(current.destination == local && old.destination == local)
        #expect(sums(current, with: local) && !sums(current, with: group))
        #expect(sums(old, with: group) && !sums(old, with: local))
    }

    @Test func theOldFormUsesTheConfiguredGlobalGroup() throws {
        var sender = Instance(settings: settings(.old, oldGroup: v4("224.0.0.99")))
        _ = sender.handle(.start(localAddress: peer), now: .origin)
        let made = sender.makeAdvertisement(priority: 100, to: local)
        let bytes = try #require(made)
        let p = try ParsedPacket.parse(InboundPacket(family: .inet, bytes: bytes)).get()
        #expect(sums(p, with: v4("224.0.0.99")) && !sums(p, with: group))
    }

    @Test func undetectedAcceptsBothFormsThenOnlyTheOldOneOnceItWasSeen() throws {
        var b = backup(.detect)
        #expect(b.validate(try advert(old: false)) == nil)
        #expect(!b.oldChecksumDetected)
        let actions = b.handle(.packet(try advert(old: true)), now: .at(.milliseconds(10)))
        #expect(b.oldChecksumDetected && b.counters.advertsReceived == 1)
        #expect(actions.contains { if case .log(let e) = $0 { e.message.contains("old_unicast_checksum") } else { false } })
        #expect(b.validate(try advert(old: true)) == nil)
        #expect(b.validate(try advert(old: false)) == .badChecksum)
    }

    @Test func configuredOldAcceptsOnlyTheOldFormAndNeverOnlyTheCurrentOne() throws {
        let old = backup(.old), never = backup(.never)
        #expect(old.validate(try advert(old: true)) == nil)
        #expect(old.validate(try advert(old: false)) == .badChecksum)
        #expect(never.validate(try advert(old: false)) == nil)
        #expect(never.validate(try advert(old: true)) == .badChecksum)
    }

    @Test func multicastAndVersion2HaveOneFormOnly() throws {
        // Multicast v3: the group is the destination, so both forms are the same; a v2 message has no pseudo-header.
        var s = settings(.old, peers: [])
        var sender = Instance(settings: s)
        _ = sender.handle(.start(localAddress: peer), now: .origin)
        let made = sender.makeAdvertisement(priority: 100, to: group)
        let m = try ParsedPacket.parse(InboundPacket(family: .inet, bytes: try #require(made))).get()
        #expect(sums(m, with: group))
        s.version = .v2
        var v2 = Instance(settings: s)
        _ = v2.handle(.start(localAddress: local), now: .origin)
        #expect(!v2.usesUnicastChecksumCompatibility)
        #expect(v2.checksumForm(m) == nil, "a v3 checksum is not a valid v2 one")
    }

    @Test func aReloadToAConfiguredModeForgetsTheDetection() throws {
        var b = backup(.detect)
        _ = b.handle(.packet(try advert(old: true)), now: .at(.milliseconds(10)))
        #expect(b.oldChecksumDetected)
        var s = b.settings
        s.unicastChecksum = .never
        _ = b.handle(.reconfigure(s), now: .at(.milliseconds(20)))
        #expect(!b.oldChecksumDetected)
        #expect(b.validate(try advert(old: false)) == nil)
    }
}
