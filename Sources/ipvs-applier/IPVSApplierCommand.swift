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
import CommandLineOptions
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
struct IPVSApplierCommand {
    static let command = CommandSpec(
        name: "ipvs-applier",
        abstract: "The only writer of the kernel's IPVS tables, for keepalived configurations.",
        discussion: "ipvs-applier places the virtual_server sections of a keepalived configuration in the kernel's "
            + "IPVS table over generic netlink, and keeps them as checkd's verdicts say, within what the "
            + "configuration allows. At start it reconciles with what the kernel holds; entries it does not own "
            + "are left alone. It runs in the foreground, as keepalived-ipvs with CAP_NET_ADMIN only, under a "
            + "seccomp filter.",
        options: [
            OptionSpec("use-file", short: "f", value: "file",
                       help: "keepalived.conf to compile with kaconf (default /etc/keepalived/keepalived.conf)."),
            OptionSpec("compiled", value: "file", help: "A configuration compiled by 'kaconf compile'."),
            OptionSpec("config-id", short: "i", value: "config-id", help: "The config-id for @ lines of the configuration."),
            OptionSpec("dont-fork", short: "n",
                       help: "Accepted for keepalived compatibility: ipvs-applier always runs in the foreground."),
            OptionSpec("log-console", short: "l", help: "Log to the console as well as syslog."),
            OptionSpec("log-detail", short: "D", help: "Detailed log messages."),
            OptionSpec("log-facility", short: "S", value: "facility",
                       help: "Syslog facility: 0-7 (local0-local7), localN, user or daemon.", default: "daemon"),
            OptionSpec("no-syslog", short: "G", help: "Do not log to syslog."),
            OptionSpec("dont-release-ipvs", short: "I",
                       help: "Leave the IPVS table in place on stop (otherwise what ipvs-applier placed is removed)."),
            OptionSpec("pid", short: "p", value: "file", help: "Write the process id to this file."),
            OptionSpec("runtime-dir", value: "dir",
                       help: "Directory of the peers' sockets; ipvs-applier's are under ipvs-applier/.", default: "/run/keepalived"),
            OptionSpec("user", value: "name", help: "Run as this user instead of keepalived-ipvs."),
            OptionSpec("policy-dir", value: "dir", help: "Directory holding ipvs-applier.policy."),
            OptionSpec("supervisor-fd", value: "supervisor-fd", help: "", hidden: true),
        ])

    var file: String?
    var compiled: String?
    var configID: String?
    var logConsole = false
    var logDetail = false
    var logFacility = "daemon"
    var noSyslog = false
    var dontRelease = false
    var pidFile: String?
    var runtimeDirectory = "/run/keepalived"
    var user: String?
    var policyDirectory: String?
    var supervisorFD: Int32?

    static func main() {
        let c = command
        var o = IPVSApplierCommand()
        do throws(CommandLineOutcome) {
            let p = try c.parse(Array(CommandLine.arguments.dropFirst()))
            o.file = p.value("use-file")
            o.compiled = p.value("compiled")
            o.configID = p.value("config-id")
            o.logConsole = p.flag("log-console")
            o.logDetail = p.flag("log-detail")
            o.logFacility = p.value("log-facility") ?? o.logFacility
            o.noSyslog = p.flag("no-syslog")
            o.dontRelease = p.flag("dont-release-ipvs")
            o.pidFile = p.value("pid")
            o.runtimeDirectory = p.value("runtime-dir") ?? o.runtimeDirectory
            o.user = p.value("user")
            o.policyDirectory = p.value("policy-dir")
            if let fd = p.value("supervisor-fd") {
                guard let n = Int32(fd), n >= 0 else {
                    throw c.usageError("The value '\(fd)' is invalid for '--supervisor-fd <supervisor-fd>'")
                }
                o.supervisorFD = n
            }
            if o.file != nil && o.compiled != nil { throw c.usageError("give either -f FILE or --compiled FILE, not both") }
            if LogSettings.facility(named: o.logFacility) == nil {
                throw c.usageError("log facility '\(o.logFacility)' is not 0-7, local0-local7, user or daemon")
            }
            if o.supervisorFD != nil && (o.file != nil || o.compiled != nil) {
                throw c.usageError("under the supervisor the configuration comes from it: no -f or --compiled")
            }
        } catch {
            switch error {
            case .help(let text): writeText(1, text); exit(0)
            case .usage(let text): writeText(2, text); exit(CommandLineOutcome.usageStatus)
            }
        }
        exit(o.run())
    }

    func run() -> Int32 {
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
            return 0
        } catch GenericNetlinkError.familyNotFound(let family) {
            // A kernel without IPVS: nothing to do until the operator loads it.
            // The status tells the supervisor (and systemd, RestartPreventExitStatus=)
            // not to start it again in a loop.
            logger.critical("IPVS is not available in this kernel (generic netlink family \(family) not found; load it with 'modprobe ip_vs'): ipvs-applier cannot run")
            return DaemonExitStatus.unavailable
        } catch {
            logger.critical("\(error)")
            return 1
        }
    }
}
