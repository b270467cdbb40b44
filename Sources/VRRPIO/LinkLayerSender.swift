// Gratuitous ARP and unsolicited neighbour advertisements go out as whole
// Ethernet frames on an AF_PACKET socket (protocol 0: it never receives).
import CShim
import Glibc
import Posix

public final class LinkLayerSender {
    private let descriptor: Descriptor

    public init() throws(SysError) {
        descriptor = try makeSocket(AF_PACKET, Int32(SOCK_RAW.rawValue), 0, "AF_PACKET, SOCK_RAW")
    }

    /// Sends `frame` (Ethernet header included) out of interface `index`.
    @discardableResult
    public func send(_ frame: [UInt8], interfaceIndex index: Int32) throws(SysError) -> Bool {
        guard frame.count >= 14 else { return false }
        var sa = sockaddr_ll()
        sa.sll_family = UInt16(AF_PACKET)
        sa.sll_ifindex = index
        sa.sll_protocol = (UInt16(frame[12]) << 8 | UInt16(frame[13])).bigEndian
        sa.sll_halen = 6
        withUnsafeMutableBytes(of: &sa.sll_addr) { for i in 0..<6 { $0[i] = frame[i] } }
        let fd = descriptor.rawValue
        let sent = try sysNonBlocking("sendto(AF_PACKET if#\(index))") { () -> Int in
            frame.withUnsafeBytes { b in
                withUnsafePointer(to: &sa) { p in
                    p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
                    }
                }
            }
        }
        return sent != nil
    }
}
