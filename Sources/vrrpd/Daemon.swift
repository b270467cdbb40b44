// vrrpd at run time: the service on the reactor, the signals it answers,
// and where its state changes and log lines go.
import ConfigModel
import Glibc
import Logging
import Posix
import Reactor
import VRRP
import VRRPService
import Wire

final class Daemon {
    let reactor: Reactor
    let service: VRRPService
    let logger: Logger
    let source: ConfigSource
    private(set) var generation: UInt64
    private var statusServer: StatusServer?

    init(source: ConfigSource, config: CompiledConfig, options: VRRPService.Options, logger: Logger) throws {
        self.source = source
        self.logger = logger
        generation = config.generation
        reactor = try Reactor()
        service = try VRRPService(reactor: reactor, options: options)
        service.log = { [logger] level, message in logger.log(level: level.swiftLog, "\(message)") }
        service.onStateChange = { [unowned self] change, _ in self.stateChanged(change) }
    }

    /// Derives the instances, starts them and runs until SIGTERM/SIGINT.
    func run(_ config: CompiledConfig, runtimeDirectory: String) throws {
        try reactor.handleSignals([SIGTERM, SIGINT, SIGHUP]) { [unowned self] e in
            switch e.signal {
            case SIGHUP: self.reload()
            default:
                self.logger.info("stopping on \(SignalName.of(e.signal))")
                self.service.shutdown()
                self.reactor.stop()
            }
        }
        Scheduling.apply(config.config.global, logger: logger)
        let settings = derive(config)
        try service.start(settings)
        do {
            statusServer = try StatusServer(directory: runtimeDirectory, reactor: reactor, logger: logger) {
                [unowned self] r in StatusReport.reply(self.service, request: r, generation: Generation(self.generation))
            }
        } catch {
            logger.warning("no status socket in \(runtimeDirectory): \(error)")
        }
        logger.info("vrrpd started with \(settings.count) instance(s) from \(source.path)")
        try reactor.run()
        logger.info("vrrpd stopped")
    }

    func derive(_ config: CompiledConfig) -> [InstanceSettings] {
        let r = InstanceSettings.deriveAll(config.config)
        for n in r.notes { logger.warning("\(n)") }
        for e in r.errors { logger.error("\(e): instance not started") }
        return r.settings
    }

    private func reload() {
        logger.info("reloading \(source.path)")
        do {
            let config = try source.load()
            generation += 1
            service.reload(derive(config))
        } catch {
            logger.error("reload failed, keeping the running configuration: \(error)")
        }
    }

    private func stateChanged(_ change: StateChange) {
        // Under the supervisor this becomes a vrrpStateChange message to
        // checkd and ipvs-applier (generation \(generation)).
        _ = change
    }
}

extension VRRP.LogLevel {
    var swiftLog: Logger.Level {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        }
    }
}
