// ipvs-applier: the only writer of the kernel's IPVS tables.
//
// Peers:        the supervisor over the inherited descriptor (--supervisor-fd),
//               which relays checkd's verdicts and vrrpd's state changes; or,
//               started alone (systemd), checkd and vrrpd on
//               <runtime-dir>/ipvs-applier/ipvs-applier.sock (the runtime's
//               PeerSockets: SO_PEERCRED against their users, Routing's table),
//               and status requests on <runtime-dir>/ipvs-applier/status.sock.
//               checkd is untrusted: every verdict is admitted against the
//               compiled configuration or refused, counted and logged.
// User:         keepalived-ipvs.
// Capabilities: CAP_NET_ADMIN (the IPVS generic netlink family). Nothing else.
// Policy:       policies/ipvs-applier.policy (seccomp, loaded by the Sandbox).
import ArgumentParser
import ConfigModel
import DaemonSupport
import Glibc
import IPVS
import IPVSNetlink
import Logging
import Netlink
import Posix
import Sandbox
import Wire

@main
struct IPVSApplierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipvs-applier",
        abstract: "The only writer of the kernel's IPVS tables, for keepalived configurations.",
        discussion: """
            ipvs-applier places the virtual_server sections of a keepalived configuration in the kernel's \
            IPVS table over generic netlink, and keeps them as checkd's verdicts say, within what the \
            configuration allows. At start it reconciles with what the kernel holds; entries it does not own \
            are left alone. It runs in the foreground, as keepalived-ipvs with CAP_NET_ADMIN only, under a \
            seccomp filter.
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
          help: "Accepted for keepalived compatibility: ipvs-applier always runs in the foreground.")
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

    @Flag(name: [.customShort("I"), .customLong("dont-release-ipvs")],
          help: "Leave the IPVS table in place on stop (otherwise what ipvs-applier placed is removed).")
    var dontRelease = false

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Write the process id to this file.", valueName: "file"))
    var pidFile: String?

    @Option(name: .customLong("runtime-dir"),
            help: ArgumentHelp("Directory of the peers' sockets; ipvs-applier's are under ipvs-applier/.", valueName: "dir"))
    var runtimeDirectory = "/run/keepalived"

    @Option(name: .customLong("user"), help: ArgumentHelp("Run as this user instead of keepalived-ipvs.", valueName: "name"))
    var user: String?

    @Option(name: .customLong("policy-dir"), help: ArgumentHelp("Directory holding ipvs-applier.policy.", valueName: "dir"))
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
        let logSettings = LogSettings(syslogFacility: noSyslog ? nil : LogSettings.facility(named: logFacility),
                                      console: logConsole, detail: logDetail)
        DaemonLogging.bootstrap(program: "ipvs-applier", logSettings)
        var logger = Logger(label: "ipvs-applier")
        logger.logLevel = logDetail ? .debug : .info

        let alone = supervisorFD == nil
        let source: ConfigSource? = alone ? (compiled.map { .compiled(absolutePath($0)) }
            ?? .text(absolutePath(file ?? "/etc/keepalived/keepalived.conf"), configID: configID)) : nil
        var options = ApplierOptions()
        options.releaseOnStop = !dontRelease
        options.standalone = alone
        do {
            // Everything that needs root or the file system happens here,
            // before the sandbox: compiling as kaconf's user, the netlink
            // socket, the ownership record, the named socket, the pid file.
            let initial = try source?.load(for: .ipvsApplier)
            let daemon = try ApplierDaemon(source: source, options: options, logger: logger,
                                           runtimeDirectory: runtimeDirectory, userOverride: user)
            if let fd = supervisorFD { try daemon.connectSupervisor(fd: fd) }
            let pid = pidFile.map(PidFile.init)
            try pid?.write()
            defer { pid?.remove() }

            var profile = ProgramProfile.of(.ipvsApplier)
            if let user { profile.user = user }
            let report = try Sandbox.enter(SandboxProfile(program: "ipvs-applier", user: profile.user,
                                                          capabilities: profile.capabilities,
                                                          policyDirectory: PolicyDirectory.resolve(explicit: policyDirectory)))
            logger.info("\(report)")
            try daemon.run(initial)
        } catch let e as ExitCode {
            throw e
        } catch GenericNetlinkError.familyNotFound(let family) {
            // A kernel without IPVS: nothing to do until the operator loads it.
            // The status tells the supervisor (and systemd, RestartPreventExitStatus=)
            // not to start it again in a loop.
            logger.critical("IPVS is not available in this kernel (generic netlink family \(family) not found; load it with 'modprobe ip_vs'): ipvs-applier cannot run")
            throw ExitCode(DaemonExitStatus.unavailable)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
    }
}
