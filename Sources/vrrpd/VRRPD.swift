// vrrpd: VRRP v2 and v3 (RFC 3768, RFC 5798) for keepalived configurations.
//
// Peers:        the supervisor over an inherited descriptor, or nobody when
//               started alone (systemd); state changes go to checkd and
//               ipvs-applier.
// User:         keepalived-vrrpd.
// Capabilities: CAP_NET_RAW (raw IP and AF_PACKET sockets),
//               CAP_NET_ADMIN (addresses through rtnetlink). Nothing else.
// Policy:       policies/vrrpd.policy.
import ArgumentParser
import ConfigModel
import Glibc
import Logging
import VRRPService

@main
struct VRRPD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vrrpd",
        abstract: "VRRP daemon for keepalived configurations (VRRPv2, VRRPv3, IPv4, IPv6).",
        discussion: """
            vrrpd runs the vrrp_instance sections of a keepalived configuration: it elects a master per \
            virtual router, moves the virtual addresses with rtnetlink and announces them with gratuitous ARP \
            and unsolicited neighbour advertisements. It runs in the foreground.
            """)

    @Option(name: [.customShort("f"), .customLong("use-file")],
            help: ArgumentHelp("keepalived.conf to compile with kaconf (as kaconf's own user).", valueName: "file"))
    var file: String?

    @Option(name: .customLong("compiled"), help: ArgumentHelp("A configuration compiled by 'kaconf compile'.",
                                                              valueName: "file"))
    var compiled: String?

    @Option(name: [.customShort("i"), .customLong("config-id")], help: "The config-id for @ lines of the configuration.")
    var configID: String?

    @Flag(name: [.customShort("n"), .customLong("dont-fork")], help: "Accepted for keepalived compatibility: vrrpd always runs in the foreground.")
    var dontFork = false

    @Flag(name: [.customShort("l"), .customLong("log-console")], help: "Log to the console as well as syslog.")
    var logConsole = false

    @Flag(name: [.customShort("D"), .customLong("log-detail")], help: "Detailed log messages.")
    var logDetail = false

    @Flag(name: [.customShort("V"), .customLong("dont-release-vrrp")], help: "Leave the virtual addresses in place on stop.")
    var dontRelease = false

    @Option(name: .customLong("pid"), help: ArgumentHelp("Write the process id to this file.", valueName: "file"))
    var pidFile: String?

    @Option(name: .customLong("runtime-dir"), help: ArgumentHelp("Directory of vrrpd's sockets.", valueName: "dir"))
    var runtimeDirectory = "/run/keepalived"

    @Flag(name: .customLong("status"), help: "Print the running vrrpd's instances and counters, then exit.")
    var status = false

    func validate() throws {
        if file != nil && compiled != nil { throw ValidationError("give either -f FILE or --compiled FILE, not both") }
    }

    func run() throws {
        if status { throw ExitCode(StatusClient.run(directory: runtimeDirectory)) }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .info
            return h
        }
        var logger = Logger(label: "vrrpd")
        logger.logLevel = logDetail ? .debug : .info

        let source: ConfigSource = compiled.map { .compiled($0) }
            ?? .text(file ?? "/etc/keepalived/keepalived.conf", configID: configID)
        let config: CompiledConfig
        do { config = try source.load() } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        var options = VRRPService.Options()
        options.releaseAddressesOnStop = !dontRelease
        let daemon: Daemon
        do { daemon = try Daemon(source: source, config: config, options: options, logger: logger) } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        if let pidFile {
            let text = "\(getpid())\n"
            let fd = open(pidFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd >= 0 { _ = text.withCString { write(fd, $0, strlen($0)) }; close(fd) }
        }
        defer { if let pidFile { unlink(pidFile) } }
        do { try daemon.run(config, runtimeDirectory: runtimeDirectory) } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
    }
}
