// A framed conversation with one peer over one SOCK_SEQPACKET descriptor.
// Sends never block: what the socket cannot take now waits in a bounded
// queue until the descriptor is writable. Receives return whole messages;
// a record that is not a valid frame is a `ChannelFault` and the owner
// closes the channel (the process goes on).
import Posix

public final class Channel {
    public let peer: ProgramName
    private var socket: Descriptor?
    private var outgoing: [[UInt8]] = []
    private var outgoingBytes = 0
    /// A peer that stops reading cannot make us hold unbounded memory.
    public static let maxQueuedBytes = 64 << 20

    public private(set) var framesReceived: UInt64 = 0
    public private(set) var framesSent: UInt64 = 0

    public init(peer: ProgramName, socket: consuming Descriptor) {
        self.peer = peer
        self.socket = .some(socket)
    }

    /// The descriptor to watch, or -1 once closed.
    public var fd: Int32 { socket?.rawValue ?? -1 }
    public var isOpen: Bool { socket != nil }
    /// True while frames wait for the socket to become writable.
    public var wantsWrite: Bool { !outgoing.isEmpty }

    public func close() {
        socket = nil
        outgoing = []
        outgoingBytes = 0
    }

    /// Queues and sends as much as the socket takes now.
    public func send(_ message: Message) throws(ChannelFault) {
        guard isOpen else { throw .closed }
        let frame: [UInt8]
        do { frame = try Frame.encode(message) } catch { throw .encode(error) }
        guard outgoingBytes + frame.count <= Channel.maxQueuedBytes else { throw .backlog(outgoingBytes) }
        outgoing.append(frame)
        outgoingBytes += frame.count
        try flush()
    }

    /// Sends queued frames until the socket would block.
    public func flush() throws(ChannelFault) {
        let fd = self.fd
        guard fd >= 0 else { throw .closed }
        while let first = outgoing.first {
            let sent: Bool
            do { sent = try SeqPacket.send(first, on: fd) } catch { throw .io(error) }
            if !sent { return }
            outgoing.removeFirst()
            outgoingBytes -= first.count
            framesSent += 1
        }
    }

    /// The next message, or nil when nothing more is ready now.
    public func receive() throws(ChannelFault) -> Message? {
        let fd = self.fd
        guard fd >= 0 else { throw .closed }
        // One byte more than a frame may hold, so an over-size record shows.
        let r: SeqPacket.Received
        do { r = try SeqPacket.receive(on: fd, capacity: Frame.maxSize + 1) } catch { throw .io(error) }
        switch r {
        case .wouldBlock: return nil
        case .closed: throw .peerClosed
        case .record(let bytes, let truncatedFrom):
            if let n = truncatedFrom { throw .frame(.oversize(length: n, limit: Frame.maxSize)) }
            do {
                let m = try Frame.decode(bytes)
                framesReceived += 1
                return m
            } catch {
                throw .frame(error)
            }
        }
    }
}

/// Why a channel can no longer be used; its owner closes it and logs this.
public enum ChannelFault: Error, Equatable, Sendable, CustomStringConvertible {
    case peerClosed
    case closed
    case frame(FrameError)
    case encode(FrameError)
    case io(SysError)
    case backlog(Int)

    public var description: String {
        switch self {
        case .peerClosed: return "peer closed the connection"
        case .closed: return "channel already closed"
        case .frame(let e): return "malformed frame: \(e)"
        case .encode(let e): return "\(e)"
        case .io(let e): return "\(e)"
        case .backlog(let n): return "peer is not reading: \(n) bytes queued"
        }
    }
}
