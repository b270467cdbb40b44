// vrrpd's command line: keepalived's flags for the VRRP child (-f, -n, -l,
// -D, -S, -G, -V, -i) plus vrrpd's own. Parsed by CommandLineOptions (the
// syntax, help and errors of argument-parser, without its Foundation: vrrpd
// is linked with the static Swift runtime and runs for months).
import CommandLineOptions
import DaemonCore
import Posix

struct VRRPDOptions {
    var file: String?
    var compiled: String?
    var configID: String?
    var dontFork = false
    var logConsole = false
    var logDetail = false
    var logFacility = "daemon"
    var noSyslog = false
    var dontRelease = false
    var pidFile: String?
    var runtimeDirectory = "/run/keepalived"
    var status = false
    var user: String?
    var policyDirectory: String?
    var supervisorFD: Int32?

    static let command = CommandSpec(
        name: "vrrpd",
        abstract: "VRRP daemon for keepalived configurations (VRRPv2, VRRPv3, IPv4, IPv6).",
        discussion: "vrrpd runs the vrrp_instance sections of a keepalived configuration: it elects a master per "
            + "virtual router, moves the virtual addresses with rtnetlink and announces them with gratuitous ARP "
            + "and unsolicited neighbour advertisements. It runs in the foreground, as keepalived-vrrpd with "
            + "CAP_NET_RAW and CAP_NET_ADMIN only, under a seccomp filter.",
        options: [
            OptionSpec("use-file", short: "f", value: "file",
                       help: "keepalived.conf to compile with kaconf (default /etc/keepalived/keepalived.conf)."),
            OptionSpec("compiled", value: "file", help: "A configuration compiled by 'kaconf compile'."),
            OptionSpec("config-id", short: "i", value: "config-id", help: "The config-id for @ lines of the configuration."),
            OptionSpec("dont-fork", short: "n",
                       help: "Accepted for keepalived compatibility: vrrpd always runs in the foreground."),
            OptionSpec("log-console", short: "l", help: "Log to the console as well as syslog."),
            OptionSpec("log-detail", short: "D", help: "Detailed log messages."),
            OptionSpec("log-facility", short: "S", value: "facility",
                       help: "Syslog facility: 0-7 (local0-local7), localN, user or daemon.", default: "daemon"),
            OptionSpec("no-syslog", short: "G", help: "Do not log to syslog."),
            OptionSpec("dont-release-vrrp", short: "V", help: "Leave the virtual addresses in place on stop."),
            OptionSpec("pid", value: "file", help: "Write the process id to this file."),
            OptionSpec("runtime-dir", value: "dir",
                       help: "Directory of vrrpd's sockets and of the peers' it connects to.", default: "/run/keepalived"),
            OptionSpec("status", help: "Print the running vrrpd's instances and counters, then exit."),
            OptionSpec("user", value: "name", help: "Run as this user instead of keepalived-vrrpd."),
            OptionSpec("policy-dir", value: "dir", help: "Directory holding vrrpd.policy."),
            OptionSpec("supervisor-fd", value: "supervisor-fd", help: "", hidden: true),
        ])

    /// The options of `arguments`, checked as a whole; help and usage errors are thrown to print.
    static func parse(_ arguments: [String]) throws(CommandLineOutcome) -> VRRPDOptions {
        let c = command
        let p = try c.parse(arguments)
        var o = VRRPDOptions()
        o.file = p.value("use-file")
        o.compiled = p.value("compiled")
        o.configID = p.value("config-id")
        o.dontFork = p.flag("dont-fork")
        o.logConsole = p.flag("log-console")
        o.logDetail = p.flag("log-detail")
        o.logFacility = p.value("log-facility") ?? o.logFacility
        o.noSyslog = p.flag("no-syslog")
        o.dontRelease = p.flag("dont-release-vrrp")
        o.pidFile = p.value("pid")
        o.runtimeDirectory = p.value("runtime-dir") ?? o.runtimeDirectory
        o.status = p.flag("status")
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
        return o
    }

    var logSettings: LogSettings {
        LogSettings(syslogFacility: noSyslog ? nil : LogSettings.facility(named: logFacility),
                    console: logConsole, detail: logDetail)
    }

    /// Where the configuration comes from when running alone.
    var source: ConfigSource? {
        if supervisorFD != nil { return nil }
        if let compiled { return .compiled(absolutePath(compiled)) }
        return .text(absolutePath(file ?? "/etc/keepalived/keepalived.conf"), configID: configID)
    }
}
