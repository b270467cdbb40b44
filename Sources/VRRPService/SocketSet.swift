// The sockets of one interface and family, shared by every instance there:
// a receiver per IP protocol (112, and 51 when an instance uses AH), a
// sender, and the VRID table that finds the instance for a packet.
import ConfigModel
import Posix
import Reactor
import VRRP
import VRRPIO

struct SocketKey: Hashable {
    var interface: String
    var family: AddressFamily
}

final class SocketSet {
    let key: SocketKey
    let interfaceIndex: Int32
    let receiveBufferSize: Int?
    /// The instance of each VRID here: indexed, not hashed (every received packet looks here).
    var byVRID = VRIDTable()
    var drops = ReasonCounters<DropReason>()
    private var receivers: [UInt8: (AdvertReceiver, WatchID)] = [:]
    private var senderSocket: AdvertSender?
    private var senderSource: IPAddress?

    init(key: SocketKey, interfaceIndex: Int32, receiveBufferSize: Int?) {
        self.key = key
        self.interfaceIndex = interfaceIndex
        self.receiveBufferSize = receiveBufferSize
    }

    func receiver(proto: UInt8, reactor: Reactor,
                  _ onReadable: @escaping (AdvertReceiver) -> Void) throws(SysError) -> AdvertReceiver {
        if let (rx, _) = receivers[proto] { return rx }
        let rx = try AdvertReceiver(family: key.family, ipProtocol: proto, interface: key.interface,
                                    interfaceIndex: interfaceIndex, receiveBufferSize: receiveBufferSize)
        let w = try reactor.watch(rx.fileDescriptor, for: .readable) { [unowned rx] _ in onReadable(rx) }
        receivers[proto] = (rx, w)
        return rx
    }

    /// The sender; IPv6 senders are bound to the source address, so a new
    /// source means a new socket (the checksum covers the source).
    func sender(source: IPAddress?) throws(SysError) -> AdvertSender {
        if let s = senderSocket, key.family == .inet || senderSource == source { return s }
        let s = try AdvertSender(family: key.family, interface: key.interface, interfaceIndex: interfaceIndex,
                                 source: key.family == .inet6 ? source : nil)
        senderSocket = s
        senderSource = source
        return s
    }

    func close(_ reactor: Reactor) {
        for (_, (_, w)) in receivers { reactor.unwatch(w) }
        receivers = [:]
        senderSocket = nil
    }
}

/// 256 slots, one per VRID.
struct VRIDTable {
    private var slots = [RunningInstance?](repeating: nil, count: 256)
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    subscript(vrid: UInt8) -> RunningInstance? {
        get { slots[Int(vrid)] }
        set {
            if slots[Int(vrid)] == nil && newValue != nil { count += 1 }
            if slots[Int(vrid)] != nil && newValue == nil { count -= 1 }
            slots[Int(vrid)] = newValue
        }
    }
}
