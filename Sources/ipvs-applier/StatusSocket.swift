// The status socket of an ipvs-applier started alone:
// <runtime-dir>/ipvs-applier/status.sock, SOCK_SEQPACKET with Wire frames.
// Only root and ipvs-applier's own user may ask (SO_PEERCRED); anything but a
// status request closes the connection. (Peers - checkd, vrrpd - use the
// runtime's PeerSockets on <runtime-dir>/ipvs-applier/ipvs-applier.sock.)
import Glibc
import Logging
import Posix
import Reactor
import Wire

final class StatusSocket {
    let path: String
    private let listener: Descriptor
    private let reactor: Reactor
    private let logger: Logger
    private let reply: (StatusRequest) -> [StatusReply]
    private var clients: [Int32: (Channel, WatchID)] = [:]
    static let maxClients = 8

    init(directory: String, reactor: Reactor, logger: Logger, reply: @escaping (StatusRequest) -> [StatusReply]) throws(SysError) {
        path = directory + "/status.sock"
        listener = try SeqPacket.listen(at: path, mode: 0o666)
        self.reactor = reactor
        self.logger = logger
        self.reply = reply
        _ = try reactor.watch(listener.rawValue, for: .readable) { [unowned self] _ in self.accept() }
    }

    deinit { unlink(path) }

    private func accept() {
        while true {
            let d: Descriptor?
            do { d = try SeqPacket.accept(on: listener.rawValue) } catch {
                logger.warning("status socket: \(error)")
                return
            }
            guard let d else { return }
            guard let creds = try? SeqPacket.peerCredentials(of: d.rawValue) else { continue }
            guard creds.uid == 0 || creds.uid == geteuid() else {
                logger.warning("status request from \(creds) refused: only root and ipvs-applier's user may ask")
                continue
            }
            guard clients.count < Self.maxClients else { continue }
            let fd = d.rawValue
            let channel = Channel(peer: .supervisor, socket: d)
            if let w = try? reactor.watch(fd, for: .readable, { [unowned self] _ in self.readable(fd) }) {
                clients[fd] = (channel, w)
            }
        }
    }

    private func readable(_ fd: Int32) {
        guard let (channel, _) = clients[fd] else { return }
        while channel.isOpen {
            let m: Message?
            do { m = try channel.receive() } catch { return close(fd) }
            guard let m else { return }
            guard case .statusRequest(let r) = m else {
                logger.warning("status socket: \(m.type) is not a status request: connection closed")
                return close(fd)
            }
            for rep in reply(r) { try? channel.send(.statusReply(rep)) }
        }
        close(fd)
    }

    private func close(_ fd: Int32) {
        guard let (channel, w) = clients.removeValue(forKey: fd) else { return }
        reactor.unwatch(w)
        channel.close()
    }
}
