// A daemon's side of its conversation with the supervisor, over the
// descriptor it inherited: answers the watchdog from the reactor thread,
// puts config slices together, hands requests to the daemon, and carries
// its script requests and its messages for other daemons (which the
// supervisor relays, so a respawned peer is reached without new sockets).
import Glibc
import Logging
import Posix
import Reactor
import Wire

/// What a daemon does with what the supervisor sends.
public protocol DaemonDelegate: AnyObject {
    /// Loads a new slice (the first, or after a reload). Returns nil when
    /// applied, else why not; the previous configuration then stays.
    func apply(slice: [UInt8], generation: Generation) -> String?
    /// Current state for the SIGUSR1/SIGUSR2 dumps.
    func status(_ request: StatusRequest, generation: Generation) -> [StatusReply]
    /// Stop in order; call `DaemonLink.finishShutdown()` (or exit) when done.
    func shutdown(_ request: Shutdown)
    /// A message from another daemon, relayed and already checked for its
    /// generation: vrrpStateChange, realServerVerdict, realServerFullState,
    /// virtualServerState, peerChange.
    func received(_ message: Message, from: ProgramName)
}

public final class DaemonLink {
    public let program: ProgramName
    let reactor: Reactor
    let channel: Channel
    let logger: Logger
    weak var delegate: (any DaemonDelegate)?
    private var watch: WatchID?
    private var assembler: SliceAssembler
    private var gate = GenerationGate(Generation(0))
    public private(set) var running: Generation?
    private var nextRequest: UInt64 = 1
    private var pendingScripts: [UInt64: (ScriptOutcome) -> Void] = [:]
    /// Messages refused for their generation, malformed or out of place.
    public private(set) var refused: UInt64 = 0
    /// Set to stop answering the watchdog (test programs simulate a hang with it).
    public var answersWatchdog = true

    /// Who is at the other end, for the log: keepalived, or, for a daemon
    /// running alone, its ka-script-host.
    let peerName: String

    public init(program: ProgramName, fd: Int32, reactor: Reactor, logger: Logger,
                peerName: String = "the supervisor") throws(SysError) {
        self.program = program
        self.peerName = peerName
        self.reactor = reactor
        self.logger = logger
        let socket = Descriptor(owning: fd)
        try socket.setNonBlocking()
        try socket.setCloseOnExec(true)
        channel = Channel(peer: .supervisor, socket: socket)
        assembler = SliceAssembler(for: program)
    }

    /// The descriptor of the channel (for the reactor, and for tests that
    /// must write something that is not a frame).
    public var descriptor: Int32 { channel.fd }

    /// Starts listening; `delegate` is held weakly.
    public func start(delegate: any DaemonDelegate) throws(SysError) {
        self.delegate = delegate
        watch = try reactor.watch(channel.fd, for: .readable) { [unowned self] events in
            self.onReady(events)
        }
    }

    // MARK: Sending

    /// Sends to the supervisor (or, for peer messages, through it).
    public func send(_ m: Message) {
        do {
            try channel.send(m)
            updateInterest()
        } catch {
            lost("cannot send \(m.type): \(error)")
        }
    }

    /// Asks the supervisor to run script `index` of the slice, killed after
    /// `timeout` (nil: the script's configured timeout).
    public func runScript(_ index: Int, arguments: ScriptArguments = .none, timeout: Duration? = nil,
                          _ completion: @escaping (ScriptOutcome) -> Void) {
        guard let g = running else {
            completion(.refused("no configuration loaded yet"))
            return
        }
        let id = nextRequest
        nextRequest += 1
        pendingScripts[id] = completion
        send(.runScript(RunScript(generation: g, requestID: id, script: index, arguments: arguments, timeout: timeout)))
    }

    /// Ends the process after a shutdown the delegate has completed.
    public func finishShutdown(status: Int32 = 0) -> Never {
        try? channel.flush()
        exit(status)
    }

    // MARK: Receiving

    private func onReady(_ events: IOEvents) {
        if events.contains(.writable) {
            do { try channel.flush() } catch { return lost("\(error)") }
            updateInterest()
        }
        if events.contains(.readable) || events.contains(.hangup) {
            while channel.isOpen {
                let m: Message?
                do { m = try channel.receive() } catch { return lost("\(error)") }
                guard let m else { break }
                handle(m)
            }
        }
    }

    private func updateInterest() {
        guard let watch else { return }
        try? reactor.modify(watch, events: channel.wantsWrite ? [.readable, .writable] : .readable)
    }

    /// keepalived's "program error" status: not a permanent failure, so a
    /// supervisor that is still there replaces the daemon.
    public static let lostSupervisorStatus: Int32 = 70

    /// The supervisor is gone (or closed the channel): a daemon does not
    /// outlive it, and does not go on unsupervised.
    private func lost(_ why: String) {
        logger.critical("lost \(peerName) (\(why)): exiting")
        exit(DaemonLink.lostSupervisorStatus)
    }

    private func handle(_ m: Message) {
        do { try gate.admit(m) } catch {
            refused += 1
            logger.warning("\(error)")
            return
        }
        switch m {
        case .hello(let h):
            guard answersWatchdog else { return }
            send(.helloReply(HelloReply(sequence: h.sequence, pid: getpid(), running: running)))
        case .configSlice(let s):
            do {
                guard let (g, bytes) = try assembler.add(s) else { return }
                let error = delegate?.apply(slice: bytes, generation: g)
                if error == nil {
                    running = g
                    gate.advance(to: g)
                    logger.info("configuration \(g) applied (\(bytes.count) bytes)")
                } else {
                    logger.error("configuration \(g) refused: \(error ?? "")")
                }
                send(.configApplied(ConfigApplied(generation: g, error: error)))
            } catch {
                refused += 1
                logger.error("config slice refused: \(error)")
            }
        case .reload(let r):
            gate.advance(to: r.generation)
        case .shutdown(let s):
            delegate?.shutdown(s)
        case .statusRequest(let r):
            for reply in delegate?.status(r, generation: running ?? Generation(0)) ?? [] { send(.statusReply(reply)) }
        case .scriptResult(let r):
            guard let completion = pendingScripts.removeValue(forKey: r.requestID) else {
                refused += 1
                logger.warning("script result for unknown request \(r.requestID)")
                return
            }
            completion(r.outcome)
        case .peerChange:
            delegate?.received(m, from: .supervisor)
        case .vrrpStateChange:
            delegate?.received(m, from: .vrrpd)
        case .realServerVerdict, .realServerFullState, .virtualServerState:
            delegate?.received(m, from: .checkd)
        case .helloReply, .configApplied, .statusReply, .runScript:
            refused += 1
            logger.error("the supervisor sent \(m.type), which only a daemon sends: ignored")
        }
    }
}
