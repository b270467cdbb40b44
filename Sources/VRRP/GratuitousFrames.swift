// Ethernet frames announcing a virtual address (reference §4.5), byte for
// byte as keepalived sends them on an AF_PACKET socket: gratuitous ARP
// requests for IPv4 and unsolicited neighbour advertisements for IPv6.
import ConfigModel

public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }
    public static let broadcast = MACAddress(unchecked: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// RFC 5798 §7.3: the VRRP virtual MAC 00-00-5E-00-01-{VRID} (IPv6: 00-00-5E-00-02-{VRID}).
    public static func virtualRouter(vrid: UInt8, family: AddressFamily) -> MACAddress {
        MACAddress(unchecked: [0x00, 0x00, 0x5E, 0x00, family == .inet ? 0x01 : 0x02, vrid])
    }

    public var description: String {
        bytes.map { b in
            let h = String(b, radix: 16)
            return h.count == 1 ? "0" + h : h
        }.joined(separator: ":")
    }
}

public enum GratuitousFrames {
    public static let etherTypeARP: UInt16 = 0x0806
    public static let etherTypeIPv6: UInt16 = 0x86DD

    /// Gratuitous ARP: an ARP request (op 1) from the VIP to itself, target MAC
    /// ff:ff:ff:ff:ff:ff as keepalived sends it, to the Ethernet broadcast.
    public static func arp(vip: IPv4Address, mac: MACAddress) -> [UInt8] {
        var f: [UInt8] = []
        f.reserveCapacity(42)
        f += MACAddress.broadcast.bytes
        f += mac.bytes
        f += [UInt8(etherTypeARP >> 8), UInt8(etherTypeARP & 0xFF)]
        f += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]  // Ethernet, IPv4, hlen, plen, request
        f += mac.bytes
        f += vip.bytes
        f += MACAddress.broadcast.bytes
        f += vip.bytes
        return f
    }

    /// Unsolicited neighbour advertisement (RFC 4861 §7.2.6): from the VIP to
    /// all-nodes ff02::1, hop limit 255, Override set, target link-layer option.
    public static func neighborAdvertisement(vip: IPv6Address, mac: MACAddress) -> [UInt8] {
        let allNodes = IPv6Address(high: 0xFF02_0000_0000_0000, low: 1)
        var icmp: [UInt8] = [136, 0, 0, 0, 0x20, 0, 0, 0]  // type NA, code 0, checksum, flags O=1
        icmp += vip.bytes
        icmp += [2, 1] + mac.bytes  // option 2: target link-layer address, 8 bytes
        var c = InternetChecksum()
        c.add(vip.bytes)
        c.add(allNodes.bytes)
        c.add(word32: UInt32(icmp.count))
        c.add(word32: 58)
        c.add(icmp)
        let sum = c.value
        icmp[2] = UInt8(sum >> 8)
        icmp[3] = UInt8(sum & 0xFF)

        var f: [UInt8] = []
        f.reserveCapacity(14 + 40 + icmp.count)
        f += [0x33, 0x33, 0x00, 0x00, 0x00, 0x01]  // RFC 2464 §7: 33:33 + low 32 bits of ff02::1
        f += mac.bytes
        f += [UInt8(etherTypeIPv6 >> 8), UInt8(etherTypeIPv6 & 0xFF)]
        f += [0x60, 0, 0, 0]
        f += [UInt8(icmp.count >> 8), UInt8(icmp.count & 0xFF), 58, 255]
        f += vip.bytes
        f += allNodes.bytes
        f += icmp
        return f
    }

    /// The frames of one round for a list of addresses, in configuration order.
    public static func round(for addresses: [AddressEntry], mac: MACAddress) -> [[UInt8]] {
        addresses.map { a in
            switch a.prefix.address {
            case .v4(let v4): return arp(vip: v4, mac: mac)
            case .v6(let v6): return neighborAdvertisement(vip: v6, mac: mac)
            }
        }
    }

    /// `rounds` rounds interleaved per address, as keepalived sends a burst
    /// (A, B, A, B, ...).
    public static func burst(for addresses: [AddressEntry], mac: MACAddress, rounds: Int) -> [[UInt8]] {
        let one = round(for: addresses, mac: mac)
        var out: [[UInt8]] = []
        out.reserveCapacity(one.count * max(0, rounds))
        for _ in 0..<max(0, rounds) { out += one }
        return out
    }
}
