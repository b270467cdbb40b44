// The options every daemon shares. Under the supervisor they are passed by
// it; a daemon started alone (e.g. by its systemd unit) is given them.
import ArgumentParser
import Glibc
import Posix

public struct DaemonOptions: ParsableArguments {
    public init() {}

    @Option(name: .customLong("supervisor-fd"), help: .hidden)
    public var supervisorFD: Int32?

    /// Under the supervisor: the capabilities it granted beyond the profile
    /// because the configuration needs them (e.g. `CAP_NET_ADMIN` for a
    /// checker fwmark), comma-separated.
    @Option(name: .customLong("granted-capabilities"), help: .hidden)
    public var grantedCapabilities: String?

    @Option(name: [.customShort("f"), .customLong("config")],
            help: ArgumentHelp("Compiled configuration to load when running alone ('kaconf compile' output).",
                               valueName: "file"))
    public var config: String = "/etc/keepalived/keepalived.kacf"

    @Option(name: .customLong("runtime-dir"),
            help: ArgumentHelp("Directory of the named sockets when running alone.", valueName: "dir"))
    public var runtimeDirectory: String = "/run/keepalived"

    @Option(name: .customLong("user"), help: ArgumentHelp("Run as this user instead of the program's own.", valueName: "name"))
    public var user: String?

    @Option(name: .customLong("policy-dir"),
            help: ArgumentHelp("Directory holding the seccomp policies (default: installed next to the program).",
                               valueName: "dir"))
    public var policyDirectory: String?

    @Flag(name: [.customShort("l"), .customLong("log-console")], help: "Also log to the console.")
    public var logConsole = false

    @Flag(name: [.customShort("D"), .customLong("log-detail")], help: "Detailed log messages.")
    public var logDetail = false

    @Option(name: [.customShort("S"), .customLong("log-facility")],
            help: ArgumentHelp("Syslog facility: 0-7 (local0-local7), localN, user or daemon.", valueName: "facility"))
    public var logFacility: String = "daemon"

    @Flag(name: [.customShort("G"), .customLong("no-syslog")], help: "Do not log to syslog.")
    public var noSyslog = false

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Pid file when running alone.", valueName: "file"))
    public var pidFile: String?

    public func validate() throws {
        if LogSettings.facility(named: logFacility) == nil {
            throw ValidationError("log facility '\(logFacility)' is not 0-7, local0-local7, user or daemon")
        }
        if let g = grantedCapabilities, DaemonOptions.capabilities(g) == nil {
            throw ValidationError("--granted-capabilities '\(g)' is not a comma-separated list of capability names")
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
