// A daemon started alone: it loads the compiled configuration file itself
// (and again on SIGHUP), reaches its peers over named sockets, and runs its
// scripts through its own ka-script-host.
import ConfigModel
import Glibc
import Logging
import Posix
import Reactor
import Wire

public final class StandaloneLink {
    public let program: ProgramName
    let configPath: String
    let reactor: Reactor
    let logger: Logger
    let peers: PeerSockets
    let scriptHost: Channel?
    weak var delegate: (any DaemonDelegate)?
    public private(set) var running: Generation?
    private var hostWatch: WatchID?
    private var nextRequest: UInt64 = 1
    private var pendingScripts: [UInt64: (ScriptOutcome) -> Void] = [:]

    init(program: ProgramName, configPath: String, reactor: Reactor, logger: Logger, peers: PeerSockets, scriptHost: Channel?) {
        self.program = program
        self.configPath = configPath
        self.reactor = reactor
        self.logger = logger
        self.peers = peers
        self.scriptHost = scriptHost
    }

    func start(delegate: any DaemonDelegate) throws {
        self.delegate = delegate
        if let h = scriptHost {
            hostWatch = try reactor.watch(h.fd, for: .readable) { [unowned self] _ in self.hostReady() }
        }
        try peers.start(onMessage: { [unowned self] m, from in self.delegate?.received(m, from: from) },
                        onPeer: { [unowned self] p, up in self.delegate?.received(.peerChange(PeerChange(program: p, up: up)), from: .supervisor) })
        load(Generation.initial)
    }

    /// SIGHUP: read the file again; on an error the running configuration stays.
    func reload() {
        load((running ?? Generation(0)).next)
    }

    private func load(_ g: Generation) {
        let bytes: [UInt8]
        do {
            bytes = try CompiledFile.slice(try CompiledFile.load(configPath), for: program)
        } catch {
            logger.error("cannot load \(configPath): \(error); \(running.map { "keeping \($0)" } ?? "no configuration to run")")
            return
        }
        if let e = delegate?.apply(slice: bytes, generation: g) {
            logger.error("configuration \(g) refused: \(e)")
            return
        }
        running = g
        try? scriptHost?.send(.reload(Reload(generation: g)))
        logger.info("configuration \(g) applied from \(configPath) (\(bytes.count) bytes)")
    }

    func send(_ m: Message) { peers.send(m) }

    func runScript(_ index: Int, arguments: ScriptArguments, _ completion: @escaping (ScriptOutcome) -> Void) {
        guard let g = running, let host = scriptHost else {
            completion(.refused(running == nil ? "no configuration loaded yet" : "no script host"))
            return
        }
        let id = nextRequest
        nextRequest += 1
        pendingScripts[id] = completion
        do { try host.send(.runScript(RunScript(generation: g, requestID: id, script: index, arguments: arguments))) } catch {
            pendingScripts[id] = nil
            completion(.failedToStart("script host: \(error)"))
        }
    }

    private func hostReady() {
        guard let host = scriptHost else { return }
        while host.isOpen {
            let m: Message?
            do { m = try host.receive() } catch {
                logger.critical("the script host went away (\(error)): exiting")
                exit(DaemonLink.lostSupervisorStatus)
            }
            guard let m else { return }
            if case .scriptResult(let r) = m, let done = pendingScripts.removeValue(forKey: r.requestID) {
                done(r.outcome)
            } else {
                logger.error("unexpected \(m.type) from the script host")
            }
        }
    }
}
