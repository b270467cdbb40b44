// Running alone (no supervisor), checkd and vrrpd reach the applier on
// <runtime-dir>/ipvs-applier.sock. Who a peer is comes from SO_PEERCRED at
// connect time: checkd's user is checkd, vrrpd's user is vrrpd, anyone else
// is themselves, and every message is then admitted (or refused) for that
// peer. A frame that does not decode closes that connection only.
import DaemonSupport
import Glibc
import IPVS
import Logging
import Posix
import Reactor
import Wire

final class PeerListener {
    let path: String
    private let listener: Descriptor
    private let reactor: Reactor
    private let logger: Logger
    private let identify: (PeerCredentials) -> Peer
    private let deliver: (Message, Peer, Channel) -> Void
    private var connections: [Int32: (Channel, Peer, WatchID)] = [:]
    static let maxConnections = 16
    /// Connections closed for a frame that did not decode.
    private(set) var malformed: UInt64 = 0

    init(directory: String, reactor: Reactor, logger: Logger, identify: @escaping (PeerCredentials) -> Peer,
         deliver: @escaping (Message, Peer, Channel) -> Void) throws(SysError) {
        path = directory + "/ipvs-applier.sock"
        // Anyone may connect; what they may do is decided per message, by peer.
        listener = try SeqPacket.listen(at: path, mode: 0o666)
        self.reactor = reactor
        self.logger = logger
        self.identify = identify
        self.deliver = deliver
        _ = try reactor.watch(listener.rawValue, for: .readable) { [unowned self] _ in self.accept() }
    }

    private func accept() {
        while true {
            let d: Descriptor?
            do { d = try SeqPacket.accept(on: listener.rawValue) } catch {
                logger.warning("accept on \(path): \(error)")
                return
            }
            guard let d else { return }
            let creds: PeerCredentials
            do { creds = try SeqPacket.peerCredentials(of: d.rawValue) } catch {
                logger.warning("connection on \(path) without credentials: \(error)")
                continue
            }
            guard connections.count < Self.maxConnections else {
                logger.warning("connection from \(creds) refused: \(Self.maxConnections) connections already")
                continue
            }
            let peer = identify(creds)
            let fd = d.rawValue
            let channel = Channel(peer: .checkd, socket: d)
            do {
                let w = try reactor.watch(fd, for: .readable) { [unowned self] _ in self.readable(fd) }
                connections[fd] = (channel, peer, w)
                logger.info("\(peer) connected (\(creds))")
            } catch {
                logger.warning("cannot watch a connection from \(creds): \(error)")
            }
        }
    }

    private func readable(_ fd: Int32) {
        guard let (channel, peer, _) = connections[fd] else { return }
        while channel.isOpen {
            let m: Message?
            do { m = try channel.receive() } catch {
                if error == .peerClosed || error == .closed { close(fd, why: nil) } else {
                    malformed += 1
                    close(fd, why: "\(error)")
                }
                return
            }
            guard let m else { return }
            deliver(m, peer, channel)
        }
        close(fd, why: nil)
    }

    private func close(_ fd: Int32, why: String?) {
        guard let (channel, peer, w) = connections.removeValue(forKey: fd) else { return }
        reactor.unwatch(w)
        channel.close()
        if let why { logger.warning("closed the connection of \(peer): \(why)") } else { logger.info("\(peer) disconnected") }
    }

    deinit { unlink(path) }
}
