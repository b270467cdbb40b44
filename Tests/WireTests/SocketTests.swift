import Glibc
import Posix
import Testing
@testable import Wire

@Suite struct SeqPacketChannels {
    @Test func messagesCrossASocketPairWithBoundariesKept() throws {
        let pair = try SeqPacket.pair()
        let a = Channel(peer: .vrrpd, socket: pair.first)
        let b = Channel(peer: .supervisor, socket: pair.second)
        var gen = MessageGenerator(seed: 1)
        var sent: [Message] = []
        for t in MessageType.allCases {
            let m = gen.message(t)
            sent.append(m)
            try a.send(m)
        }
        var got: [Message] = []
        while let m = try b.receive() { got.append(m) }
        #expect(got == sent)
    }

    @Test func aFullSizeSliceChunkFitsTheSocket() throws {
        let pair = try SeqPacket.pair()
        let a = Channel(peer: .vrrpd, socket: pair.first)
        let b = Channel(peer: .supervisor, socket: pair.second)
        let chunks = SliceChunking.chunks(of: [UInt8](repeating: 0xAB, count: 300_000), generation: .initial, program: .vrrpd)
        var asm = SliceAssembler(for: .vrrpd)
        var done: [UInt8]?
        for c in chunks {
            try a.send(.configSlice(c))
            while let m = try b.receive() {
                guard case .configSlice(let s) = m else { Issue.record("unexpected \(m.type)"); return }
                if let r = try asm.add(s) { done = r.bytes }
            }
        }
        #expect(done?.count == 300_000)
    }

    @Test func aGarbageRecordIsAFaultAndTheReceiverLivesOn() throws {
        let pair = try SeqPacket.pair()
        let raw = pair.first.release()
        defer { close(raw) }
        let b = Channel(peer: .checkd, socket: pair.second)
        #expect(try SeqPacket.send(Array("not a frame at all".utf8), on: raw))
        #expect(throws: ChannelFault.frame(.badMagic(Array("not ".utf8)))) { try b.receive() }
    }

    @Test func anOverSizeRecordIsRefusedNotCut() throws {
        let pair = try SeqPacket.pair()
        let raw = pair.first.release()
        defer { close(raw) }
        let b = Channel(peer: .checkd, socket: pair.second)
        // Only sendable where the socket buffer allows it (root may raise wmem).
        var size = Int32(4 << 20)
        _ = setsockopt(raw, SOL_SOCKET, 32 /* SO_SNDBUFFORCE */, &size, socklen_t(4))
        _ = setsockopt(b.fd, SOL_SOCKET, 33 /* SO_RCVBUFFORCE */, &size, socklen_t(4))
        let big = [UInt8](repeating: 0, count: Frame.maxSize + 100)
        guard (try? SeqPacket.send(big, on: raw)) == true else { return }
        #expect(throws: ChannelFault.frame(.oversize(length: Frame.maxSize + 100, limit: Frame.maxSize))) { try b.receive() }
    }

    @Test func aPeerClosingIsReported() throws {
        let pair = try SeqPacket.pair()
        let b = Channel(peer: .checkd, socket: pair.second)
        try pair.first.close()
        #expect(throws: ChannelFault.peerClosed) { try b.receive() }
    }

    @Test func aHalfWrittenFrameFromAPeerThatDiesIsRefused() throws {
        // A peer that dies in the middle of writing leaves at most a short
        // record (SEQPACKET never splices two): it must be a truncation fault.
        let pair = try SeqPacket.pair()
        let raw = pair.first.release()
        let b = Channel(peer: .checkd, socket: pair.second)
        let f = try Frame.encode(.hello(Hello(sequence: 1)))
        #expect(try SeqPacket.send(Array(f.prefix(f.count - 1)), on: raw))
        close(raw)
        #expect(throws: ChannelFault.self) { try b.receive() }
        #expect(throws: ChannelFault.peerClosed) { try b.receive() }
    }

    @Test func sendsQueueWhenTheSocketIsFullAndFlushLater() throws {
        let pair = try SeqPacket.pair()
        let a = Channel(peer: .vrrpd, socket: pair.first)
        let b = Channel(peer: .supervisor, socket: pair.second)
        let m = Message.configSlice(ConfigSlice(generation: .initial, program: .vrrpd, totalSize: 0, offset: 0,
                                                chunk: [UInt8](repeating: 1, count: 60_000)))
        for _ in 0..<64 { try a.send(m) }
        #expect(a.wantsWrite)
        var n = 0
        while n < 64 {
            while try b.receive() != nil { n += 1 }
            try a.flush()
        }
        #expect(!a.wantsWrite)
    }

    @Test func namedSocketReportsThePeersUid() throws {
        let path = "/tmp/ka-wire-\(getpid()).sock"
        defer { unlink(path) }
        let listener = try SeqPacket.listen(at: path)
        let client = try SeqPacket.connect(to: path)
        var accepted: Descriptor?
        for _ in 0..<100 {
            if let c = try SeqPacket.accept(on: listener.rawValue) { accepted = .some(c); break }
            usleep(1000)
        }
        guard let server = accepted.take() else { Issue.record("no connection accepted"); return }
        let creds = try SeqPacket.peerCredentials(of: server.rawValue)
        #expect(creds.uid == getuid())
        #expect(creds.pid == getpid())
        try creds.expect(uid: getuid(), for: .checkd)
        #expect(throws: PeerRefused.self) { try creds.expect(uid: getuid() &+ 1, for: .checkd) }
        _ = client
    }

    /// A daemon connecting to a peer that is not accepting (its backlog of
    /// 16 full) gets EAGAIN at once instead of hanging in connect().
    @Test(.timeLimit(.minutes(1))) func aDaemonsConnectToAFullBacklogFailsAtOnce() throws {
        let path = "/tmp/ka-wire-backlog-\(getpid()).sock"
        defer { unlink(path) }
        let listener = try SeqPacket.listen(at: path)
        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        var refused: SysError?
        for _ in 0..<64 {
            do { held.append(try SeqPacket.connect(to: path, waitForRoom: false).release()) } catch let e as SysError { refused = e; break }
        }
        #expect(refused?.errno == .wouldBlock, "\(held.count) connections, then \(refused.map { "\($0)" } ?? "none")")
        #expect(held.count >= 16 && held.count < 64)
        // Once the listener accepts one, there is room again.
        #expect(try SeqPacket.accept(on: listener.rawValue) != nil)
        held.append(try SeqPacket.connect(to: path, waitForRoom: false).release())
    }

    @Test func socketPathTooLongIsAnError() {
        let long = "/tmp/" + String(repeating: "x", count: 200)
        #expect(throws: SysError.self) { _ = try SeqPacket.listen(at: long) }
    }
}
