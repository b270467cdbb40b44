import DaemonCore
import Foundation
import Logging
import Posix
import Reactor
import Testing
import TestSupport
import Wire

/// A daemon started alone whose peers are not running: it tries each once,
/// then sleeps until a peer's socket is created (no polling), and connects
/// when one is, also after a peer that stopped left a stale socket behind.
@Suite(.enabled(if: TestEnvironment.isRoot, "the connector accepts a listener running as root or as the peer's user"))
struct PeerSocketsWaitForPeers {
    final class Seen {
        var changes: [(ProgramName, Bool)] = []
    }

    /// Runs the reactor for `seconds`, or until `done` holds.
    static func run(_ reactor: Reactor, seconds: Double, until done: () -> Bool = { false }) throws {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end && !done() { try reactor.runOnce(timeout: .milliseconds(50)) }
    }

    @Test func aMissingPeerIsNotPolledAndIsConnectedWhenItsSocketAppears() throws {
        let runtime = try TempDirectory("ka-peers")
        defer { runtime.remove() }
        let reactor = try Reactor()
        let peers = PeerSockets(program: .vrrpd, runtimeDirectory: runtime.path, reactor: reactor, logger: Logger(label: "t"))
        let seen = Seen()
        try peers.start(onMessage: { _, _ in }, onPeer: { p, up in seen.changes.append((p, up)) })
        #expect(peers.connectAttempts == [.checkd: 1, .ipvsApplier: 1])

        // Longer than the 2 s retry: nothing is tried while nothing changes.
        try Self.run(reactor, seconds: 2.5)
        #expect(peers.connectAttempts == [.checkd: 1, .ipvsApplier: 1])

        // checkd starts: its directory and socket appear.
        let dir = "\(runtime.path)/checkd"
        #expect(mkdir(dir, 0o755) == 0)
        var listener: Descriptor? = try SeqPacket.listen(at: "\(dir)/checkd.sock")
        try Self.run(reactor, seconds: 5) { peers.connected == [.checkd] }
        #expect(peers.connected == [.checkd])
        #expect(peers.connectAttempts[.checkd] == 2)

        // checkd stops and leaves its socket file: one timed retry finds it
        // stale, then nothing more until a new checkd binds it again.
        listener = nil
        try Self.run(reactor, seconds: 1) { peers.connected.isEmpty }
        #expect(peers.connected.isEmpty)
        try Self.run(reactor, seconds: 4.5)
        #expect(peers.connectAttempts[.checkd] == 3)
        listener = try SeqPacket.listen(at: "\(dir)/checkd.sock")
        try Self.run(reactor, seconds: 5) { peers.connected == [.checkd] }
        #expect(peers.connected == [.checkd])
        #expect(peers.connectAttempts[.checkd] == 4)
        #expect(seen.changes.map { "\($0.0.rawValue) \($0.1)" } == ["checkd true", "checkd false", "checkd true"])
        _ = listener
    }
}
