// Golden bytes: keepalived's captured adverts decode to the values its
// configuration implies, and our encoder reproduces them byte for byte.
import ConfigModel
import Testing
@testable import VRRP

private let sender = v4("10.99.0.1")
private let group = v4("224.0.0.18")
private let linkLocal = IPAddress("fe80::ac99:29ff:fefd:37fa")!
private let group6 = IPAddress("ff02::12")!

private func key(_ s: String) -> [UInt8] { Array(s.utf8) + [UInt8](repeating: 0, count: 8 - s.utf8.count) }

@Suite struct GoldenFrameTests {
    @Test func v2PasswordAdvertDecodesToItsConfiguration() throws {
        let bytes = Capture.ipPacket(Capture.v2Pass)
        let p = try ParsedPacket.parse(InboundPacket(family: .inet, bytes: bytes)).get()
        let ip = try #require(p.ipHeader)
        #expect(ip.tos == 0xC0 && ip.ttl == 255 && ip.identification == 1 && ip.fragmentField == 0)
        #expect(ip.protocolNumber == 112 && ip.totalLength == 44)
        #expect(p.source == sender && p.destination == group)
        let adv = try #require(p.advertisement())
        #expect(adv.version == .v2 && adv.type == 1 && adv.vrid == 51 && adv.priority == 150)
        #expect(adv.addresses == [v4("10.99.0.100"), v4("10.99.0.101")])
        #expect(adv.authType == 1 && adv.interval == 1 && adv.checksum == 0xC4BB)
        #expect(adv.authData == Array("secret12".utf8))
    }

    @Test func v2PasswordAdvertsReencodeByteForByte() {
        let s = InstanceSettings(name: "VI", vrid: 51, priority: 150, authentication: .password(key("secret12")),
                                 virtualAddresses: [vip("10.99.0.100/24"), vip("10.99.0.101/24")])
        var e = AdvertEncoder(settings: s)
        #expect(e.encode(priority: 150, source: sender, destination: group) == Capture.ipPacket(Capture.v2Pass))
        #expect(e.encode(priority: 0, source: sender, destination: group)
                == Capture.ipPacket(Capture.v2PassPriorityZero))
    }

    @Test func v3IPv4AdvertsReencodeByteForByte() throws {
        let s = InstanceSettings(name: "VI", vrid: 52, version: .v3, priority: 200,
                                 virtualAddresses: [vip("10.99.0.110"), vip("10.99.0.111")])
        var e = AdvertEncoder(settings: s)
        for frame in Capture.v3 {
            #expect(e.encode(priority: 200, source: sender, destination: group) == Capture.ipPacket(frame))
        }
        #expect(e.encode(priority: 0, source: sender, destination: group) == Capture.ipPacket(Capture.v3PriorityZero))
        let adv = try #require(try ParsedPacket.parse(InboundPacket(family: .inet, bytes: Capture.ipPacket(Capture.v3[0]))).get().advertisement())
        #expect(adv.version == .v3 && adv.vrid == 52 && adv.priority == 200 && adv.interval == 100)
        #expect(adv.checksum == 0x05CB && adv.authData.isEmpty)
    }

    @Test func v2AHAdvertsCarryKeepalivedsICVForEverySequenceNumber() throws {
        let s = InstanceSettings(name: "VI", vrid: 53, priority: 150, authentication: .ipsecAH(key: key("secret12")),
                                 virtualAddresses: [vip("10.99.0.120")])
        var e = AdvertEncoder(settings: s)
        for (i, frame) in Capture.v2AH.enumerated() {
            let prio: UInt8 = i == 5 ? 0 : 150
            #expect(e.encode(priority: prio, source: sender, destination: group, ahSequence: UInt32(i + 1))
                    == Capture.ipPacket(frame), "sequence \(i + 1)")
        }
        let p = try ParsedPacket.parse(InboundPacket(family: .inet, bytes: Capture.ipPacket(Capture.v2AH[0]))).get()
        let ah = try #require(p.ah)
        #expect(ah.nextHeader == 112 && ah.payloadLength == 4 && ah.spi == 0x0A63_0001 && ah.sequence == 1)
        #expect(ah.icv.bytes == hex("943ce1f1a1dbcf0a752b553d"))
        #expect(p.ipHeader?.protocolNumber == 51 && p.ipHeader?.totalLength == 64)
        #expect(p.advertisement()?.authType == 2 && p.advertisement()?.checksum == 0x3BED)
    }

    @Test func v3IPv6AdvertsReencodeWithThePseudoHeaderChecksum() throws {
        let s = InstanceSettings(name: "VI", vrid: 54, version: .v3, family: .inet6, priority: 200,
                                 virtualAddresses: [vip("fd00:99::100/128")])
        var e = AdvertEncoder(settings: s)
        #expect(e.encode(priority: 200, source: linkLocal, destination: group6) == Capture.ipv6Payload(Capture.v3IPv6))
        #expect(e.encode(priority: 0, source: linkLocal, destination: group6)
                == Capture.ipv6Payload(Capture.v3IPv6PriorityZero))
        let frame = hex(Capture.v3IPv6)
        #expect(frame[14] >> 4 == 6 && frame[14 + 7] == 255 && frame[14 + 6] == 112)
        let p = try ParsedPacket.parse(InboundPacket(family: .inet6, bytes: Capture.ipv6Payload(Capture.v3IPv6),
                                                      source: linkLocal, destination: group6, hopLimit: 255)).get()
        let adv = try #require(p.advertisement())
        #expect(adv.addresses == [IPAddress("fd00:99::100")!] && adv.checksum == 0xFC1A && adv.interval == 100)
    }

    @Test func ownerAdvertsCountTheIPIdentificationAndSkipZero() {
        let s = InstanceSettings(name: "VI", vrid: 55, priority: 255, virtualAddresses: [vip("10.99.0.130")])
        var e = AdvertEncoder(settings: s)
        for frame in Capture.owner {
            #expect(e.encode(priority: 255, source: sender, destination: group) == Capture.ipPacket(frame))
        }
        #expect(e.encode(priority: 0, source: sender, destination: group) == Capture.ipPacket(Capture.ownerPriorityZero))
        for _ in 0..<(65535 - 8) { _ = e.encode(priority: 255, source: sender, destination: group) }
        #expect(e.ipIdentification == 65535)
        _ = e.encode(priority: 255, source: sender, destination: group)
        #expect(e.ipIdentification == 1)
    }

    @Test func gratuitousARPFramesMatchTheCapture() {
        let mac = MACAddress(Capture.mac)!
        #expect(GratuitousFrames.arp(vip: IPv4Address("10.99.0.100")!, mac: mac) == hex(Capture.garp100))
        let burst = GratuitousFrames.burst(for: [vip("10.99.0.100/24"), vip("10.99.0.101/24")], mac: mac, rounds: 5)
        #expect(burst.count == 10)
        #expect(burst[0] == hex(Capture.garp100) && burst[1] == hex(Capture.garp101) && burst[2] == hex(Capture.garp100))
        let vmac = MACAddress.virtualRouter(vrid: 55, family: .inet)
        #expect(GratuitousFrames.arp(vip: IPv4Address("10.99.0.130")!, mac: vmac) == hex(Capture.vmacGarp))
    }

    @Test func unsolicitedNeighbourAdvertisementMatchesTheCapture() {
        let frame = GratuitousFrames.neighborAdvertisement(vip: IPv6Address("fd00:99::100")!, mac: MACAddress(Capture.mac)!)
        #expect(frame == hex(Capture.unsolicitedNA))
    }

    @Test func everyCapturedAdvertPassesValidationByTheMatchingInstance() throws {
        let cases: [(InstanceSettings, [String])] = [
            (InstanceSettings(name: "pass", vrid: 51, priority: 100, authentication: .password(key("secret12")),
                              virtualAddresses: [vip("10.99.0.100"), vip("10.99.0.101")]),
             [Capture.v2Pass, Capture.v2PassPriorityZero]),
            (InstanceSettings(name: "v3", vrid: 52, version: .v3, virtualAddresses: [vip("10.99.0.110"), vip("10.99.0.111")]),
             Capture.v3 + [Capture.v3PriorityZero]),
            (InstanceSettings(name: "ah", vrid: 53, authentication: .ipsecAH(key: key("secret12")),
                              virtualAddresses: [vip("10.99.0.120")]), Capture.v2AH),
            (InstanceSettings(name: "owner", vrid: 55, virtualAddresses: [vip("10.99.0.130")]),
             Capture.owner + [Capture.ownerPriorityZero]),
        ]
        for (settings, frames) in cases {
            var inst = Instance(settings: settings)
            _ = inst.handle(.start(localAddress: v4("10.99.0.2")), now: .origin)
            for f in frames {
                let p = try ParsedPacket.parse(InboundPacket(family: .inet, bytes: Capture.ipPacket(f))).get()
                #expect(inst.validate(p) == nil, "\(settings.name)")
                _ = inst.handle(.packet(p), now: .origin)
            }
            #expect(inst.counters.advertsReceived == UInt64(frames.count), "\(settings.name)")
            #expect(inst.counters.rejected.total == 0)
        }
    }
}

@Suite struct DigestTests {
    @Test func md5MatchesTheRFC1321TestSuite() {
        let vectors: [(String, String)] = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (input, digest) in vectors { #expect(MD5.digest(Array(input.utf8)) == hex(digest), "\(input)") }
    }

    @Test func hmacMD5MatchesTheRFC2104Examples() {
        #expect(HMACMD5.authenticate(Array("Hi There".utf8), key: [UInt8](repeating: 0x0B, count: 16))
                == hex("9294727a3638bb1c13f48ef8158bfc9d"))
        #expect(HMACMD5.authenticate(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
                == hex("750c783e6ab0b503eaa86e310a5db738"))
        #expect(HMACMD5.authenticate([UInt8](repeating: 0xDD, count: 50), key: [UInt8](repeating: 0xAA, count: 16))
                == hex("56be34521d144c88dbb8c733f0e8b3f6"))
        // RFC 2202 test 6: a key longer than the block is hashed first.
        #expect(HMACMD5.authenticate(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                                     key: [UInt8](repeating: 0xAA, count: 80))
                == hex("6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"))
    }
}
