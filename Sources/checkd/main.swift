// checkd: every keepalived health checker, unprivileged.
//
// Peers:        the supervisor (config, reload, shutdown, scripts) when supervised;
//               ipvs-applier (verdicts out: on change, full state on (re)connect);
//               vrrpd (VRRP state changes in, for ha_suspend).
//               Alone: ka-script-host (config, scripts), <runtime-dir>/ipvs-applier/ipvs-applier.sock
//               (connect), <runtime-dir>/checkd/checkd.sock (listen for vrrpd).
// User:         keepalived-checkd (created by scripts/setup.sh).
// Capabilities: none; CAP_NET_ADMIN only while the configuration has a checker
//               `fwmark` (SO_MARK), logged when held (ProgramProfile.conditionalCapabilities).
// Touches:      probe sockets (TCP, UDP, ICMP datagram), track files (inotify),
//               notify FIFOs, scripts (through the supervisor, or its own when alone).
import Checkers
import Codec
import CommandLineOptions
import ConfigModel
import DaemonSupport
import Glibc
import Logging
import Posix
import Reactor
import Sandbox
import Wire

/// checkd's command line: the options every daemon shares, and --compiled.
enum CheckdCommand {
    static let command = CommandSpec(
        name: "checkd",
        abstract: "Health checks for keepalived's virtual servers (HTTP, SSL, TCP, SMTP, DNS, UDP, PING, MISC, FILE).",
        discussion: "Loads a compiled configuration ('kaconf compile'), checks every real server and tells ipvs-applier which are up.",
        options: DaemonOptions.optionSpecs + [
            OptionSpec("compiled", value: "file", help: "Same as -f: the compiled configuration to load."),
        ])

    static func main() -> Never {
        var options: DaemonOptions
        do {
            let p = try command.parse(Array(CommandLine.arguments.dropFirst()))
            options = try DaemonOptions(p, command: command)
            if let compiled = p.value("compiled") { options.config = compiled }
        } catch {
            switch error {
            case .help(let text): writeText(1, text); exit(0)
            case .usage(let text): writeText(2, text); exit(CommandLineOutcome.usageStatus)
            }
        }
        // Logging, the runtime directory and peer sockets or the supervisor
        // link, ka-script-host (alone), the sandbox: DaemonSupport's, as for
        // every daemon.
        let d: Daemon
        do {
            d = try Daemon.start(.checkd, options: options)
        } catch {
            writeText(2, "checkd: \(error)\n")
            exit(1)
        }
        do {
            try d.run(delegate: CheckdDelegate(daemon: d))
        } catch {
            writeText(2, "checkd: \(error)\n")
            exit(1)
        }
    }
}

/// checkd's answers to the supervisor (or, alone, to ka-script-host and its peers).
final class CheckdDelegate: DaemonDelegate {
    let host: Daemon
    var checks: CheckDaemon?

    init(daemon: Daemon) { host = daemon }

    func apply(slice: [UInt8], generation: Generation) -> String? {
        let config: CompiledConfig
        if let c = try? CompiledConfig.load(from: slice) {
            config = c
        } else {
            do { config = try Codec.decode(CompiledConfig.self, from: slice) } catch { return "cannot decode the slice: \(error)" }
        }
        holdCapabilities(for: config.config)
        if let checks {
            checks.reload(config, generation: generation)
        } else {
            let d: CheckDaemon
            do {
                d = try CheckDaemon(reactor: host.reactor, logger: host.logger, config: config, generation: generation,
                                    scripts: HostScripts(daemon: host))
            } catch {
                return "cannot start the checks: \(error)"
            }
            d.sendToApplier = { [host] in host.send($0) }
            checks = d
            // The first states go out as changes; a full state follows whenever
            // ipvs-applier (re)connects (peerChange).
            d.start()
        }
        return nil
    }

    /// CAP_NET_ADMIN only while a checker sets fwmark: granted at start
    /// (DaemonSupport), dropped when a reload leaves none; one that a reload
    /// newly needs comes with a restart (the supervisor's) or not at all (alone).
    func holdCapabilities(for config: KeepalivedConfiguration) {
        let needed = ProgramProfile.of(.checkd, for: config).capabilities
        let surplus = host.capabilities.subtracting(needed)
        if !surplus.isEmpty {
            do { try host.dropCapabilities(surplus) } catch { host.logger.error("cannot drop \(surplus): \(error)") }
        }
        let missing = needed.subtracting(host.capabilities)
        if !missing.isEmpty {
            host.logger.warning("a checker sets fwmark (SO_MARK), which needs \(missing); checkd was started without it, so those checks fail until it is restarted with this configuration")
        }
    }

    func status(_ request: StatusRequest, generation: Generation) -> [StatusReply] {
        [StatusReply(requestID: request.requestID, generation: generation, program: .checkd, pid: getpid(),
                     dumpLines: checks?.dumpLines() ?? [])]
    }

    func shutdown(_ request: Shutdown) {
        guard let checks else { host.finishShutdown() }
        checks.shutdown { [host] in host.finishShutdown() }
    }

    func received(_ message: Message, from: ProgramName) {
        switch message {
        case .vrrpStateChange(let s): checks?.vrrpStateChanged(s)
        case .peerChange(let p) where p.program == .ipvsApplier && p.up: checks?.sendFullState()
        default: host.logger.debug("ignoring \(message.type) from \(from)")
        }
    }
}

/// Scripts through the supervisor (it owns users and privileges), or alone
/// through ka-script-host (started before the sandbox, as checkd's user).
final class HostScripts: ScriptExecutor {
    let daemon: Daemon
    private(set) var running = 0
    init(daemon: Daemon) { self.daemon = daemon }
    func run(_ id: ScriptID, timeout: Interval?, completion: @escaping (ScriptEnd) -> Void) {
        running += 1
        daemon.runScript(id.index, timeout: timeout?.duration) { [weak self] outcome in
            self?.running -= 1
            switch outcome {
            case .exited(let s): completion(.exited(s))
            case .signaled(let s): completion(.signaled(s))
            case .timedOut: completion(.timedOut)
            case .failedToStart(let why), .refused(let why): completion(.couldNotRun(why))
            }
        }
    }
}

CheckdCommand.main()
