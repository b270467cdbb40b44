// Builds the bytes of outgoing adverts: for IPv4 the whole packet (keepalived
// writes its own IP header with IP_HDRINCL), for IPv6 the VRRP message (the
// kernel writes the IPv6 header). The packet is built once; each send
// patches priority, checksums, the IP header's ID, TTL and destination, and
// AH's sequence and ICV in place, so sending allocates nothing (STYLE.md §4).
import ConfigModel

public struct AdvertEncoder: Sendable {
    public let version: VRRPVersion
    public let family: AddressFamily
    private let ahKey: HMACMD5.Key?
    private let unicastTTL: UInt8
    /// IPv4: header, AH header when used, message. IPv6: the message.
    private var packet: [UInt8]
    /// Where the VRRP message starts in `packet`.
    private let messageOffset: Int
    /// The last IPv4 identification used; keepalived's counter skips 0.
    public private(set) var ipIdentification: UInt16 = 0

    public init(settings s: InstanceSettings) {
        version = s.version
        family = s.family
        unicastTTL = s.unicastTTL
        var authData: [UInt8] = []
        if case .password(let p) = s.authentication { authData = p }
        if case .ipsecAH(let key) = s.authentication { ahKey = HMACMD5.Key(key) } else { ahKey = nil }
        let adv = Advertisement(version: s.version, vrid: s.vrid, priority: s.priority,
                                addresses: s.advertisedAddresses, interval: s.advertIntervalField,
                                authType: s.version == .v2 ? s.authentication.type.rawValue : 0,
                                authData: authData)
        let message = adv.encoded()
        if s.family == .inet {
            messageOffset = IPv4Header.length + (ahKey != nil ? AuthenticationHeader.length : 0)
            packet = [UInt8](repeating: 0, count: messageOffset) + message
        } else {
            messageOffset = 0
            packet = message
        }
    }

    /// Keeps the IP identification counter across a reload that rebuilds the encoder.
    public mutating func continueIdentification(from previous: AdvertEncoder) {
        ipIdentification = previous.ipIdentification
    }

    /// The next IPv4 identification: incremented per advert, never 0.
    private mutating func nextIdentification() -> UInt16 {
        ipIdentification &+= 1
        if ipIdentification == 0 { ipIdentification = 1 }
        return ipIdentification
    }

    /// One advert to `destination`, handed to `body` as bytes valid during the call.
    /// `checksumDestination` is the address the v3 pseudo-header uses when it
    /// is not `destination` (old_unicast_checksum: the multicast group).
    /// `ahSequence` is the AH sequence number to carry (the instance owns that
    /// counter because receive shares it).
    public mutating func withEncoded<R>(priority: UInt8, source: IPAddress, destination: IPAddress,
                                        checksumDestination: IPAddress? = nil, ahSequence: UInt32 = 0,
                                        _ body: (UnsafeRawBufferPointer) -> R) -> R {
        patch(priority: priority, source: source, destination: destination,
              checksumDestination: checksumDestination ?? destination, ahSequence: ahSequence)
        let start = family == .inet && !isIPv4(source, destination) ? messageOffset : 0
        return packet.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }

    /// The same as bytes (tests and golden frames).
    public mutating func encode(priority: UInt8, source: IPAddress, destination: IPAddress,
                                checksumDestination: IPAddress? = nil, ahSequence: UInt32 = 0) -> [UInt8] {
        withEncoded(priority: priority, source: source, destination: destination,
                    checksumDestination: checksumDestination, ahSequence: ahSequence) { Array($0) }
    }

    private func isIPv4(_ a: IPAddress, _ b: IPAddress) -> Bool {
        if case .v4 = a, case .v4 = b { return true }
        return false
    }

    private mutating func patch(priority: UInt8, source: IPAddress, destination: IPAddress,
                                checksumDestination: IPAddress, ahSequence: UInt32) {
        let m = messageOffset
        packet[m + 2] = priority
        packet[m + 6] = 0
        packet[m + 7] = 0
        let sum = VRRPChecksum.compute(packet[m...], version: version, source: source, destination: checksumDestination)
        packet[m + 6] = UInt8(sum >> 8)
        packet[m + 7] = UInt8(truncatingIfNeeded: sum)
        guard case .v4(let src) = source, case .v4(let dst) = destination else { return }

        let unicast = !destination.isMulticast
        var ip = IPv4Header(totalLength: UInt16(packet.count), identification: nextIdentification(),
                            protocolNumber: ahKey != nil ? VRRPWire.protocolAH : VRRPWire.protocolVRRP,
                            source: src, destination: dst, ttl: unicast ? unicastTTL : VRRPWire.ttl)
        ip = ip.withChecksum()
        ip.withBytes { b in for i in 0..<IPv4Header.length { packet[i] = b[i] } }
        if let key = ahKey {
            var ah = AuthenticationHeader(spi: src.value, sequence: ahSequence)
            ah.icv = AuthenticationHeader.icv(key: key, ipHeader: ip, ah: ah, message: packet[m...], zeroTTL: unicast)
            ah.withBytes { b in for i in 0..<AuthenticationHeader.length { packet[IPv4Header.length + i] = b[i] } }
        }
    }
}
