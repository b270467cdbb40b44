// Builds the bytes of outgoing adverts: for IPv4 the whole packet (keepalived
// writes its own IP header with IP_HDRINCL), for IPv6 the VRRP message (the
// kernel writes the IPv6 header). The message template is built once; each
// send patches priority, ID, sequence and checksums in place.
import ConfigModel

public struct AdvertEncoder: Sendable {
    public let version: VRRPVersion
    public let family: AddressFamily
    private let authentication: Authentication
    private let unicastTTL: UInt8
    /// The VRRP message with priority and checksum to be patched.
    private var message: [UInt8]
    /// The last IPv4 identification used; keepalived's counter skips 0.
    public private(set) var ipIdentification: UInt16 = 0

    public init(settings s: InstanceSettings) {
        version = s.version
        family = s.family
        authentication = s.authentication
        unicastTTL = s.unicastTTL
        var authData: [UInt8] = []
        if case .password(let p) = s.authentication { authData = p }
        let adv = Advertisement(version: s.version, vrid: s.vrid, priority: s.priority,
                                addresses: s.advertisedAddresses, interval: s.advertIntervalField,
                                authType: s.version == .v2 ? s.authentication.type.rawValue : 0,
                                authData: authData)
        message = adv.encoded()
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

    /// One advert to `destination`. `ahSequence` is the AH sequence number to
    /// carry (the instance owns that counter because receive shares it).
    public mutating func encode(priority: UInt8, source: IPAddress, destination: IPAddress,
                                ahSequence: UInt32 = 0) -> [UInt8] {
        message[2] = priority
        message[6] = 0
        message[7] = 0
        let sum = VRRPChecksum.compute(message, version: version, source: source, destination: destination)
        message[6] = UInt8(sum >> 8)
        message[7] = UInt8(truncatingIfNeeded: sum)
        guard case .v4(let src) = source, case .v4(let dst) = destination else { return message }

        let isAH: Bool
        if case .ipsecAH = authentication { isAH = true } else { isAH = false }
        let total = IPv4Header.length + (isAH ? AuthenticationHeader.length : 0) + message.count
        let unicast = !destination.isMulticast
        var ip = IPv4Header(totalLength: UInt16(total), identification: nextIdentification(),
                            protocolNumber: isAH ? VRRPWire.protocolAH : VRRPWire.protocolVRRP,
                            source: src, destination: dst, ttl: unicast ? unicastTTL : VRRPWire.ttl)
        var out: [UInt8] = []
        out.reserveCapacity(total)
        ip = ip.withChecksum()
        ip.encode(into: &out)
        if case .ipsecAH(let key) = authentication {
            var ah = AuthenticationHeader(spi: src.value, sequence: ahSequence)
            ah.icv = AuthenticationHeader.icv(key: key, ipHeader: ip, ah: ah, message: message[...], zeroTTL: unicast)
            ah.encode(into: &out)
        }
        out += message
        return out
    }
}
