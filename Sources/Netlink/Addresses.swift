// Interface addresses over rtnetlink: the requests `ip addr add/del` makes
// (with brd, scope, label, peer, nodad, noprefixroute, home, lifetimes), and
// the RTM_NEWADDR/RTM_DELADDR records a dump or the monitor returns.
import ConfigModel

/// ifa_scope values (rtnetlink.h RT_SCOPE_*).
public enum AddressScope {
    public static let universe: UInt8 = 0
    public static let site: UInt8 = 200
    public static let link: UInt8 = 253
    public static let host: UInt8 = 254
    public static let nowhere: UInt8 = 255

    public static func from(_ s: AddressEntry.Scope) -> UInt8 {
        switch s {
        case .global: return universe
        case .site: return site
        case .link: return link
        case .host: return host
        case .nowhere: return nowhere
        case .number(let n): return n
        }
    }
}

/// IFA_* attribute types and IFA_F_* flags.
enum IFA {
    static let address: UInt16 = 1
    static let local: UInt16 = 2
    static let label: UInt16 = 3
    static let broadcast: UInt16 = 4
    static let cacheInfo: UInt16 = 6
    static let flags: UInt16 = 8

    static let secondary: UInt32 = 0x01
    static let noDAD: UInt32 = 0x02
    static let homeAddress: UInt32 = 0x10
    static let deprecated: UInt32 = 0x20
    static let tentative: UInt32 = 0x40
    static let permanent: UInt32 = 0x80
    static let manageTempAddress: UInt32 = 0x100
    static let noPrefixRoute: UInt32 = 0x200
}

/// An address as the kernel reports it.
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    public var interfaceIndex: Int32
    public var address: IPAddress
    public var prefixLength: UInt8
    public var scope: UInt8
    public var flags: UInt32
    public var peer: IPAddress?
    public var broadcast: IPAddress?
    public var label: String?

    public var family: AddressFamily { address.family }
    public var isSecondary: Bool { flags & IFA.secondary != 0 }
    public var isTentative: Bool { flags & IFA.tentative != 0 }
    public var isDeprecated: Bool { flags & IFA.deprecated != 0 }
    public var isLinkLocal: Bool {
        if case .v6(let a) = address { return a.isLinkLocal }
        return scope == AddressScope.link
    }
    public var description: String { "\(address)/\(prefixLength) if#\(interfaceIndex)" }

    /// Parses an RTM_NEWADDR / RTM_DELADDR payload.
    static func parse(_ payload: ArraySlice<UInt8>) -> InterfaceAddress? {
        guard payload.count >= 8 else { return nil }
        let b = payload.startIndex
        let family = payload[b]
        let prefixLength = payload[b + 1]
        var flags = UInt32(payload[b + 2])
        let scope = payload[b + 3]
        let index = RouteMessageParser.readI32(payload, b + 4)
        let alen = family == 2 ? 4 : family == 10 ? 16 : 0
        guard alen > 0 else { return nil }
        var local: IPAddress?, address: IPAddress?, broadcast: IPAddress?, label: String?
        for (type, value) in RouteMessageParser.attributes(payload, skip: 8) {
            switch type {
            case IFA.address where value.count == alen: address = IPAddress(bytes: value)
            case IFA.local where value.count == alen: local = IPAddress(bytes: value)
            case IFA.broadcast where value.count == alen: broadcast = IPAddress(bytes: value)
            case IFA.label: label = RouteMessageParser.string(value)
            case IFA.flags where value.count == 4: flags = RouteMessageParser.readU32(value, value.startIndex)
            default: break
            }
        }
        // IPv4: IFA_LOCAL is the address, IFA_ADDRESS the peer (equal unless point-to-point).
        guard let main = local ?? address else { return nil }
        let peer = (local != nil && address != nil && address != local) ? address : nil
        return InterfaceAddress(interfaceIndex: index, address: main, prefixLength: prefixLength, scope: scope,
                                flags: flags, peer: peer, broadcast: broadcast, label: label)
    }
}

/// An address to add or delete, as `ip addr add ... dev IF` would.
public struct AddressRequest: Hashable, Sendable, CustomStringConvertible {
    public var interfaceIndex: Int32
    public var prefix: IPPrefix
    public var broadcast: IPAddress?
    public var scope: UInt8 = AddressScope.universe
    public var label: String?
    public var peer: IPPrefix?
    public var noDAD = false
    public var noPrefixRoute = false
    public var home = false
    public var manageTempAddress = false
    /// Seconds; nil: forever. keepalived deprecates IPv6 /128 VIPs (0) so they
    /// are never chosen as a source address.
    public var preferredLifetime: UInt32?

    public init(interfaceIndex: Int32, prefix: IPPrefix) {
        self.interfaceIndex = interfaceIndex
        self.prefix = prefix
    }

    /// From a virtual_ipaddress line. IPv6 VIPs are added with nodad, as keepalived adds them.
    public init(entry e: AddressEntry, interfaceIndex: Int32) {
        self.init(interfaceIndex: interfaceIndex, prefix: e.prefix)
        scope = AddressScope.from(e.scope)
        label = e.label
        peer = e.peer
        home = e.home
        noPrefixRoute = e.noprefixroute
        manageTempAddress = e.mngtmpaddr
        switch e.prefix.address {
        case .v4(let a):
            let mask: UInt32 = e.prefix.length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(e.prefix.length))
            switch e.broadcast {
            case .address(let b)?: broadcast = b
            case .setHostBits?: broadcast = .v4(IPv4Address(a.value | ~mask))
            case .clearHostBits?: broadcast = .v4(IPv4Address(a.value & mask))
            case nil: broadcast = nil
            }
        case .v6:
            noDAD = true
            if e.preferredLftForever {
                preferredLifetime = nil
            } else if let p = e.preferredLft {
                preferredLifetime = p
            } else if e.prefix.length == 128 {
                preferredLifetime = 0
            }
        }
    }

    public var description: String { "\(prefix) if#\(interfaceIndex)" }

    /// The RTM_NEWADDR / RTM_DELADDR message.
    public func message(type: UInt16, flags: UInt16, sequence: UInt32) -> [UInt8] {
        var w = RouteMessageWriter(type: type, flags: flags, sequence: sequence)
        let family: UInt8 = prefix.address.family == .inet ? 2 : 10
        var f: UInt32 = 0
        if noDAD { f |= IFA.noDAD }
        if home { f |= IFA.homeAddress }
        if manageTempAddress { f |= IFA.manageTempAddress }
        if noPrefixRoute { f |= IFA.noPrefixRoute }
        w.appendU8(family)
        w.appendU8(peer?.length ?? prefix.length)
        w.appendU8(UInt8(truncatingIfNeeded: f))
        w.appendU8(scope)
        w.appendI32(interfaceIndex)
        w.attribute(IFA.local, prefix.address.bytes)
        w.attribute(IFA.address, (peer?.address ?? prefix.address).bytes)
        if let b = broadcast { w.attribute(IFA.broadcast, b.bytes) }
        if let l = label { w.attribute(IFA.label, string: l) }
        if f > 0xFF { w.attribute(IFA.flags, u32: f) }
        if let p = preferredLifetime {
            // struct ifa_cacheinfo { prefered, valid, cstamp, tstamp }; valid stays forever.
            var info: [UInt8] = []
            for v in [p, UInt32.max, 0, 0] { withUnsafeBytes(of: v) { info += $0 } }
            w.attribute(IFA.cacheInfo, info)
        }
        return w.finish()
    }
}

extension IPAddress {
    /// From 4 or 16 network-order bytes.
    init?(bytes: ArraySlice<UInt8>) {
        if bytes.count == 4 {
            var v: UInt32 = 0
            for x in bytes { v = v << 8 | UInt32(x) }
            self = .v4(IPv4Address(v))
        } else if let a = IPv6Address(bytes: bytes) {
            self = .v6(a)
        } else {
            return nil
        }
    }
}
