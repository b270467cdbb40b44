// Network interfaces over rtnetlink (RTM_NEWLINK/RTM_DELLINK): index, name,
// MAC and the flags that decide FAULT (keepalived: up and running).

enum IFLA {
    static let address: UInt16 = 1
    static let ifname: UInt16 = 3
    static let mtu: UInt16 = 4
    static let operState: UInt16 = 16
}

public struct Link: Hashable, Sendable, CustomStringConvertible {
    public var index: Int32
    public var name: String
    /// The hardware address; nil for links without one (loopback has zeros).
    public var mac: [UInt8]?
    /// IFF_* flags.
    public var flags: UInt32
    public var mtu: UInt32?
    public var operState: UInt8?

    static let iffUp: UInt32 = 0x1
    static let iffLoopback: UInt32 = 0x8
    static let iffRunning: UInt32 = 0x40
    static let iffLowerUp: UInt32 = 0x10000

    /// Administratively up with carrier: what keepalived requires, else FAULT.
    public var isUp: Bool { flags & Link.iffUp != 0 && flags & Link.iffRunning != 0 }
    public var isLoopback: Bool { flags & Link.iffLoopback != 0 }
    public var description: String { "\(name)#\(index)\(isUp ? " up" : " down")" }

    static func parse(_ payload: ArraySlice<UInt8>) -> Link? {
        guard payload.count >= 16 else { return nil }
        let b = payload.startIndex
        let index = RouteMessageParser.readI32(payload, b + 4)
        let flags = RouteMessageParser.readU32(payload, b + 8)
        var link = Link(index: index, name: "", mac: nil, flags: flags, mtu: nil, operState: nil)
        for (type, value) in RouteMessageParser.attributes(payload, skip: 16) {
            switch type {
            case IFLA.ifname: link.name = RouteMessageParser.string(value)
            case IFLA.address: link.mac = Array(value)
            case IFLA.mtu where value.count == 4: link.mtu = RouteMessageParser.readU32(value, value.startIndex)
            case IFLA.operState where value.count == 1: link.operState = value.first
            default: break
            }
        }
        return link
    }
}

/// What the monitor socket reports.
public enum RouteEvent: Hashable, Sendable {
    case linkChanged(Link)
    case linkRemoved(index: Int32, name: String)
    case addressAdded(InterfaceAddress)
    case addressRemoved(InterfaceAddress)
    /// The kernel dropped events (ENOBUFS): re-read the full state.
    case overrun

    /// Decodes one monitor message; nil for types the monitor does not follow.
    static func from(_ m: RouteMessage) -> RouteEvent? {
        switch m.type {
        case RouteNetlinkConstant.newLink: return Link.parse(m.payload).map { .linkChanged($0) }
        case RouteNetlinkConstant.delLink: return Link.parse(m.payload).map { .linkRemoved(index: $0.index, name: $0.name) }
        case RouteNetlinkConstant.newAddress: return InterfaceAddress.parse(m.payload).map { .addressAdded($0) }
        case RouteNetlinkConstant.delAddress: return InterfaceAddress.parse(m.payload).map { .addressRemoved($0) }
        default: return nil
        }
    }
}
