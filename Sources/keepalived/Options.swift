// keepalived's command line (reference §3.1), every option Debian's 2.2.7
// accepts, short and long. Those marked "not supported yet" are accepted,
// so existing command lines and units keep working, and say so in the log.
import ArgumentParser

struct KeepalivedOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("use-file")],
            help: ArgumentHelp("Use the specified configuration file (text, or compiled by kaconf).", valueName: "FILE"))
    var useFile = "/etc/keepalived/keepalived.conf"

    @Flag(name: [.customShort("P"), .customLong("vrrp")], help: "Only run with VRRP subsystem.")
    var vrrpOnly = false
    @Flag(name: [.customShort("C"), .customLong("check")], help: "Only run with Health-checker subsystem.")
    var checkOnly = false
    @Flag(name: [.customShort("B"), .customLong("no_bfd")], help: "Don't run BFD subsystem (there is no BFD daemon yet).")
    var noBFD = false
    @Flag(name: .customLong("all"), help: "Force all child processes to run, even if have no configuration.")
    var all = false

    @Flag(name: [.customShort("l"), .customLong("log-console")], help: "Log messages to local console.")
    var logConsole = false
    @Flag(name: [.customShort("D"), .customLong("log-detail")], help: "Detailed log messages.")
    var logDetail = false
    @Option(name: [.customShort("S"), .customLong("log-facility")],
            help: ArgumentHelp("Set syslog facility to LOG_LOCAL[0-7], user or daemon (default).",
                               valueName: "([0-7]|local[0-7]|user|daemon)"))
    var logFacility = "daemon"
    @Flag(name: [.customShort("G"), .customLong("no-syslog")], help: "Don't log via syslog.")
    var noSyslog = false
    @Option(name: [.customShort("u"), .customLong("umask")], help: ArgumentHelp("umask for file creation (in numeric form).", valueName: "MASK"))
    var umask: String?

    @Flag(name: [.customShort("X"), .customLong("release-vips")], help: "Drop VIP on transition from signal (not supported yet).")
    var releaseVIPs = false
    @Flag(name: [.customShort("V"), .customLong("dont-release-vrrp")], help: "Don't remove VRRP VIPs and VROUTEs on daemon stop.")
    var dontReleaseVRRP = false
    @Flag(name: [.customShort("I"), .customLong("dont-release-ipvs")], help: "Don't remove IPVS topology on daemon stop.")
    var dontReleaseIPVS = false
    @Flag(name: [.customShort("R"), .customLong("dont-respawn")], help: "Don't respawn child processes.")
    var dontRespawn = false
    @Flag(name: [.customShort("n"), .customLong("dont-fork")], help: "Don't fork the daemon process.")
    var dontFork = false
    @Flag(name: [.customShort("d"), .customLong("dump-conf")], help: "Dump the configuration data.")
    var dumpConf = false

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Use specified pidfile for parent process.", valueName: "FILE"))
    var pidFile = "/run/keepalived.pid"
    @Option(name: [.customShort("r"), .customLong("vrrp_pid")], help: ArgumentHelp("Use specified pidfile for VRRP child process.", valueName: "FILE"))
    var vrrpPidFile = "/run/vrrp.pid"
    @Option(name: [.customShort("c"), .customLong("checkers_pid")], help: ArgumentHelp("Use specified pidfile for checkers child process.", valueName: "FILE"))
    var checkersPidFile = "/run/checkers.pid"
    @Option(name: [.customShort("b"), .customLong("bfd_pid")], help: ArgumentHelp("Use specified pidfile for BFD child process (no BFD daemon yet).", valueName: "FILE"))
    var bfdPidFile = "/run/bfd.pid"

    @Flag(name: [.customShort("a"), .customLong("address-monitoring")],
          help: "Report all address additions/deletions notified via netlink (not supported yet).")
    var addressMonitoring = false
    @Flag(name: [.customShort("x"), .customLong("snmp")], help: "Enable SNMP subsystem (not supported).")
    var snmp = false
    @Option(name: [.customShort("A"), .customLong("snmp-agent-socket")], help: ArgumentHelp("Use the specified socket for master agent (not supported).", valueName: "FILE"))
    var snmpAgentSocket: String?
    @Option(name: [.customShort("s"), .customLong("namespace")], help: ArgumentHelp("Run in network namespace NAME (overrides config).", valueName: "NAME"))
    var namespace: String?
    @Flag(name: [.customShort("m"), .customLong("core-dump")], help: "Produce core dump if terminate abnormally.")
    var coreDump = false
    @Flag(name: [.customShort("e"), .customLong("all-config")], help: "Error if any configuration file missing (always so here).")
    var allConfig = false
    @Option(name: [.customShort("i"), .customLong("config-id")], help: ArgumentHelp("Skip any configuration lines beginning '@' that don't match id.", valueName: "id"))
    var configID: String?
    @Option(name: .customLong("signum"), help: ArgumentHelp("Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON.", valueName: "SIGFUNC"))
    var signum: String?
    // Handled before parsing (KeepalivedCommandLine.preprocess): getopt's
    // optional attached values and genhash mode. Declared so help lists them.
    @Flag(name: [.customShort("t"), .customLong("config-test")],
          help: "Check the configuration for obvious errors, output to stderr by default (-t=LOG_FILE: append there).")
    var configTestHelp = false
    @Flag(name: [.customShort("M"), .customLong("core-dump-pattern")],
          help: "Also set /proc/sys/kernel/core_pattern (-M=PATN) (not supported yet).")
    var coreDumpPatternHelp = false
    @Flag(name: [.customShort("T"), .customLong("genhash")],
          help: "Enter into genhash utility mode (this should be the first option used).")
    var genhashHelp = false

    @Option(name: .customLong("config-fd"), help: .hidden)
    var configFD: Int?

    @Flag(name: [.customShort("v"), .customLong("version")], help: "Display the version number.")
    var version = false

    // Ours, long options only.
    @Option(name: .customLong("watchdog-period"), help: ArgumentHelp("Seconds between watchdog hellos to each child (default 5).", valueName: "SECONDS"))
    var watchdogPeriod: Double = 5
    @Option(name: .customLong("policy-dir"), help: ArgumentHelp("Directory of the seccomp policies (default: installed with the programs).", valueName: "DIR"))
    var policyDirectory: String?
    @Option(name: .customLong("kaconf"), help: ArgumentHelp("The configuration compiler (default: kaconf next to keepalived, else in ../bin).", valueName: "PATH"))
    var kaconf: String?

    func validate() throws {
        if useFile.isEmpty { throw ValidationError("option '--use-file' requires an argument") }
        if !noSyslog && LogSettingsFacility.parse(logFacility) == nil {
            throw ValidationError("invalid log facility '\(logFacility)': use 0-7, local0-local7, user or daemon")
        }
        if let u = umask, UInt32(u, radix: u.hasPrefix("0") ? 8 : 10) == nil {
            throw ValidationError("invalid umask '\(u)'")
        }
        if !(watchdogPeriod > 0 && watchdogPeriod <= 3600) {
            throw ValidationError("--watchdog-period must be between 0 and 3600 seconds")
        }
        if configFD != nil {
            throw ValidationError("--config-fd is internal to keepalived's own children and not used here")
        }
    }
}
