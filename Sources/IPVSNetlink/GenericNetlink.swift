// A generic netlink socket through libnl-genl: connect, resolve a family,
// build messages with libnl's attribute API, send many requests in one
// datagram, and read acknowledgements and dump replies.
//
// Batching: the kernel processes every message of one sendmsg in turn and
// acknowledges each, so N operations cost one send and a few receives
// instead of N round trips. Acknowledgements queue on our socket until we
// read them; if the queue overflows the kernel drops them and reports
// ENOBUFS, so batches are bounded (`maxBatch`) and the receive buffer is
// raised (SO_RCVBUFFORCE needs CAP_NET_ADMIN, which the applier holds).
// libnl's own receive loop checks one sequence number at a time, so replies
// are read with nl_recv and matched to requests here.
import CNetlink
import Glibc

/// One request under construction (a libnl `nl_msg`).
public final class NetlinkRequest {
    let msg: OpaquePointer

    /// `flags`: NLM_F_* beyond NLM_F_REQUEST (e.g. NLM_F_ACK, NLM_F_DUMP).
    public init(family: UInt16, command: UInt8, version: UInt8, flags: Int32) throws(GenericNetlinkError) {
        guard let m = nlmsg_alloc_size(512) else { throw .library(call: "nlmsg_alloc_size", code: NLE_NOMEM) }
        msg = m
        guard genlmsg_put(m, UInt32(NL_AUTO_PORT), UInt32(NL_AUTO_SEQ), Int32(family), 0,
                          flags | NLM_F_REQUEST, command, version) != nil else {
            throw .library(call: "genlmsg_put", code: NLE_NOMEM)
        }
    }

    deinit { nlmsg_free(msg) }

    public func put(_ type: UInt16, bytes: [UInt8]) throws(GenericNetlinkError) {
        let r = bytes.withUnsafeBytes { nla_put(msg, Int32(type), Int32($0.count), $0.baseAddress) }
        if r < 0 { throw .library(call: "nla_put", code: -r) }
    }
    public func put(_ type: UInt16, u8 v: UInt8) throws(GenericNetlinkError) { try put(type, bytes: [v]) }
    public func put(_ type: UInt16, u16 v: UInt16) throws(GenericNetlinkError) { try put(type, bytes: withUnsafeBytes(of: v) { Array($0) }) }
    public func put(_ type: UInt16, u32 v: UInt32) throws(GenericNetlinkError) { try put(type, bytes: withUnsafeBytes(of: v) { Array($0) }) }
    /// A 16-bit value in network byte order (ports).
    public func put(_ type: UInt16, be16 v: UInt16) throws(GenericNetlinkError) { try put(type, u16: v.bigEndian) }
    /// A NUL-terminated string.
    public func put(_ type: UInt16, string s: String) throws(GenericNetlinkError) { try put(type, bytes: Array(s.utf8) + [0]) }

    /// A nested attribute whose contents `body` puts.
    public func nest(_ type: UInt16, _ body: () throws(GenericNetlinkError) -> Void) throws(GenericNetlinkError) {
        guard let start = nla_nest_start(msg, Int32(type)) else { throw .library(call: "nla_nest_start", code: NLE_NOMEM) }
        try body()
        let r = nla_nest_end(msg, start)
        if r < 0 { throw .library(call: "nla_nest_end", code: -r) }
    }

    /// The message as it stands (sequence and port not yet filled in).
    public var bytes: [UInt8] {
        let h = nlmsg_hdr(msg)!
        return Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(h), count: Int(h.pointee.nlmsg_len)))
    }

    /// Its length in bytes so far.
    public var length: Int { Int(nlmsg_hdr(msg)!.pointee.nlmsg_len) }

    /// The finished message, with its sequence number and our port filled in.
    func bytes(sequence: UInt32, port: UInt32) -> UnsafeRawBufferPointer {
        let h = nlmsg_hdr(msg)!
        h.pointee.nlmsg_seq = sequence
        h.pointee.nlmsg_pid = port
        return UnsafeRawBufferPointer(start: UnsafeRawPointer(h), count: Int(h.pointee.nlmsg_len))
    }
}

/// One message read from the socket.
public enum NetlinkReply: Sendable {
    /// An acknowledgement: errno 0 on success, else the kernel's (positive) errno.
    case ack(sequence: UInt32, errno: Int32, message: String?)
    /// The end of a dump.
    case done(sequence: UInt32)
    /// A data message of a dump or a reply: its generic command and attributes.
    case data(sequence: UInt32, command: UInt8, attributes: [UInt8])
}

public final class GenericNetlinkSocket {
    let sock: OpaquePointer
    private var nextSequence: UInt32 = 1
    /// Netlink messages sent since the socket was opened (the benchmark prints it).
    public private(set) var messagesSent: UInt64 = 0
    /// sendmsg calls made (each may carry many messages).
    public private(set) var datagramsSent: UInt64 = 0
    /// The most requests sent in one datagram before their acknowledgements are read.
    public var maxBatch = 256
    /// The most bytes in one datagram (well under the default send buffer).
    public static let maxDatagramBytes = 64 << 10

    // Values from the kernel's uapi headers that Glibc does not export.
    private static let solNetlink: Int32 = 270        // SOL_NETLINK
    private static let netlinkCapAck: Int32 = 10       // NETLINK_CAP_ACK: errors do not echo the request
    private static let netlinkExtAck: Int32 = 11       // NETLINK_EXT_ACK: errors carry a message
    private static let nlmsgErrAttrMsg: UInt16 = 1     // NLMSGERR_ATTR_MSG
    private static let nlmFlagAckTLVs: UInt16 = 0x200  // NLM_F_ACK_TLVS
    private static let nlmFlagCapped: UInt16 = 0x100   // NLM_F_CAPPED

    /// Opens and connects a NETLINK_GENERIC socket. `receiveBuffer`: bytes
    /// for the receive queue (forced past rmem_max when CAP_NET_ADMIN allows).
    public init(receiveBuffer: Int = 4 << 20) throws(GenericNetlinkError) {
        guard let s = nl_socket_alloc() else { throw .library(call: "nl_socket_alloc", code: NLE_NOMEM) }
        sock = s
        let r = genl_connect(s)
        if r < 0 {
            nl_socket_free(s)
            throw .library(call: "genl_connect", code: -r)
        }
        let fd = nl_socket_get_fd(s)
        var one: Int32 = 1
        _ = setsockopt(fd, Self.solNetlink, Self.netlinkCapAck, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, Self.solNetlink, Self.netlinkExtAck, &one, socklen_t(MemoryLayout<Int32>.size))
        setReceiveBuffer(receiveBuffer)
    }

    deinit { nl_socket_free(sock) }

    /// Raises the receive queue; SO_RCVBUFFORCE first (needs CAP_NET_ADMIN),
    /// else SO_RCVBUF (capped by net.core.rmem_max).
    public func setReceiveBuffer(_ bytes: Int) {
        let fd = nl_socket_get_fd(sock)
        var v = Int32(clamping: bytes)
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    public var fileDescriptor: Int32 { nl_socket_get_fd(sock) }

    /// The id of a generic netlink family ("IPVS").
    public func resolve(family name: String) throws(GenericNetlinkError) -> UInt16 {
        let r = genl_ctrl_resolve(sock, name)
        if r == -NLE_OBJ_NOTFOUND { throw .familyNotFound(name) }
        if r < 0 { throw .library(call: "genl_ctrl_resolve(\(name))", code: -r) }
        return UInt16(r)
    }

    /// Sends requests in one datagram; returns their sequence numbers in order.
    public func send(_ requests: [NetlinkRequest]) throws(GenericNetlinkError) -> [UInt32] {
        let port = nl_socket_get_local_port(sock)
        var buffer: [UInt8] = []
        var seqs: [UInt32] = []
        seqs.reserveCapacity(requests.count)
        for r in requests {
            let seq = nextSequence
            nextSequence = nextSequence &+ 1 == 0 ? 1 : nextSequence &+ 1
            let b = r.bytes(sequence: seq, port: port)
            buffer.append(contentsOf: b)
            // Netlink messages in one buffer start on 4-byte boundaries.
            while buffer.count % 4 != 0 { buffer.append(0) }
            seqs.append(seq)
        }
        let n = buffer.withUnsafeMutableBytes { nl_sendto(sock, $0.baseAddress, $0.count) }
        if n < 0 {
            let e = errno
            if n == -NLE_NOMEM && e == ENOBUFS { throw .noBufferSpace }
            throw e != 0 ? .system(call: "sendmsg(NETLINK_GENERIC)", errno: e) : .library(call: "nl_sendto", code: -n)
        }
        messagesSent += UInt64(requests.count)
        datagramsSent += 1
        return seqs
    }

    /// Reads one datagram (blocking) and returns the messages in it.
    public func receive() throws(GenericNetlinkError) -> [NetlinkReply] {
        var peer = sockaddr_nl()
        var buf: UnsafeMutablePointer<UInt8>?
        while true {
            errno = 0
            let n = nl_recv(sock, &peer, &buf, nil)
            let e = errno
            if n > 0, let b = buf {
                defer { free(b) }
                return try Self.parse(UnsafeRawBufferPointer(start: b, count: Int(n)))
            }
            if let b = buf { free(b) }
            buf = nil
            if n == 0 { throw .malformed("empty read") }
            if e == EINTR || e == EAGAIN { continue }
            if e == ENOBUFS { throw .noBufferSpace }
            throw e != 0 ? .system(call: "recvmsg(NETLINK_GENERIC)", errno: e) : .library(call: "nl_recv", code: -n)
        }
    }

    /// Splits a datagram into messages. Malformed parts throw; nothing is trusted beyond its bounds.
    public static func parse(_ data: UnsafeRawBufferPointer) throws(GenericNetlinkError) -> [NetlinkReply] {
        var out: [NetlinkReply] = []
        var off = 0
        while off + 16 <= data.count {
            let len = Int(data.loadUnaligned(fromByteOffset: off, as: UInt32.self))
            let type = data.loadUnaligned(fromByteOffset: off + 4, as: UInt16.self)
            let flags = data.loadUnaligned(fromByteOffset: off + 6, as: UInt16.self)
            let seq = data.loadUnaligned(fromByteOffset: off + 8, as: UInt32.self)
            guard len >= 16, off + len <= data.count else { throw .malformed("message length \(len) at \(off) of \(data.count)") }
            let body = UnsafeRawBufferPointer(rebasing: data[(off + 16)..<(off + len)])
            switch Int32(type) {
            case NLMSG_ERROR:
                guard body.count >= 4 else { throw .malformed("short error message") }
                let err = body.loadUnaligned(as: Int32.self)
                var message: String?
                if flags & nlmFlagAckTLVs != 0 {
                    // After the errno: the request's header (only, when capped, or on success), then TLVs.
                    let origLen = body.count >= 8 ? Int(body.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) : 0
                    let echoed = (flags & nlmFlagCapped != 0 || err == 0) ? 16 : max(16, origLen)
                    let tlvStart = 4 + ((echoed + 3) & ~3)
                    if tlvStart <= body.count {
                        let attrs = NetlinkAttributes(UnsafeRawBufferPointer(rebasing: body[tlvStart...]))
                        message = attrs.string(nlmsgErrAttrMsg)
                    }
                }
                out.append(.ack(sequence: seq, errno: -err, message: message))
            case NLMSG_DONE:
                out.append(.done(sequence: seq))
            case NLMSG_NOOP, NLMSG_OVERRUN:
                break
            default:
                guard body.count >= 4 else { throw .malformed("short generic netlink header") }
                let cmd = body[0]
                out.append(.data(sequence: seq, command: cmd, attributes: Array(body[4...])))
            }
            off += (len + 3) & ~3
        }
        return out
    }
}

/// Attributes of a message, read with bounds checks (never past the buffer).
public struct NetlinkAttributes {
    /// Attribute type (flags masked off) to its payload.
    public private(set) var values: [UInt16: [UInt8]] = [:]

    public init(_ bytes: some Collection<UInt8>) {
        let b = Array(bytes)
        var off = 0
        while off + 4 <= b.count {
            let len = Int(UInt16(b[off]) | UInt16(b[off + 1]) << 8)
            let type = (UInt16(b[off + 2]) | UInt16(b[off + 3]) << 8) & 0x3FFF  // ~(NLA_F_NESTED|NLA_F_NET_BYTEORDER)
            guard len >= 4, off + len <= b.count else { break }
            values[type] = Array(b[(off + 4)..<(off + len)])
            off += (len + 3) & ~3
        }
    }

    init(_ raw: UnsafeRawBufferPointer) { self.init(Array(raw)) }

    public func bytes(_ t: UInt16) -> [UInt8]? { values[t] }
    public func u8(_ t: UInt16) -> UInt8? { values[t].flatMap { $0.count >= 1 ? $0[0] : nil } }
    public func u16(_ t: UInt16) -> UInt16? {
        guard let v = values[t], v.count >= 2 else { return nil }
        return UInt16(v[0]) | UInt16(v[1]) << 8
    }
    /// A 16-bit value sent in network byte order.
    public func be16(_ t: UInt16) -> UInt16? {
        guard let v = values[t], v.count >= 2 else { return nil }
        return UInt16(v[0]) << 8 | UInt16(v[1])
    }
    public func u32(_ t: UInt16) -> UInt32? {
        guard let v = values[t], v.count >= 4 else { return nil }
        return UInt32(v[0]) | UInt32(v[1]) << 8 | UInt32(v[2]) << 16 | UInt32(v[3]) << 24
    }
    public func u64(_ t: UInt16) -> UInt64? {
        guard let v = values[t], v.count >= 8 else { return nil }
        var r: UInt64 = 0
        for i in (0..<8).reversed() { r = r << 8 | UInt64(v[i]) }
        return r
    }
    public func string(_ t: UInt16) -> String? {
        guard let v = values[t] else { return nil }
        return String(decoding: v.prefix { $0 != 0 }, as: UTF8.self)
    }
    public func nested(_ t: UInt16) -> NetlinkAttributes? { values[t].map { NetlinkAttributes($0) } }
}
