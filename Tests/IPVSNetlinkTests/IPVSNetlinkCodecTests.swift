// The IPVS netlink messages without a kernel: what each operation puts on
// the wire, how replies are read, and that malformed replies are refused
// rather than trusted (the kernel's side is covered in the IPVS guest).
import ConfigModel
import IPVS
import Testing
@testable import IPVSNetlink

let family: UInt16 = 0x1d

func bytes(_ op: IPVSOperation) throws -> [UInt8] { try IPVSNetlinkClient.request(for: op, family: family).bytes }

/// Splits a request into its header fields and top-level attributes.
func decode(_ b: [UInt8]) -> (len: Int, type: UInt16, flags: UInt16, cmd: UInt8, version: UInt8, attrs: NetlinkAttributes) {
    func u16(_ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    let len = Int(u16(0)) | Int(u16(2)) << 16
    return (len, u16(4), u16(6), b[16], b[17], NetlinkAttributes(b[20...]))
}

let svc = ServiceKey.address(.tcp, IPAddress("10.0.0.1")!, port: 80)
let svc6 = ServiceKey.address(.udp, IPAddress("2001:db8::1")!, port: 53)
let mark = ServiceKey.fwmark(7, family: .inet6)
let persistent = ServiceSettings(scheduler: "wrr", flags: [.persistent, .scheduler2], timeout: 300, netmask: 0xFFFF_FF00,
                                 persistenceEngine: "sip")

@Suite struct IPVSNetlinkCodecTests {
    @Test func addServiceCarriesEverySettingTheKernelRequires() throws {
        let m = decode(try bytes(.addService(svc, persistent)))
        #expect(m.type == family)
        #expect(m.flags == 0x5)  // NLM_F_REQUEST | NLM_F_ACK
        #expect(m.cmd == 1 && m.version == 1)  // IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION
        let s = try #require(m.attrs.nested(1))
        #expect(s.u16(1) == 2)  // AF_INET
        #expect(s.u16(2) == 6)  // IPPROTO_TCP
        #expect(s.bytes(3) == [10, 0, 0, 1] + [UInt8](repeating: 0, count: 12))
        #expect(s.bytes(4) == [0, 80])  // port, network order
        #expect(s.string(6) == "wrr")
        #expect(s.bytes(7) == [0x11, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])  // flags, mask: every user flag set or cleared
        #expect(s.u32(8) == 300)
        #expect(s.bytes(9) == [255, 255, 255, 0])  // IPv4 netmask in network order
        #expect(s.string(11) == "sip")
    }

    @Test func ipv6NetmaskIsAPrefixLengthAndFwmarkServicesHaveNoAddress() throws {
        let a = try #require(decode(try bytes(.addService(svc6, ServiceSettings(scheduler: "rr", netmask: 64)))).attrs.nested(1))
        #expect(a.u16(1) == 10 && a.u32(9) == 64)
        let f = try #require(decode(try bytes(.deleteService(mark))).attrs.nested(1))
        #expect(f.u16(1) == 10 && f.u32(5) == 7 && f.bytes(3) == nil && f.string(6) == nil)
    }

    @Test func destinationsCarryTheirFamilyAndTunnelOnlyWhenTunnelled() throws {
        let tunnel = DestinationSettings(forwarding: .tunnel, weight: 3, upperThreshold: 9, lowerThreshold: 2,
                                         tunnel: TunnelSettings(kind: .gue, port: 6080, flags: .checksum))
        let m = decode(try bytes(.addDestination(mark, DestinationKey(IPAddress("10.3.0.1")!, 0), tunnel)))
        #expect(m.cmd == 5)
        let d = try #require(m.attrs.nested(2))
        #expect(d.u16(11) == 2)  // an IPv4 server in an IPv6 service: its own family
        #expect(d.u32(3) == 2 && d.u32(4) == 3 && d.u32(5) == 9 && d.u32(6) == 2)
        #expect(d.u8(13) == 1 && d.bytes(14) == [0x17, 0xc0] && d.u16(15) == 1)
        let nat = decode(try bytes(.editDestination(svc, DestinationKey(IPAddress("10.1.0.1")!, 8080),
                                                    DestinationSettings(forwarding: .masquerade, weight: 0))))
        #expect(nat.cmd == 6)
        let n = try #require(nat.attrs.nested(2))
        #expect(n.u32(3) == 0 && n.u32(4) == 0 && n.u8(13) == nil)
        let del = decode(try bytes(.deleteDestination(svc, DestinationKey(IPAddress("10.1.0.1")!, 8080))))
        #expect(del.cmd == 7)
        let dd = try #require(del.attrs.nested(2))
        #expect(dd.bytes(2) == [0x1f, 0x90] && dd.u32(4) == nil)
    }

    @Test func aDumpedServiceAndDestinationReadBackAsWritten() throws {
        let s = try #require(decode(try bytes(.addService(svc, persistent))).attrs.nested(1))
        let parsed = try #require(IPVSNetlinkClient.parseService(s))
        #expect(parsed.key == svc)
        #expect(parsed.settings == persistent)
        let tunnel = DestinationSettings(forwarding: .tunnel, weight: 3, tunnel: TunnelSettings(kind: .gre, port: 0, flags: .checksum))
        let d = try #require(decode(try bytes(.addDestination(svc, DestinationKey(IPAddress("10.3.0.1")!, 80), tunnel))).attrs.nested(2))
        let pd = try #require(IPVSNetlinkClient.parseDestination(d, serviceFamily: .inet))
        #expect(pd.key == DestinationKey(IPAddress("10.3.0.1")!, 80))
        #expect(pd.settings == tunnel)
    }

    @Test func incompleteAttributesAreNotTakenForAService() {
        #expect(IPVSNetlinkClient.parseService(NetlinkAttributes([UInt8]())) == nil)
        // AF_INET and a protocol, but no address or port.
        let partial: [UInt8] = [6, 0, 1, 0, 2, 0, 0, 0, 6, 0, 2, 0, 6, 0, 0, 0]
        #expect(IPVSNetlinkClient.parseService(NetlinkAttributes(partial)) == nil)
        // A 2-byte address for AF_INET.
        let short: [UInt8] = [6, 0, 1, 0, 2, 0, 0, 0, 6, 0, 1, 0, 10, 0, 0, 0, 6, 0, 2, 0, 0, 80, 0, 0]
        #expect(IPVSNetlinkClient.parseDestination(NetlinkAttributes(short), serviceFamily: .inet) == nil)
    }

    @Test func attributesPastTheBufferAreIgnoredNotRead() {
        // One good u32, then an attribute claiming 200 bytes in a 12-byte buffer.
        let a = NetlinkAttributes([8, 0, 4, 0, 1, 0, 0, 0, 200, 0, 5, 0])
        #expect(a.u32(4) == 1)
        #expect(a.bytes(5) == nil)
        #expect(a.u64(4) == nil)  // too short for a u64
    }
}

@Suite struct NetlinkReplyTests {
    func message(type: UInt16, flags: UInt16 = 0, seq: UInt32, body: [UInt8]) -> [UInt8] {
        let len = UInt32(16 + body.count)
        var m = withUnsafeBytes(of: len.littleEndian) { Array($0) }
        m += withUnsafeBytes(of: type.littleEndian) { Array($0) } + withUnsafeBytes(of: flags.littleEndian) { Array($0) }
        m += withUnsafeBytes(of: seq.littleEndian) { Array($0) } + [0, 0, 0, 0] + body
        while m.count % 4 != 0 { m.append(0) }
        return m
    }

    func parse(_ b: [UInt8]) throws -> [NetlinkReply] {
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: b.count, alignment: 8)
        defer { p.deallocate() }
        p.copyBytes(from: b)
        return try GenericNetlinkSocket.parse(UnsafeRawBufferPointer(p))
    }

    @Test func acksErrorsDoneAndDataAreTold() throws {
        let ok = message(type: 2, seq: 7, body: [0, 0, 0, 0] + [UInt8](repeating: 0, count: 16))
        // -EEXIST (17), capped, with an extended-ack message "exists".
        let msgAttr: [UInt8] = [11, 0, 1, 0] + Array("exists".utf8) + [0, 0]
        let err = message(type: 2, flags: 0x300, seq: 8, body: [0xef, 0xff, 0xff, 0xff] + [UInt8](repeating: 0, count: 16) + msgAttr)
        let done = message(type: 3, seq: 9, body: [0, 0, 0, 0])
        let data = message(type: family, seq: 10, body: [4, 1, 0, 0, 8, 0, 4, 0, 42, 0, 0, 0])
        let replies = try parse(ok + err + done + data)
        #expect(replies.count == 4)
        guard case .ack(7, 0, nil) = replies[0] else { Issue.record("\(replies[0])"); return }
        guard case .ack(8, 17, "exists") = replies[1] else { Issue.record("\(replies[1])"); return }
        guard case .done(9) = replies[2] else { Issue.record("\(replies[2])"); return }
        guard case .data(10, 4, let attrs) = replies[3] else { Issue.record("\(replies[3])"); return }
        #expect(NetlinkAttributes(attrs).u32(4) == 42)
    }

    @Test(arguments: [
        ("a length beyond the datagram", [UInt8]([200, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
        ("a length below the header", [UInt8]([8, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])),
        ("an error message without its errno", [UInt8]([16, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])),
        ("a data message without its generic header", [UInt8]([18, 0, 0, 0, 0x1d, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0])),
    ])
    func malformedRepliesAreRefused(_ c: (String, [UInt8])) {
        #expect(throws: GenericNetlinkError.self, "\(c.0)") { _ = try parse(c.1) }
    }

    @Test func errnosMapToTypedErrors() {
        #expect(GenericNetlinkError(errno: 105) == .noBufferSpace)   // ENOBUFS
        #expect(GenericNetlinkError(errno: 17) == .exists)           // EEXIST
        #expect(GenericNetlinkError(errno: 2) == .notFound)          // ENOENT
        #expect(GenericNetlinkError(errno: 3) == .notFound)          // ESRCH
        #expect(GenericNetlinkError(errno: 1) == .permissionDenied)  // EPERM
        #expect(GenericNetlinkError(errno: 22, message: "bad") == .invalidArgument("bad"))
        #expect(GenericNetlinkError(errno: 34) == .kernel(errno: 34, message: nil))  // ERANGE
        #expect(GenericNetlinkError.permissionDenied.description.contains("CAP_NET_ADMIN"))
    }
}
