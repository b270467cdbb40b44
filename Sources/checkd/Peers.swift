// checkd's peers when it runs alone: it connects to ipvs-applier's named
// socket (verdicts out; a full state on every (re)connect) and listens on its
// own for vrrpd (VRRP state changes in, for ha_suspend). Both ends are
// checked with SO_PEERCRED against the peer program's user (or root).
import Glibc
import Logging
import Posix
import Reactor
import Wire

/// The uids a named-socket peer may have: its program's user, or root.
func allowedUIDs(_ users: [String]) -> Set<UInt32> {
    var out: Set<UInt32> = [0]
    for u in users { if let pw = getpwnam(u) { out.insert(pw.pointee.pw_uid) } }
    return out
}

final class ApplierLink {
    let path: String
    let reactor: Reactor
    let logger: Logger
    private var channel: Channel?
    private var watch: WatchID?
    private var retry: TimerID?
    private var warned = false
    private let allowed: Set<UInt32>
    /// Called after each (re)connection, to send the full state.
    var onConnect: () -> Void = {}

    init(path: String, reactor: Reactor, logger: Logger) {
        self.path = path
        self.reactor = reactor
        self.logger = logger
        allowed = allowedUIDs(["keepalived-ipvs"])
    }

    var isConnected: Bool { channel != nil }

    func connect() {
        retry = nil
        let sock: Descriptor
        do {
            sock = try SeqPacket.connect(to: path)
        } catch {
            if !warned {
                logger.info("ipvs-applier not reachable at \(path) (\(error.errno)); retrying every second")
                warned = true
            }
            scheduleRetry()
            return
        }
        if let cred = try? SeqPacket.peerCredentials(of: sock.rawValue), !allowed.contains(cred.uid) {
            logger.error("refusing \(path): listener has uid \(cred.uid), not ipvs-applier's")
            scheduleRetry()
            return
        }
        let ch = Channel(peer: .ipvsApplier, socket: sock)
        channel = ch
        warned = false
        do {
            watch = try reactor.watch(ch.fd, for: .readable) { [unowned self] _ in self.readable() }
        } catch {
            logger.error("cannot watch the ipvs-applier socket: \(error)")
        }
        logger.info("connected to ipvs-applier at \(path)")
        onConnect()
    }

    private func scheduleRetry() {
        guard retry == nil else { return }
        retry = reactor.schedule(after: .seconds(1)) { [unowned self] in self.connect() }
    }

    func send(_ m: Message) {
        guard let ch = channel else { return }
        do {
            try ch.send(m)
            if ch.wantsWrite, let w = watch { try? reactor.modify(w, events: [.readable, .writable]) }
        } catch {
            lost("cannot send \(m.type): \(error)")
        }
    }

    private func readable() {
        guard let ch = channel else { return }
        do {
            try ch.flush()
            if !ch.wantsWrite, let w = watch { try? reactor.modify(w, events: .readable) }
            // ipvs-applier has nothing to tell checkd; read to notice it closing.
            while let m = try ch.receive() { logger.debug("ignoring \(m.type) from ipvs-applier") }
        } catch {
            lost("\(error)")
        }
    }

    private func lost(_ why: String) {
        logger.warning("lost ipvs-applier: \(why); reconnecting")
        if let w = watch { reactor.unwatch(w); watch = nil }
        channel?.close()
        channel = nil
        scheduleRetry()
    }

    func close() {
        if let w = watch { reactor.unwatch(w); watch = nil }
        channel?.close()
        channel = nil
        if let r = retry { reactor.cancel(r); retry = nil }
    }
}

/// Where vrrpd (or a test standing in for it) tells checkd about VRRP states.
final class StateListener {
    let reactor: Reactor
    let logger: Logger
    private var listener: Descriptor?
    private var listenWatch: WatchID?
    private var peers: [ObjectIdentifier: (Channel, WatchID)] = [:]
    private let allowed: Set<UInt32>
    var onMessage: (Message) -> Void = { _ in }

    init(path: String, reactor: Reactor, logger: Logger) throws(SysError) {
        self.reactor = reactor
        self.logger = logger
        allowed = allowedUIDs(["keepalived-vrrpd"])
        let l = try SeqPacket.listen(at: path, mode: 0o666)
        let fd = l.rawValue
        listener = .some(l)
        listenWatch = try reactor.watch(fd, for: .readable) { [unowned self] _ in self.accept(fd) }
    }

    private func accept(_ fd: Int32) {
        while let sock = try? SeqPacket.accept(on: fd) {
            if let cred = try? SeqPacket.peerCredentials(of: sock.rawValue), !allowed.contains(cred.uid) {
                logger.warning("refused a connection on the state socket from uid \(cred.uid) (pid \(cred.pid))")
                continue
            }
            let ch = Channel(peer: .vrrpd, socket: sock)
            let key = ObjectIdentifier(ch)
            guard let w = try? reactor.watch(ch.fd, for: .readable, { [unowned self] _ in self.read(key) }) else { continue }
            peers[key] = (ch, w)
        }
    }

    private func read(_ key: ObjectIdentifier) {
        guard let (ch, w) = peers[key] else { return }
        do {
            while let m = try ch.receive() { onMessage(m) }
        } catch {
            if error != .peerClosed { logger.warning("dropping a vrrpd connection: \(error)") }
            reactor.unwatch(w)
            ch.close()
            peers[key] = nil
        }
    }
}
