// The options every daemon shares. Under the supervisor they are passed by
// it; a daemon started alone (e.g. by its systemd unit) is given them.
import CommandLineOptions
import Glibc
import Posix

public struct DaemonOptions: Sendable {
    public init() {}

    public var supervisorFD: Int32?
    /// Under the supervisor: the capabilities it granted beyond the profile
    /// because the configuration needs them (e.g. `CAP_NET_ADMIN` for a
    /// checker fwmark), comma-separated.
    public var grantedCapabilities: String?
    public var config: String = "/etc/keepalived/keepalived.kacf"
    public var runtimeDirectory: String = "/run/keepalived"
    public var user: String?
    public var policyDirectory: String?
    public var logConsole = false
    public var logDetail = false
    public var logFacility: String = "daemon"
    public var noSyslog = false
    public var pidFile: String?

    /// The options, for a program's CommandSpec (CommandLineOptions: the
    /// syntax, help and errors of argument-parser without its Foundation).
    public static let optionSpecs: [OptionSpec] = [
        OptionSpec("supervisor-fd", value: "supervisor-fd", help: "", hidden: true),
        OptionSpec("granted-capabilities", value: "granted-capabilities", help: "", hidden: true),
        OptionSpec("config", short: "f", value: "file",
                   help: "Compiled configuration to load when running alone ('kaconf compile' output).",
                   default: "/etc/keepalived/keepalived.kacf"),
        OptionSpec("runtime-dir", value: "dir", help: "Directory of the named sockets when running alone.",
                   default: "/run/keepalived"),
        OptionSpec("user", value: "name", help: "Run as this user instead of the program's own."),
        OptionSpec("policy-dir", value: "dir",
                   help: "Directory holding the seccomp policies (default: installed next to the program)."),
    ] + ChildOptions.loggingSpecs + [
        OptionSpec("pid", short: "p", value: "file", help: "Pid file when running alone."),
    ]

    /// The options of a command line parsed with `optionSpecs` among its options.
    public init(_ p: ParsedCommandLine, command: CommandSpec) throws(CommandLineOutcome) {
        if let fd = p.value("supervisor-fd") {
            guard let n = Int32(fd), n >= 0 else {
                throw command.usageError("The value '\(fd)' is invalid for '--supervisor-fd <supervisor-fd>'")
            }
            supervisorFD = n
        }
        grantedCapabilities = p.value("granted-capabilities")
        config = p.value("config") ?? config
        runtimeDirectory = p.value("runtime-dir") ?? runtimeDirectory
        user = p.value("user")
        policyDirectory = p.value("policy-dir")
        logConsole = p.flag("log-console")
        logDetail = p.flag("log-detail")
        logFacility = p.value("log-facility") ?? logFacility
        noSyslog = p.flag("no-syslog")
        pidFile = p.value("pid")
        if LogSettings.facility(named: logFacility) == nil {
            throw command.usageError("log facility '\(logFacility)' is not 0-7, local0-local7, user or daemon")
        }
        if let g = grantedCapabilities, DaemonOptions.capabilities(g) == nil {
            throw command.usageError("--granted-capabilities '\(g)' is not a comma-separated list of capability names")
        }
    }

    /// `CAP_NET_ADMIN,CAP_NET_RAW` (or empty) as a set; nil if a name is unknown.
    public static func capabilities(_ list: String) -> CapabilitySet? {
        var set = CapabilitySet()
        for name in list.split(separator: ",") {
            guard let c = Capability(name: String(name)) else { return nil }
            set.insert(c)
        }
        return set
    }

    public var logSettings: LogSettings {
        LogSettings(syslogFacility: noSyslog ? nil : LogSettings.facility(named: logFacility),
                    console: logConsole, detail: logDetail)
    }

    /// The arguments the supervisor passes to a child it starts.
    public static func supervisedArguments(fd: Int32, policyDirectory: String, logSettings: LogSettings,
                                           facilityName: String, granted: CapabilitySet = .none) -> [String] {
        var a = ["--supervisor-fd", "\(fd)", "--policy-dir", policyDirectory]
        if !granted.isEmpty { a += ["--granted-capabilities", granted.members.map(\.description).joined(separator: ",")] }
        if logSettings.console { a.append("--log-console") }
        if logSettings.detail { a.append("--log-detail") }
        if logSettings.syslogFacility == nil { a.append("--no-syslog") } else { a += ["--log-facility", facilityName] }
        return a
    }
}
