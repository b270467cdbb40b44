// The status socket of a vrrpd started alone: `<runtime-dir>/vrrpd/status.sock`,
// SOCK_SEQPACKET with Wire frames. Only root and vrrpd's own user may ask
// (SO_PEERCRED); anything but a status request closes the connection. The
// directory is vrrpd's own (as ipvs-applier/ and checkd/ are theirs), so
// each unit can have systemd create just its own (RuntimeDirectory=).
import DaemonCore
import Glibc
import Logging
import Posix
import Reactor
import VRRPService
import Wire

final class StatusServer {
    private let listener: Descriptor
    private let reactor: Reactor
    private let logger: Logger
    private let reply: (StatusRequest) -> StatusReply
    private var clients: [ObjectIdentifier: (Channel, WatchID)] = [:]
    let path: String

    static func path(in runtime: String) -> String { runtime + "/vrrpd/status.sock" }

    /// Before the sandbox: creates the directory and the socket, both
    /// `owner`'s (vrrpd's user), so it can remove the socket at stop.
    init(directory: String, owner: ResolvedUser, reactor: Reactor, logger: Logger,
         reply: @escaping (StatusRequest) -> StatusReply) throws {
        path = StatusServer.path(in: directory)
        let own = directory + "/vrrpd"
        _ = mkdir(directory, 0o755)
        if mkdir(own, 0o750) != 0 && errno != EEXIST { throw SysError(call: "mkdir(\(own))", errno: .current) }
        _ = try sys("chown(\(own))") { chown(own, owner.uid, owner.gid) }
        listener = try SeqPacket.listen(at: path, mode: 0o660)
        let socketPath = path
        _ = try sys("chown(\(socketPath))") { chown(socketPath, owner.uid, owner.gid) }
        self.reactor = reactor
        self.logger = logger
        self.reply = reply
        try reactor.watch(listener.rawValue, for: .readable) { [unowned self] _ in self.accept() }
    }

    deinit { unlink(path) }

    private func accept() {
        while true {
            let fd: Descriptor?
            do { fd = try SeqPacket.accept(on: listener.rawValue) } catch {
                logger.warning("status socket: \(error)")
                return
            }
            guard let fd else { return }
            let peer: PeerCredentials
            do { peer = try SeqPacket.peerCredentials(of: fd.rawValue) } catch { continue }
            guard peer.uid == 0 || peer.uid == getuid() else {
                logger.warning("status socket: refused \(peer) (only root and vrrpd's user may ask)")
                continue
            }
            let channel = Channel(peer: .supervisor, socket: fd)
            let key = ObjectIdentifier(channel)
            do {
                let w = try reactor.watch(channel.fd, for: .readable) { [unowned self, unowned channel] _ in
                    self.serve(channel)
                }
                clients[key] = (channel, w)
            } catch {
                logger.warning("status socket: \(error)")
            }
        }
    }

    private func serve(_ channel: Channel) {
        while true {
            do {
                guard let m = try channel.receive() else { return }
                guard case .statusRequest(let r) = m else {
                    logger.warning("status socket: \(m.type) is not a status request: closing")
                    return drop(channel)
                }
                try channel.send(.statusReply(reply(r)))
            } catch {
                return drop(channel)
            }
        }
    }

    private func drop(_ channel: Channel) {
        let key = ObjectIdentifier(channel)
        if let (_, w) = clients.removeValue(forKey: key) { reactor.unwatch(w) }
        channel.close()
    }
}

/// `vrrpd --status`: asks the running vrrpd and prints its answer.
enum StatusClient {
    static func run(directory: String) -> Int32 {
        let path = StatusServer.path(in: directory)
        let fd: Descriptor
        do { fd = try SeqPacket.connect(to: path) } catch {
            printError("vrrpd: no vrrpd answers at \(path): \(error.errno)\n")
            return 1
        }
        let channel = Channel(peer: .vrrpd, socket: fd)
        do { try channel.send(.statusRequest(StatusRequest(requestID: 1, kind: .stats))) } catch {
            printError("vrrpd: cannot ask \(path): \(error)\n")
            return 1
        }
        for _ in 0..<50 {
            var p = pollfd(fd: channel.fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, 100)
            do {
                while let m = try channel.receive() {
                    if case .statusReply(let r) = m {
                        for line in r.dumpLines { print(line) }
                        if r.final { return 0 }
                    }
                }
            } catch {
                printError("vrrpd: \(path): \(error)\n")
                return 1
            }
        }
        printError("vrrpd: no answer from \(path) within 5 s\n")
        return 1
    }
}

/// One line to standard error (no stdio globals: they are not concurrency-safe in Swift 6).
func printError(_ text: String) {
    var t = text
    if !t.hasSuffix("\n") { t += "\n" }
    _ = t.withCString { Glibc.write(2, $0, strlen($0)) }
}
