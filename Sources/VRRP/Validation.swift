// Receive validation in keepalived 2.2.7's order (reference §4.3). The first
// failing check names the reason; a packet that fails is dropped and counted
// by the caller and changes nothing else (the down timer runs on).
import ConfigModel

extension Instance {
    /// nil when the packet is a valid advert for this instance.
    public func validate(_ p: ParsedPacket) -> RejectReason? {
        let s = settings
        let bytes = p.bytes
        let m = p.messageOffset

        // 1. AH present exactly when the instance uses AH.
        let usesAH: Bool
        if case .ipsecAH = s.authentication { usesAH = true } else { usesAH = false }
        if p.ah != nil && !usesAH { return .unexpectedAH }
        if p.ah == nil && usesAH { return .missingAH }

        // 2. The length must be exactly headers + message for the advertised count.
        let expected = m + VRRPWire.messageLength(version: s.version, family: s.family, count: p.addressCount)
        if bytes.count != expected { return .lengthMismatch }

        // 3. Multicast adverts must arrive with TTL / hop limit 255 (RFC 3768 §7.1).
        if !s.isUnicast && p.ttl != VRRPWire.ttl { return .wrongTTL }

        // 4. Version.
        if p.versionNibble != s.version.rawValue { return .wrongVersion }

        // 5. v2: authentication, then the advert interval must equal ours.
        if s.version == .v2 {
            let authByte = bytes[m + 4]
            guard let received = AuthenticationType(rawValue: authByte) else { return .invalidAuthType }
            if received != s.authentication.type { return .authTypeMismatch }
            switch s.authentication {
            case .none:
                break
            case .password(let pass):
                let start = m + VRRPWire.headerLength + p.addressCount * VRRPWire.addressLength(s.family)
                if !AuthenticationHeader.equalInConstantTime(pass, bytes[start..<(start + 8)]) { return .authFailure }
            case .ipsecAH:
                guard let ah = p.ah, let ip = p.ipHeader, let key = ahKey else { return .missingAH }
                let icv = AuthenticationHeader.icv(key: key, ipHeader: ip, ah: ah, message: p.message,
                                                   zeroTTL: !p.destination.isMulticast)
                if !icv.equalInConstantTime(ah.icv) { return .ahICVMismatch }
                if case .v4(let src) = p.source, src.value != ah.spi { return .ahSPIMismatch }
                // Strictly greater than the last accepted (reference: not >=).
                if ah.sequence <= ahSequence { return .ahReplay }
            }
            if UInt16(bytes[m + 5]) != s.advertIntervalField { return .advertIntervalMismatch }
        }

        // 6. Only ADVERTISEMENT exists.
        if p.type != VRRPWire.typeAdvertisement { return .wrongType }

        // 7. Address count, when addresses are checked at all.
        let checkAddresses = !(s.skipCheckAdvertAddresses && masterAddress == p.source)
        if checkAddresses && p.addressCount != s.virtualAddresses.count { return .addressCountMismatch }

        // 8. IPv4 total length against what was received.
        if let ip = p.ipHeader, Int(ip.totalLength) != bytes.count { return .ipLengthMismatch }

        // 9. Checksum: v2 over the message; v3 with the pseudo-header (its
        // destination the group instead in the old unicast form, see checksumForm).
        if checksumForm(p) == nil { return .badChecksum }

        // 10. Multicast instances take multicast to their group; unicast ones, unicast.
        if s.isUnicast {
            if p.destination.isMulticast { return .destinationMismatch }
        } else if p.destination != s.multicastGroup {
            return .destinationMismatch
        }

        // 11. Every configured address must be in the advert.
        if checkAddresses {
            let alen = VRRPWire.addressLength(s.family)
            for vip in s.virtualAddresses {
                var found = false
                for i in 0..<p.addressCount {
                    let start = m + VRRPWire.headerLength + i * alen
                    if IPAddress.from(bytes[start..<(start + alen)]) == vip.prefix.address { found = true; break }
                }
                if !found { return .addressListMismatch }
            }
        }

        // 12. Unicast: the source must be a configured peer, within its TTL range.
        if s.isUnicast && s.checkUnicastSource {
            guard let peer = s.unicastPeers.first(where: { $0.address == p.source }) else { return .unknownUnicastPeer }
            if let lo = peer.minTtl, p.ttl < lo { return .unicastTTLOutOfRange }
            if let hi = peer.maxTtl, p.ttl > hi { return .unicastTTLOutOfRange }
        }
        return nil
    }

    /// Which form of checksum `p` carries, or nil for a bad one. v2 and v3
    /// over IPv6: the one form. v3 over IPv4 in unicast (keepalived 2.2.7,
    /// observed): the pseudo-header's destination is the packet's, or, in the
    /// old form (before keepalived 1.3.6, `old_unicast_checksum`), the global
    /// vrrp_mcast_group4. An instance expects the old form when configured so
    /// or once it detected it; until then it expects the new form and accepts
    /// the old one too (detecting it); `never` accepts only the new form.
    public func checksumForm(_ p: ParsedPacket) -> ChecksumForm? {
        let s = settings
        let new = VRRPChecksum.compute(p.message, version: s.version, source: p.source, destination: p.destination) == 0
        guard usesUnicastChecksumCompatibility else { return new ? .current : nil }
        let old = VRRPChecksum.compute(p.message, version: s.version, source: p.source,
                                       destination: s.oldChecksumGroup) == 0
        switch s.unicastChecksum {
        case .old:
            return old ? .old : nil
        case .never:
            return new ? .current : nil
        case .detect:
            if oldChecksumDetected { return old ? .old : nil }
            return new ? .current : old ? .old : nil
        }
    }

    /// v3 over IPv4 in unicast: where the old checksum form exists.
    var usesUnicastChecksumCompatibility: Bool {
        settings.version == .v3 && settings.family == .inet && settings.isUnicast
    }
}

/// The two forms of a VRRPv3 IPv4 unicast checksum.
public enum ChecksumForm: Hashable, Sendable {
    /// The pseudo-header holds the packet's destination (RFC 5798; keepalived since 1.3.6).
    case current
    /// The pseudo-header holds the multicast group (keepalived before 1.3.6).
    case old
}
