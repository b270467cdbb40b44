// Every reject reason, each provoked by one defect in an otherwise valid
// advert, and every drop decided before the instance is known.
import ConfigModel
import Testing
@testable import VRRP

private let local = v4("10.0.0.2")
private let peer = v4("10.0.0.1")
private let group = v4("224.0.0.18")
private let pass = Array("secret12".utf8)

private func settings(_ name: String = "VI", auth: Authentication = .none, version: VRRPVersion = .v2,
                      vips: [String] = ["10.0.0.100"], interval: Duration = .seconds(1),
                      peers: [UnicastPeer] = [], checkSource: Bool = false, unicastTTL: UInt8 = 255) -> InstanceSettings {
    InstanceSettings(name: name, vrid: 7, version: version, advertInterval: interval, authentication: auth,
                     unicastPeers: peers, unicastTTL: unicastTTL, checkUnicastSource: checkSource,
                     virtualAddresses: vips.map(vip))
}

/// One advert from `peer` as an instance with settings `s` would send it.
private func advert(_ s: InstanceSettings, priority: UInt8 = 100, to dst: IPAddress = group,
                    sequence: UInt32 = 1) -> [UInt8] {
    var e = AdvertEncoder(settings: s)
    return e.encode(priority: priority, source: peer, destination: dst, ahSequence: sequence)
}

private func parsed(_ bytes: [UInt8]) -> ParsedPacket? {
    try? ParsedPacket.parse(InboundPacket(family: .inet, bytes: bytes)).get()
}

private func mutate(_ b: [UInt8], _ f: (inout [UInt8]) -> Void) -> [UInt8] {
    var c = b
    f(&c)
    return c
}

/// An AH advert whose SPI is not its source, with a correct ICV over that SPI.
private func ahAdvertWithSPI(_ spi: UInt32) -> [UInt8] {
    let s = settings(auth: .ipsecAH(key: pass))
    var msg = Advertisement(version: .v2, vrid: 7, priority: 100, addresses: [v4("10.0.0.100")], interval: 1,
                            authType: 2).encoded(source: peer, destination: group)
    _ = s
    var ip = IPv4Header(totalLength: UInt16(20 + 24 + msg.count), identification: 1, protocolNumber: 51,
                        source: IPv4Address("10.0.0.1")!, destination: IPv4Address("224.0.0.18")!)
    ip = ip.withChecksum()
    var ah = AuthenticationHeader(spi: spi, sequence: 9)
    ah.icv = AuthenticationHeader.icv(key: pass, ipHeader: ip, ah: ah, message: msg[...], zeroTTL: false)
    var out: [UInt8] = []
    ip.encode(into: &out)
    ah.encode(into: &out)
    out += msg
    msg.removeAll()
    return out
}

@Suite struct RejectReasonTests {
    static let plain = settings()
    static let withPass = settings(auth: .password(pass))
    static let withAH = settings(auth: .ipsecAH(key: pass))
    static let unicastPeers = [UnicastPeer(address: peer)]

    struct Case: CustomStringConvertible, Sendable {
        var reason: RejectReason
        var receiver: InstanceSettings
        var packet: [UInt8]
        var description: String { "\(reason)" }
    }

    static let cases: [Case] = {
        var peerWithTTL = UnicastPeer(address: peer)
        peerWithTTL.minTtl = 250
        let base = advert(plain)
        return [
            Case(reason: .unexpectedAH, receiver: withPass, packet: advert(withAH)),
            Case(reason: .missingAH, receiver: withAH, packet: advert(plain)),
            Case(reason: .lengthMismatch, receiver: plain, packet: base + [0]),
            Case(reason: .lengthMismatch, receiver: plain, packet: Array(base.dropLast(4))),
            Case(reason: .wrongTTL, receiver: plain, packet: mutate(base) { $0[8] = 64 }),
            Case(reason: .wrongVersion, receiver: plain, packet: mutate(base) { $0[20] = 0x31 }),
            Case(reason: .invalidAuthType, receiver: plain, packet: mutate(base) { $0[24] = 7 }),
            Case(reason: .authTypeMismatch, receiver: withPass, packet: base),
            Case(reason: .authFailure, receiver: withPass, packet: advert(settings(auth: .password(Array("wrongpw!".utf8))))),
            Case(reason: .ahICVMismatch, receiver: withAH, packet: mutate(advert(withAH)) { $0[40] ^= 1 }),
            Case(reason: .ahSPIMismatch, receiver: withAH, packet: ahAdvertWithSPI(0x0A00_0063)),
            Case(reason: .advertIntervalMismatch, receiver: plain, packet: advert(settings(interval: .seconds(2)))),
            Case(reason: .wrongType, receiver: plain, packet: mutate(base) { $0[20] = 0x22 }),
            Case(reason: .addressCountMismatch, receiver: plain, packet: advert(settings(vips: ["10.0.0.100", "10.0.0.101"]))),
            Case(reason: .ipLengthMismatch, receiver: plain, packet: mutate(base) { $0[3] &+= 4 }),
            Case(reason: .badChecksum, receiver: plain, packet: mutate(base) { $0[27] ^= 0xFF }),
            Case(reason: .destinationMismatch, receiver: plain, packet: advert(plain, to: v4("224.0.0.19"))),
            Case(reason: .destinationMismatch, receiver: settings(peers: unicastPeers), packet: base),
            Case(reason: .addressListMismatch, receiver: plain, packet: advert(settings(vips: ["10.0.0.101"]))),
            Case(reason: .unknownUnicastPeer, receiver: settings(peers: [UnicastPeer(address: v4("10.0.0.9"))], checkSource: true),
                 packet: advert(plain, to: local)),
            Case(reason: .unicastTTLOutOfRange, receiver: settings(peers: [peerWithTTL], checkSource: true),
                 packet: advert(settings(peers: unicastPeers, unicastTTL: 200), to: local)),
        ]
    }()

    @Test(arguments: cases)
    func eachDefectIsRejectedForItsReasonAndCountedOnce(_ c: Case) throws {
        let p = try #require(parsed(c.packet))
        var inst = Instance(settings: c.receiver)
        _ = inst.handle(.start(localAddress: local), now: .origin)
        #expect(inst.validate(p) == c.reason)
        let actions = inst.handle(.packet(p), now: .at(.milliseconds(10)))
        #expect(inst.counters.rejected[c.reason] == 1)
        #expect(inst.counters.rejected.total == 1)
        #expect(inst.counters.advertsReceived == 0)
        // A rejected packet changes nothing: no timer, no transition, only a log line.
        #expect(actions.allSatisfy { if case .log = $0 { return true } else { return false } })
        #expect(inst.state == .backup)
    }

    @Test func everyRejectReasonHasATableRow() {
        let covered = Set(Self.cases.map(\.reason) + [.ahReplay])
        #expect(covered == Set(RejectReason.allCases))
    }

    @Test func ahSequenceMustBeStrictlyGreaterThanTheLastAccepted() throws {
        var inst = Instance(settings: Self.withAH)
        _ = inst.handle(.start(localAddress: local), now: .origin)
        let five = try #require(parsed(advert(Self.withAH, sequence: 5)))
        _ = inst.handle(.packet(five), now: .origin)
        #expect(inst.counters.advertsReceived == 1 && inst.ahSequence == 5)
        for seq: UInt32 in [5, 3] {
            let p = try #require(parsed(advert(Self.withAH, sequence: seq)))
            #expect(inst.validate(p) == .ahReplay)
        }
        let six = try #require(parsed(advert(Self.withAH, sequence: 6)))
        #expect(inst.validate(six) == nil)
    }

    @Test func aBackupThatTakesOverContinuesTheAHSequenceAboveTheOldMasters() throws {
        var inst = Instance(settings: Self.withAH)
        _ = inst.handle(.start(localAddress: local), now: .origin)
        _ = inst.handle(.packet(try #require(parsed(advert(Self.withAH, sequence: 41)))), now: .origin)
        let sent = inst.makeAdvertisement(priority: 100, to: group)
        #expect(sent.flatMap(parsed)?.ah?.sequence == 42)
    }

    @Test func repeatedRejectsAreLoggedAtARateLimit() throws {
        var inst = Instance(settings: Self.plain)
        _ = inst.handle(.start(localAddress: local), now: .origin)
        let badBytes = mutate(advert(Self.plain)) { $0[27] ^= 0xFF }
        let bad = try #require(parsed(badBytes))
        var logs = 0
        for i in 0..<100 {
            let actions = inst.handle(.packet(bad), now: .at(.milliseconds(Int64(i) * 10)))
            logs += actions.count
        }
        #expect(inst.counters.rejected[.badChecksum] == 100)
        #expect(logs == 1)
        let later = inst.handle(.packet(bad), now: .at(.seconds(11)))
        guard case .log(let entry)? = later.first else { Issue.record("no log line after the interval"); return }
        #expect(entry.message.contains("99 more suppressed"))
    }

    @Test func passwordsAreComparedOverAllEightBytes() throws {
        let short = settings(auth: .password(Array("abc".utf8) + [0, 0, 0, 0, 0]))
        let longer = settings(auth: .password(Array("abcd".utf8) + [0, 0, 0, 0]))
        var inst = Instance(settings: short)
        _ = inst.handle(.start(localAddress: local), now: .origin)
        #expect(inst.validate(try #require(parsed(advert(longer)))) == .authFailure)
        #expect(inst.validate(try #require(parsed(advert(short)))) == nil)
    }
}

@Suite struct DropReasonTests {
    @Test func packetsThatAreNotVRRPAreDroppedBeforeTheInstanceLookup() {
        let good = advert(settings())
        let table: [(String, InboundPacket, DropReason)] = [
            ("short of an IP header", InboundPacket(family: .inet, bytes: Array(good.prefix(19))), .truncated),
            ("short of a VRRP header", InboundPacket(family: .inet, bytes: Array(good.prefix(24))), .truncated),
            ("IPv6 version nibble", InboundPacket(family: .inet, bytes: mutate(good) { $0[0] = 0x65 }), .malformedIPHeader),
            ("header length 16", InboundPacket(family: .inet, bytes: mutate(good) { $0[0] = 0x44 }), .malformedIPHeader),
            ("header length beyond the packet", InboundPacket(family: .inet, bytes: mutate(good) { $0[0] = 0x4F }), .malformedIPHeader),
            ("UDP", InboundPacket(family: .inet, bytes: mutate(good) { $0[9] = 17 }), .notVRRP),
            ("AH carrying TCP", InboundPacket(family: .inet, bytes: mutate(advert(settings(auth: .ipsecAH(key: pass))))
                { $0[20] = 6 }), .ahNextHeaderNotVRRP),
            ("AH cut short", InboundPacket(family: .inet, bytes: Array(advert(settings(auth: .ipsecAH(key: pass))).prefix(30))), .truncated),
            ("IPv6 without metadata", InboundPacket(family: .inet6, bytes: [0x31, 1, 2, 3, 4, 5, 6, 7]), .missingMetadata),
            ("IPv6 short message", InboundPacket(family: .inet6, bytes: [0x31, 1], source: IPAddress("fe80::1"),
                                                  destination: IPAddress("ff02::12"), hopLimit: 255), .truncated),
        ]
        for (name, packet, reason) in table {
            switch ParsedPacket.parse(packet) {
            case .success: Issue.record("\(name): accepted")
            case .failure(let r): #expect(r == reason, "\(name)")
            }
        }
    }

    @Test func arbitraryBytesNeverTrapTheParserOrTheValidator() {
        var rng = SplitMix64(seed: 0x5EED)
        var inst = Instance(settings: settings(auth: .ipsecAH(key: pass)))
        _ = inst.handle(.start(localAddress: local), now: .origin)
        var plainInst = Instance(settings: settings(version: .v3))
        _ = plainInst.handle(.start(localAddress: local), now: .origin)
        let seeds = [advert(settings()), advert(settings(auth: .ipsecAH(key: pass))), advert(settings(version: .v3))]
        for i in 0..<20_000 {
            var bytes = seeds[i % seeds.count]
            let edits = Int(rng.next() % 6)
            for _ in 0..<edits {
                let pos = Int(rng.next() % UInt64(bytes.count + 1))
                switch rng.next() % 3 {
                case 0: if pos < bytes.count { bytes[pos] = UInt8(truncatingIfNeeded: rng.next()) }
                case 1: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: pos)
                default: if pos < bytes.count { bytes.removeSubrange(pos...) }
                }
            }
            if case .success(let p) = ParsedPacket.parse(InboundPacket(family: .inet, bytes: bytes)) {
                _ = inst.handle(.packet(p), now: .origin)
                _ = plainInst.handle(.packet(p), now: .origin)
                _ = p.advertisement()
            }
        }
    }
}

/// A small deterministic generator for the property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
