// The command line vrrpd and ipvs-applier share, keepalived's flags for its
// children (-f, -i, -n, -l, -D, -S, -G, a don't-release flag) plus the
// runtime's own (--compiled, --pid, --runtime-dir, --user, --policy-dir and
// the supervisor's hidden --supervisor-fd). Parsed by CommandLineOptions.
import CommandLineOptions
import Posix

public struct ChildOptions: Sendable {
    public var file: String?
    public var compiled: String?
    public var configID: String?
    public var dontFork = false
    public var logConsole = false
    public var logDetail = false
    public var logFacility = "daemon"
    public var noSyslog = false
    public var dontRelease = false
    public var pidFile: String?
    public var runtimeDirectory = "/run/keepalived"
    public var user: String?
    public var policyDirectory: String?
    public var supervisorFD: Int32?

    /// How one program words its options.
    public struct Wording: Sendable {
        public var program: String
        public var user: String
        /// The don't-release flag: long name, short name, help.
        public var dontRelease: (long: String, short: Character, help: String)
        public var runtimeDirectoryHelp: String
        public var pidShort: Character?

        public init(program: String, user: String, dontRelease: (long: String, short: Character, help: String),
                    runtimeDirectoryHelp: String, pidShort: Character? = nil) {
            self.program = program
            self.user = user
            self.dontRelease = dontRelease
            self.runtimeDirectoryHelp = runtimeDirectoryHelp
            self.pidShort = pidShort
        }
    }

    /// keepalived's logging flags, as every daemon takes them (-l, -D, -S, -G).
    public static let loggingSpecs: [OptionSpec] = [
        OptionSpec("log-console", short: "l", help: "Log to the console as well as syslog."),
        OptionSpec("log-detail", short: "D", help: "Detailed log messages."),
        OptionSpec("log-facility", short: "S", value: "facility",
                   help: "Syslog facility: 0-7 (local0-local7), localN, user or daemon.", default: "daemon"),
        OptionSpec("no-syslog", short: "G", help: "Do not log to syslog."),
    ]

    /// The options, in the order --help lists them, with `extra` before the hidden one.
    public static func specs(_ w: Wording, extra: [OptionSpec] = []) -> [OptionSpec] {
        [
            OptionSpec("use-file", short: "f", value: "file",
                       help: "keepalived.conf to compile with kaconf (default /etc/keepalived/keepalived.conf)."),
            OptionSpec("compiled", value: "file", help: "A configuration compiled by 'kaconf compile'."),
            OptionSpec("config-id", short: "i", value: "config-id", help: "The config-id for @ lines of the configuration."),
            OptionSpec("dont-fork", short: "n",
                       help: "Accepted for keepalived compatibility: \(w.program) always runs in the foreground."),
        ] + loggingSpecs + [
            OptionSpec(w.dontRelease.long, short: w.dontRelease.short, help: w.dontRelease.help),
            OptionSpec("pid", short: w.pidShort, value: "file", help: "Write the process id to this file."),
            OptionSpec("runtime-dir", value: "dir", help: w.runtimeDirectoryHelp, default: "/run/keepalived"),
        ] + extra + [
            OptionSpec("user", value: "name", help: "Run as this user instead of \(w.user)."),
            OptionSpec("policy-dir", value: "dir", help: "Directory holding \(w.program).policy."),
            OptionSpec("supervisor-fd", value: "supervisor-fd", help: "", hidden: true),
        ]
    }

    /// The options of a command line parsed with `specs(w)`, checked as a whole.
    public init(_ p: ParsedCommandLine, command c: CommandSpec, _ w: Wording) throws(CommandLineOutcome) {
        file = p.value("use-file")
        compiled = p.value("compiled")
        configID = p.value("config-id")
        dontFork = p.flag("dont-fork")
        logConsole = p.flag("log-console")
        logDetail = p.flag("log-detail")
        logFacility = p.value("log-facility") ?? logFacility
        noSyslog = p.flag("no-syslog")
        dontRelease = p.flag(w.dontRelease.long)
        pidFile = p.value("pid")
        runtimeDirectory = p.value("runtime-dir") ?? runtimeDirectory
        user = p.value("user")
        policyDirectory = p.value("policy-dir")
        if let fd = p.value("supervisor-fd") {
            guard let n = Int32(fd), n >= 0 else {
                throw c.usageError("The value '\(fd)' is invalid for '--supervisor-fd <supervisor-fd>'")
            }
            supervisorFD = n
        }
        if file != nil && compiled != nil { throw c.usageError("give either -f FILE or --compiled FILE, not both") }
        if LogSettings.facility(named: logFacility) == nil {
            throw c.usageError("log facility '\(logFacility)' is not 0-7, local0-local7, user or daemon")
        }
        if supervisorFD != nil && (file != nil || compiled != nil) {
            throw c.usageError("under the supervisor the configuration comes from it: no -f or --compiled")
        }
    }

    public var logSettings: LogSettings {
        LogSettings(syslogFacility: noSyslog ? nil : LogSettings.facility(named: logFacility),
                    console: logConsole, detail: logDetail)
    }

    /// Where the configuration comes from when running alone (nil under the supervisor).
    public var source: ConfigSource? {
        if supervisorFD != nil { return nil }
        if let compiled { return .compiled(absolutePath(compiled)) }
        return .text(absolutePath(file ?? "/etc/keepalived/keepalived.conf"), configID: configID)
    }
}
