// vrrpd: VRRP v2 and v3 (RFC 3768, RFC 5798) for keepalived configurations.
//
// Peers:        the supervisor over the inherited descriptor (--supervisor-fd),
//               which also relays its state changes to checkd and
//               ipvs-applier; or nobody when started alone (systemd), where
//               `vrrpd --status` asks it over <runtime-dir>/vrrpd.sock.
// User:         keepalived-vrrpd.
// Capabilities: CAP_NET_RAW (raw IP and AF_PACKET sockets),
//               CAP_NET_ADMIN (addresses through rtnetlink). Nothing else.
// Policy:       policies/vrrpd.policy (seccomp, loaded by the Sandbox).
import ArgumentParser
import ConfigModel
import DaemonSupport
import Glibc
import Logging
import Posix
import Sandbox
import VRRPService
import Wire

@main
struct VRRPD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vrrpd",
        abstract: "VRRP daemon for keepalived configurations (VRRPv2, VRRPv3, IPv4, IPv6).",
        discussion: """
            vrrpd runs the vrrp_instance sections of a keepalived configuration: it elects a master per \
            virtual router, moves the virtual addresses with rtnetlink and announces them with gratuitous ARP \
            and unsolicited neighbour advertisements. It runs in the foreground, as keepalived-vrrpd with \
            CAP_NET_RAW and CAP_NET_ADMIN only, under a seccomp filter.
            """)

    @Option(name: [.customShort("f"), .customLong("use-file")],
            help: ArgumentHelp("keepalived.conf to compile with kaconf (default /etc/keepalived/keepalived.conf).",
                               valueName: "file"))
    var file: String?

    @Option(name: .customLong("compiled"), help: ArgumentHelp("A configuration compiled by 'kaconf compile'.",
                                                              valueName: "file"))
    var compiled: String?

    @Option(name: [.customShort("i"), .customLong("config-id")], help: "The config-id for @ lines of the configuration.")
    var configID: String?

    @Flag(name: [.customShort("n"), .customLong("dont-fork")],
          help: "Accepted for keepalived compatibility: vrrpd always runs in the foreground.")
    var dontFork = false

    @Flag(name: [.customShort("l"), .customLong("log-console")], help: "Log to the console as well as syslog.")
    var logConsole = false

    @Flag(name: [.customShort("D"), .customLong("log-detail")], help: "Detailed log messages.")
    var logDetail = false

    @Option(name: [.customShort("S"), .customLong("log-facility")],
            help: ArgumentHelp("Syslog facility: 0-7 (local0-local7), localN, user or daemon.", valueName: "facility"))
    var logFacility = "daemon"

    @Flag(name: [.customShort("G"), .customLong("no-syslog")], help: "Do not log to syslog.")
    var noSyslog = false

    @Flag(name: [.customShort("V"), .customLong("dont-release-vrrp")], help: "Leave the virtual addresses in place on stop.")
    var dontRelease = false

    @Option(name: .customLong("pid"), help: ArgumentHelp("Write the process id to this file.", valueName: "file"))
    var pidFile: String?

    @Option(name: .customLong("runtime-dir"), help: ArgumentHelp("Directory of vrrpd's sockets.", valueName: "dir"))
    var runtimeDirectory = "/run/keepalived"

    @Flag(name: .customLong("status"), help: "Print the running vrrpd's instances and counters, then exit.")
    var status = false

    @Option(name: .customLong("user"), help: ArgumentHelp("Run as this user instead of keepalived-vrrpd.", valueName: "name"))
    var user: String?

    @Option(name: .customLong("policy-dir"), help: ArgumentHelp("Directory holding vrrpd.policy.", valueName: "dir"))
    var policyDirectory: String?

    @Option(name: .customLong("supervisor-fd"), help: .hidden)
    var supervisorFD: Int32?

    func validate() throws {
        if file != nil && compiled != nil { throw ValidationError("give either -f FILE or --compiled FILE, not both") }
        if LogSettings.facility(named: logFacility) == nil {
            throw ValidationError("log facility '\(logFacility)' is not 0-7, local0-local7, user or daemon")
        }
        if supervisorFD != nil && (file != nil || compiled != nil) {
            throw ValidationError("under the supervisor the configuration comes from it: no -f or --compiled")
        }
    }

    func run() throws {
        if status { throw ExitCode(StatusClient.run(directory: runtimeDirectory)) }
        let logSettings = LogSettings(syslogFacility: noSyslog ? nil : LogSettings.facility(named: logFacility),
                                      console: logConsole, detail: logDetail)
        DaemonLogging.bootstrap(program: "vrrpd", logSettings)
        var logger = Logger(label: "vrrpd")
        logger.logLevel = logDetail ? .debug : .info

        var options = VRRPService.Options()
        options.releaseAddressesOnStop = !dontRelease
        let source: ConfigSource? = supervisorFD != nil ? nil : compiled.map { .compiled($0) }
            ?? .text(file ?? "/etc/keepalived/keepalived.conf", configID: configID)
        do {
            // Everything that needs root happens here, before the sandbox:
            // compiling as kaconf's user, the pid file, the status socket.
            let initial = try source?.load()
            let daemon = try Daemon(source: source, options: options, logger: logger)
            if let initial { Scheduling.apply(initial.config.global, logger: logger) }
            if let fd = supervisorFD { try daemon.connectSupervisor(fd: fd) } else {
                daemon.openStatusSocket(directory: runtimeDirectory)
            }
            let pid = pidFile.map(PidFile.init)
            try pid?.write()
            defer { pid?.remove() }

            var profile = ProgramProfile.of(.vrrpd)
            if let user { profile.user = user }
            let report = try Sandbox.enter(SandboxProfile(program: "vrrpd", user: profile.user,
                                                          capabilities: profile.capabilities,
                                                          policyDirectory: PolicyDirectory.resolve(explicit: policyDirectory)))
            logger.info("\(report)")
            try daemon.run(initial)
        } catch let e as ExitCode {
            throw e
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
    }
}
