// An observer on the wire: every Ethernet frame seen on one interface of a
// test namespace, with the kernel's receive timestamp (SO_TIMESTAMPNS), read
// by a background thread until `stop()`. What the VRRP tests measure failover
// and count packets with.
import CShim
import Foundation

public struct CapturedFrame: Sendable {
    /// CLOCK_REALTIME seconds when the kernel received the frame.
    public var time: Double
    public var bytes: [UInt8]

    public var etherType: UInt16 { bytes.count >= 14 ? UInt16(bytes[12]) << 8 | UInt16(bytes[13]) : 0 }
    /// The IP protocol (IPv4) or next header (IPv6) of an IP frame.
    public var ipProtocol: UInt8? {
        if etherType == 0x0800, bytes.count >= 34 { return bytes[23] }
        if etherType == 0x86DD, bytes.count >= 54 { return bytes[20] }
        return nil
    }
    public var isVRRP: Bool { ipProtocol == 112 || ipProtocol == 51 }
    public var isGratuitousARP: Bool { etherType == 0x0806 && bytes.count >= 42 && bytes[28..<32] == bytes[38..<42] }
    public var isNeighborAdvertisement: Bool { ipProtocol == 58 && bytes.count > 54 && bytes[54] == 136 }
    /// Source IPv4 address of an IPv4 frame, dotted.
    public var ipv4Source: String? {
        guard etherType == 0x0800, bytes.count >= 34 else { return nil }
        return bytes[26..<30].map(String.init).joined(separator: ".")
    }
    /// The VRRP message (after IP and AH headers).
    public var vrrpMessage: ArraySlice<UInt8>? {
        if etherType == 0x0800, bytes.count >= 34 {
            let ihl = Int(bytes[14] & 0x0F) * 4
            let start = 14 + ihl + (bytes[23] == 51 ? 24 : 0)
            return bytes.count >= start + 8 ? bytes[start...] : nil
        }
        if etherType == 0x86DD, bytes.count >= 62, bytes[20] == 112 { return bytes[54...] }
        return nil
    }
    public var vrrpPriority: UInt8? { vrrpMessage.map { $0[$0.startIndex + 2] } }
    public var vrid: UInt8? { vrrpMessage.map { $0[$0.startIndex + 1] } }
    /// Sender MAC address, lower-case hex with colons.
    public var sourceMAC: String { bytes[6..<12].map { String(format: "%02x", $0) }.joined(separator: ":") }
}

public final class FrameCapture: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var captured: [CapturedFrame] = []
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    public init(in ns: Netns, interface: String) throws {
        fd = try ns.within {
            let s = socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(UInt16(ETH_P_ALL).bigEndian))
            guard s >= 0 else { throw TestFailure("AF_PACKET socket: errno \(errno)") }
            var sa = sockaddr_ll()
            sa.sll_family = UInt16(AF_PACKET)
            sa.sll_protocol = UInt16(ETH_P_ALL).bigEndian
            sa.sll_ifindex = Int32(if_nametoindex(interface))
            let r = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_ll>.size)) }
            }
            guard r == 0 else { close(s); throw TestFailure("bind AF_PACKET to \(interface): errno \(errno)") }
            var on: Int32 = 1
            setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &on, socklen_t(MemoryLayout<Int32>.size))
            var tv = timeval(tv_sec: 0, tv_usec: 50_000)
            setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            return s
        }
        let thread = Thread { [self] in self.loop() }
        thread.start()
    }

    private func loop() {
        var buf = [UInt8](repeating: 0, count: 65536)
        var ctl = [UInt8](repeating: 0, count: 256)
        while lock.withLock({ running }) {
            var iov = iovec()
            var msg = msghdr()
            let n = buf.withUnsafeMutableBytes { b in
                ctl.withUnsafeMutableBytes { c in
                    withUnsafeMutablePointer(to: &iov) { iovp in
                        iovp.pointee.iov_base = b.baseAddress
                        iovp.pointee.iov_len = b.count
                        msg.msg_iov = iovp
                        msg.msg_iovlen = 1
                        msg.msg_control = c.baseAddress
                        msg.msg_controllen = c.count
                        return recvmsg(fd, &msg, 0)
                    }
                }
            }
            guard n > 0 else { continue }
            var time = Date().timeIntervalSince1970
            ctl.withUnsafeMutableBytes { c in
                msg.msg_control = c.baseAddress
                var h = cshim_cmsg_firsthdr(&msg)
                while let cm = h {
                    if cm.pointee.cmsg_level == SOL_SOCKET, cm.pointee.cmsg_type == SO_TIMESTAMPNS,
                       let d = cshim_cmsg_data(cm) {
                        let ts = UnsafeRawPointer(d).loadUnaligned(as: timespec.self)
                        time = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
                    }
                    h = cshim_cmsg_nxthdr(&msg, cm)
                }
            }
            let frame = CapturedFrame(time: time, bytes: Array(buf[0..<n]))
            lock.withLock { captured.append(frame) }
        }
        done.signal()
    }

    public var frames: [CapturedFrame] { lock.withLock { captured } }

    /// Forgets what was captured so far.
    public func clear() { lock.withLock { captured = [] } }

    public func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            let r = running
            running = false
            return r
        }
        guard wasRunning else { return }
        done.wait()
        close(fd)
    }

    deinit { stop() }
}
