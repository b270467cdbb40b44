// What one VRRP instance runs with: the config's vrrp_instance resolved
// against global_defs and keepalived's rules for clearing incompatible
// options (reference §2.4, §4.4). Two settings values compare equal exactly
// when a reload may keep the running instance untouched.
import ConfigModel

public enum Authentication: Hashable, Sendable {
    case none
    /// `auth_type PASS`: 8 bytes, the password truncated and zero padded.
    case password([UInt8])
    /// `auth_type AH`: HMAC-MD5-96 keyed with the zero-padded password.
    case ipsecAH(key: [UInt8])

    public var type: AuthenticationType {
        switch self {
        case .none: return .none
        case .password: return .password
        case .ipsecAH: return .ipsecAH
        }
    }
}

/// `old_unicast_checksum` (reference §4.1): which VRRPv3 IPv4 unicast
/// checksum form an instance sends and accepts (see Instance.checksumForm).
public enum UnicastChecksumMode: Hashable, Sendable {
    /// Not configured: send the current form, accept both until the old one is seen, then only it.
    case detect
    /// `old_unicast_checksum`: send and accept the old form.
    case old
    /// `old_unicast_checksum never`: the current form only.
    case never
}

/// Gratuitous ARP / unsolicited NA timing (reference §4.5).
public struct GratuitousSettings: Hashable, Sendable {
    /// Delay of the second burst after becoming master; zero: no second burst.
    public var masterDelay: Duration = .seconds(5)
    /// Packets per address in each burst.
    public var masterRepeat = 5
    /// Period of refresh bursts while master; zero: none.
    public var masterRefresh: Duration = .zero
    public var masterRefreshRepeat = 1
    /// After a lower-priority advert while master.
    public var lowerPriorityDelay: Duration = .seconds(5)
    public var lowerPriorityRepeat = 5
    /// Spacing between packets on an interface (vrrp_garp_interval / vrrp_gna_interval).
    public var arpSpacing: Duration = .zero
    public var naSpacing: Duration = .zero

    public init() {}
}

public struct InstanceSettings: Hashable, Sendable {
    public var name: String
    public var vrid: UInt8
    public var version: VRRPVersion
    public var family: AddressFamily
    public var interface: String?
    /// Configured priority; 255 makes the instance the address owner.
    public var priority: UInt8
    /// The configured advert interval, as sent (v2 whole seconds, v3 centiseconds).
    public var advertInterval: Duration
    public var authentication: Authentication
    /// Multicast destination (mcast_dst_ip or the global group for the family).
    public var multicastGroup: IPAddress
    /// Unicast peers; empty means multicast.
    public var unicastPeers: [UnicastPeer]
    /// mcast_src_ip / unicast_src_ip; nil: the interface's primary (v6: link-local) address.
    public var sourceAddress: IPAddress?
    /// TTL of unicast adverts (multicast always 255).
    public var unicastTTL: UInt8
    public var unicastChecksum: UnicastChecksumMode
    /// The group the old unicast checksum form puts in its pseudo-header:
    /// the global vrrp_mcast_group4, not the instance's mcast_dst_ip (observed).
    public var oldChecksumGroup: IPAddress
    /// `state MASTER` as configured (after clearing rules).
    public var initialStateMaster: Bool
    public var nopreempt: Bool
    public var preemptDelay: Duration
    public var downTimerAdverts: Int
    public var gratuitous: GratuitousSettings
    public var lowerPriorityNoAdvert: Bool
    public var higherPrioritySendAdvert: Bool
    public var checkUnicastSource: Bool
    public var skipCheckAdvertAddresses: Bool
    public var strict: Bool
    public var accept: Bool
    public var dontTrackPrimary: Bool
    /// virtual_ipaddress entries of the instance's family: advertised and added.
    public var virtualAddresses: [AddressEntry]
    /// Added when master, never advertised: virtual_ipaddress_excluded, and
    /// virtual_ipaddress entries of the other family.
    public var excludedAddresses: [AddressEntry]

    public var isOwner: Bool { priority == 255 }
    public var isUnicast: Bool { !unicastPeers.isEmpty }
    /// Where adverts go: each unicast peer, else the multicast group.
    public var advertDestinations: [IPAddress] { isUnicast ? unicastPeers.map(\.address) : [multicastGroup] }
    public var advertisedAddresses: [IPAddress] { virtualAddresses.map { $0.prefix.address } }
    public var allAddresses: [AddressEntry] { virtualAddresses + excludedAddresses }
    public var advertIntervalField: UInt16 { VRRPTiming.intervalField(advertInterval, version: version) }
    /// How early a master's advert may leave so that the adverts of
    /// instances due close together share one wake-up of the daemon: 1 % of
    /// the interval (10 ms at 1 s). Never late; the instance's cadence moves
    /// to the early send, so it keeps sharing that wake-up with exact
    /// intervals (Instance.timerFired); a backup's master-down interval is
    /// three intervals and more, so 1 % early changes nothing for it.
    public var advertTolerance: Duration { advertInterval / 100 }

    /// What identifies the instance on the wire: if this changes on reload the
    /// old instance is released and a new one started.
    public struct Identity: Hashable, Sendable {
        public var vrid: UInt8
        public var family: AddressFamily
        public var interface: String?
        public var version: VRRPVersion
    }
    public var identity: Identity { Identity(vrid: vrid, family: family, interface: interface, version: version) }

    public init(name: String, vrid: UInt8, version: VRRPVersion = .v2, family: AddressFamily = .inet,
                interface: String? = "eth0", priority: UInt8 = 100, advertInterval: Duration = .seconds(1),
                authentication: Authentication = .none, multicastGroup: IPAddress? = nil,
                unicastPeers: [UnicastPeer] = [], sourceAddress: IPAddress? = nil, unicastTTL: UInt8 = 255,
                unicastChecksum: UnicastChecksumMode = .detect, oldChecksumGroup: IPAddress? = nil,
                initialStateMaster: Bool = false, nopreempt: Bool = false, preemptDelay: Duration = .zero,
                downTimerAdverts: Int = 3, gratuitous: GratuitousSettings = GratuitousSettings(),
                lowerPriorityNoAdvert: Bool = false, higherPrioritySendAdvert: Bool = false,
                checkUnicastSource: Bool = false, skipCheckAdvertAddresses: Bool = false, strict: Bool = false,
                accept: Bool = true, dontTrackPrimary: Bool = false, virtualAddresses: [AddressEntry] = [],
                excludedAddresses: [AddressEntry] = []) {
        self.name = name
        self.vrid = vrid
        self.version = version
        self.family = family
        self.interface = interface
        self.priority = priority
        self.advertInterval = advertInterval
        self.authentication = authentication
        self.multicastGroup = multicastGroup ?? (family == .inet
            ? .v4(IPv4Address(224, 0, 0, 18)) : .v6(IPv6Address(high: 0xFF02_0000_0000_0000, low: 0x12)))
        self.unicastPeers = unicastPeers
        self.sourceAddress = sourceAddress
        self.unicastTTL = unicastTTL
        self.unicastChecksum = unicastChecksum
        self.oldChecksumGroup = oldChecksumGroup ?? .v4(IPv4Address(224, 0, 0, 18))
        self.initialStateMaster = initialStateMaster
        self.nopreempt = nopreempt
        self.preemptDelay = preemptDelay
        self.downTimerAdverts = downTimerAdverts
        self.gratuitous = gratuitous
        self.lowerPriorityNoAdvert = lowerPriorityNoAdvert
        self.higherPrioritySendAdvert = higherPrioritySendAdvert
        self.checkUnicastSource = checkUnicastSource
        self.skipCheckAdvertAddresses = skipCheckAdvertAddresses
        self.strict = strict
        self.accept = accept
        self.dontTrackPrimary = dontTrackPrimary
        self.virtualAddresses = virtualAddresses
        self.excludedAddresses = excludedAddresses
    }
}
