// Daemons started alone (each by its own unit) reach each other over named
// SOCK_SEQPACKET sockets under the runtime directory:
//
//     <runtime>/ipvs-applier/ipvs-applier.sock   checkd and vrrpd connect
//     <runtime>/checkd/checkd.sock               vrrpd connects
//
// A listener knows who connected by SO_PEERCRED against the uid of each
// expected peer's user; a connector accepts a listener running as the
// expected user or as root (a listener binds before it drops root). What a
// peer may send is Routing's table, as under the supervisor.
//
// A connector whose peer is not running does not poll for it: it watches
// the runtime directory (CreationWatch) and tries again when the peer's
// socket is created. Only failures that a new socket would not mend (a full
// backlog, a listener of the wrong user, a socket created but not yet
// listening) are retried on a timer.
import Glibc
import Logging
import Posix
import Reactor
import Wire

public final class PeerSockets {
    public let program: ProgramName
    let directory: String
    let reactor: Reactor
    let logger: Logger
    private var listener: Descriptor?
    private var listenWatch: WatchID?
    /// Open conversations, by peer.
    private var peers: [ProgramName: Connection] = [:]
    /// Expected uid of each program (resolved before the sandbox: NSS reads files).
    private var uids: [ProgramName: UInt32] = [:]
    private var onMessage: ((Message, ProgramName) -> Void)?
    private var onPeer: ((ProgramName, Bool) -> Void)?
    /// Tells when a peer's socket may have appeared; nil if inotify failed (then every retry is timed).
    private var creations: CreationWatch?
    /// Peers whose socket is missing or stale: tried again when something is created.
    private var awaitingSocket: Set<ProgramName> = []
    /// Connection attempts so far, by peer (for tests: a missing peer costs none while nothing changes).
    public private(set) var connectAttempts: [ProgramName: Int] = [:]
    public static let retry: Duration = .seconds(2)

    final class Connection {
        let channel: Channel
        var watch: WatchID?
        init(_ c: Channel) { channel = c }
    }

    /// Who listens for whom.
    public static func accepts(_ p: ProgramName) -> [ProgramName] {
        switch p {
        case .ipvsApplier: return [.checkd, .vrrpd]
        case .checkd: return [.vrrpd]
        case .vrrpd, .supervisor: return []
        }
    }

    public static func connectsTo(_ p: ProgramName) -> [ProgramName] {
        switch p {
        case .vrrpd: return [.checkd, .ipvsApplier]
        case .checkd: return [.ipvsApplier]
        case .ipvsApplier, .supervisor: return []
        }
    }

    public static func socketPath(of p: ProgramName, in runtime: String) -> String { "\(runtime)/\(p.rawValue)/\(p.rawValue).sock" }

    public init(program: ProgramName, runtimeDirectory: String, reactor: Reactor, logger: Logger) {
        self.program = program
        self.directory = runtimeDirectory
        self.reactor = reactor
        self.logger = logger
    }

    /// Before the sandbox: look up the peers' users; if this program
    /// listens, create its directory (owned by `owner`) and bind its socket.
    public func prepare(owner: ResolvedUser) throws {
        for p in PeerSockets.accepts(program) + PeerSockets.connectsTo(program) {
            if let u = try? UserDirectory.resolve(user: ProgramProfile.of(p).user) { uids[p] = u.uid }
        }
        guard !PeerSockets.accepts(program).isEmpty else { return }
        let dir = "\(directory)/\(program.rawValue)"
        _ = mkdir(directory, 0o755)
        if mkdir(dir, 0o755) != 0 && errno != EEXIST {
            throw SysError(call: "mkdir(\(dir))", errno: .current)
        }
        _ = try sys("chown(\(dir))") { chown(dir, owner.uid, owner.gid) }
        // Anyone may connect; who they are is checked on accept.
        listener = .some(try SeqPacket.listen(at: PeerSockets.socketPath(of: program, in: directory), mode: 0o666))
    }

    /// Starts accepting and connecting; messages and peer changes go to the handlers.
    public func start(onMessage: @escaping (Message, ProgramName) -> Void, onPeer: @escaping (ProgramName, Bool) -> Void) throws {
        self.onMessage = onMessage
        self.onPeer = onPeer
        if let fd = listener?.rawValue {
            listenWatch = try reactor.watch(fd, for: .readable) { [unowned self] _ in self.acceptAll() }
        }
        let targets = PeerSockets.connectsTo(program)
        guard !targets.isEmpty else { return }
        // Watch first, then try: a socket created in between is seen either way.
        creations = try? CreationWatch(reactor: reactor) { [unowned self] in self.somethingWasCreated() }
        watchPeerDirectories()
        for p in targets { connect(p) }
    }

    /// Watches the runtime directory and the peers' directories that
    /// exist; false when the runtime directory cannot be watched (missing:
    /// then retries are timed until it exists).
    @discardableResult
    private func watchPeerDirectories() -> Bool {
        guard let creations, creations.add(directory) else { return false }
        for p in PeerSockets.connectsTo(program) { creations.add("\(directory)/\(p.rawValue)") }
        return true
    }

    private func somethingWasCreated() {
        watchPeerDirectories()
        let due = awaitingSocket.sorted { $0.rawValue < $1.rawValue }
        awaitingSocket.removeAll()
        for p in due where peers[p] == nil { connect(p, afterCreation: true) }
    }

    /// Sends `m` to every connected peer that Routing says receives it
    /// (or only to `peer`, e.g. the one that just connected).
    public func send(_ m: Message, onlyTo peer: ProgramName? = nil) {
        guard case .relay(_, let targets)? = try? Routing.admit(m, from: program) else {
            logger.error("\(program) cannot send \(m.type) to its peers")
            return
        }
        for t in targets where peer == nil || peer == t {
            guard let c = peers[t] else { continue }
            do { try c.channel.send(m) } catch {
                drop(t, "\(error)")
                continue
            }
            // What the socket did not take now goes out when it is writable.
            if c.channel.wantsWrite, let w = c.watch { try? reactor.modify(w, events: [.readable, .writable]) }
        }
    }

    public var connected: [ProgramName] { peers.keys.sorted { $0.rawValue < $1.rawValue } }

    private func acceptAll() {
        guard let fd = listener?.rawValue else { return }
        while true {
            let accepted: Descriptor?
            do { accepted = try SeqPacket.accept(on: fd) } catch {
                logger.error("accept on \(PeerSockets.socketPath(of: program, in: directory)): \(error)")
                return
            }
            guard let socket = accepted else { return }
            let creds: PeerCredentials
            do { creds = try SeqPacket.peerCredentials(of: socket.rawValue) } catch {
                logger.error("\(error)")
                continue
            }
            guard let peer = PeerSockets.accepts(program).first(where: { uids[$0] == creds.uid }) else {
                logger.warning("connection from \(creds) refused: not the user of \(PeerSockets.accepts(program).map(\.rawValue).joined(separator: " or "))")
                continue
            }
            adopt(peer, Channel(peer: peer, socket: socket))
        }
    }

    private func connect(_ peer: ProgramName, afterCreation: Bool = false) {
        let path = PeerSockets.socketPath(of: peer, in: directory)
        connectAttempts[peer, default: 0] += 1
        do {
            let socket = try SeqPacket.connect(to: path, waitForRoom: false)
            let creds = try SeqPacket.peerCredentials(of: socket.rawValue)
            guard creds.uid == 0 || creds.uid == uids[peer] else {
                logger.error("\(path) is served by uid \(creds.uid), not \(peer)'s user: not using it")
                retryLater(peer)
                return
            }
            adopt(peer, Channel(peer: peer, socket: socket))
        } catch {
            // No socket, or a stale one left by a peer that stopped: a peer
            // that starts creates it anew. Refused just after a creation is
            // a listener between bind and listen: try again shortly.
            let missing = error.errno == .noEntry || (error.errno == .connectionRefused && !afterCreation)
            if missing && watchPeerDirectories() {
                logger.debug("\(peer) not reachable at \(path) (\(error)): waiting for it to start")
                awaitingSocket.insert(peer)
            } else {
                logger.debug("\(peer) not reachable at \(path) (\(error)): retrying in \(PeerSockets.retry)")
                retryLater(peer)
            }
        }
    }

    private func retryLater(_ peer: ProgramName) {
        reactor.schedule(after: PeerSockets.retry) { [weak self] in
            guard let self, self.peers[peer] == nil else { return }
            self.connect(peer)
        }
    }

    private func adopt(_ peer: ProgramName, _ channel: Channel) {
        if peers[peer] != nil { drop(peer, "replaced by a new connection") }
        let c = Connection(channel)
        do {
            c.watch = try reactor.watch(channel.fd, for: .readable) { [unowned self, unowned c] events in
                self.ready(peer, c, events)
            }
        } catch {
            logger.error("\(error)")
            return
        }
        peers[peer] = c
        logger.info("\(peer) connected")
        onPeer?(peer, true)
    }

    private func ready(_ peer: ProgramName, _ c: Connection, _ events: IOEvents) {
        if events.contains(.writable) { try? c.channel.flush() }
        while c.channel.isOpen {
            let m: Message?
            do { m = try c.channel.receive() } catch {
                drop(peer, "\(error)")
                return
            }
            guard let m else { break }
            switch try? Routing.admit(m, from: peer) {
            case .relay(let msg, let targets)? where targets.contains(program):
                onMessage?(msg, peer)
            default:
                logger.error("\(m.type) from \(peer) refused: not something \(peer) sends to \(program)")
            }
        }
        if let w = c.watch { try? reactor.modify(w, events: c.channel.wantsWrite ? [.readable, .writable] : .readable) }
    }

    private func drop(_ peer: ProgramName, _ why: String) {
        guard let c = peers.removeValue(forKey: peer) else { return }
        if let w = c.watch { reactor.unwatch(w) }
        c.channel.close()
        logger.warning("\(peer) disconnected: \(why)")
        onPeer?(peer, false)
        if PeerSockets.connectsTo(program).contains(peer) { retryLater(peer) }
    }
}
