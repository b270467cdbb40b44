// keepalived: the supervisor, with keepalived's command line.
//
// Peers:        vrrpd, checkd, ipvs-applier, each over a socketpair it
//               inherits (fd 3); messages between daemons are relayed here.
//               kaconf, run to compile the configuration.
// User:         root, keeping only CAP_NET_RAW, CAP_NET_ADMIN (to give the
//               daemons theirs), CAP_SETUID, CAP_SETGID, CAP_SETPCAP (to start
//               children and scripts as their users with exact capability
//               sets), CAP_KILL (to stop them) and CAP_DAC_READ_SEARCH (to
//               give kaconf, so a root-only configuration is readable).
//               Bounding set cut to those, no_new_privs, seccomp
//               policies/keepalived.policy (inherited by every child and
//               script, so it is the set a script may use).
// Touches:      its pid files (-p, -r, -c), /tmp/keepalived.data and .stats.
import ArgumentParser
import CShim
import ConfigModel
import DaemonSupport
import Glibc
import Logging
import Posix
import Reactor
import Sandbox
import Supervision

func fail(_ message: String, status: Int32) -> Never {
    let bytes = Array("keepalived: \(message)\n".utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(status)
}

func printErr(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

let pre = KeepalivedCommandLine.preprocess(Array(CommandLine.arguments.dropFirst()))
let exeDir = PolicyDirectory.executableDirectory()

if let genhashArgs = pre.genhash {
    // keepalived -T: the rest of the line is genhash's.
    let path = companion("genhash")
    let argv = [path] + genhashArgs
    let cargs = argv.map { strdup($0) } + [nil]
    execv(path, cargs)
    fail("cannot run \(path): \(Errno.current)", status: 1)
}
if pre.help {
    printErr(KeepalivedOptions.helpMessage(columns: 100) + "\n")
    exit(0)
}

let options: KeepalivedOptions
do {
    options = try KeepalivedOptions.parse(pre.arguments)
} catch {
    printErr("keepalived: \(KeepalivedOptions.message(for: error))\n\n")
    printErr(KeepalivedOptions.helpMessage(columns: 100) + "\n")
    exit(1)
}

if options.version {
    printErr(Banner.versionText())
    exit(0)
}
if let name = options.signum {
    guard let n = Banner.signalNumber(name) else { fail("Unknown sigfunc \(name)", status: 1) }
    print(n)
    exit(0)
}

let kaconfPath = options.kaconf ?? companion("kaconf")
let configPath = absolutePath(options.useFile)
let compiler = ConfigCompiler(kaconfPath: kaconfPath, configID: options.configID)

if pre.configTest {
    exit(ConfigTest(compiler: compiler, path: configPath, logFile: pre.configTestLog).run())
}

// MARK: Start the supervisor

guard geteuid() == 0 else { fail("must be started as root to start its daemons as their users", status: 4) }
if let u = options.umask, let mask = UInt32(u, radix: u.hasPrefix("0") ? 8 : 10) { umask(mode_t(mask)) }
if options.coreDump {
    var lim = rlimit(rlim_cur: rlim_t.max, rlim_max: rlim_t.max)
    setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &lim)
}
if let pid = PidFile(path: options.pidFile).read(), pid != getpid(), kill(pid, 0) == 0,
   (try? readFile("/proc/\(pid)/comm", limit: 64)).map({ String(decoding: $0, as: UTF8.self).hasPrefix("keepalived") }) == true {
    fail("daemon is already running (pid \(pid), \(options.pidFile))", status: 0)
}
// Nothing inherited beyond stdin, stdout and stderr reaches what the
// supervisor starts. Going to the background, it closes them, so that
// whoever started it (and watches a descriptor to learn when its child ends,
// as Foundation's Process does) is not kept waiting by the daemon. In the
// foreground they stay open but close-on-exec: closing that watched
// descriptor would tell the watcher it exited while it still runs.
_ = cshim_close_range(3, UInt32.max, options.dontFork ? closeRangeCloexec : 0)
if !options.dontFork && cshim_daemonize() != 0 { fail("cannot run in the background: \(Errno.current)", status: 1) }

let logSettings = LogSettings(syslogFacility: options.noSyslog ? nil : LogSettings.facility(named: options.logFacility),
                              console: options.logConsole, detail: options.logDetail)
DaemonLogging.bootstrap(program: "Keepalived", logSettings)
let logger = Logger(label: "keepalived")
logger.info("Starting keepalived-swift \(Banner.version) (keepalived 2.2.7 compatible)")
logger.info("Command line: \(CommandLine.arguments.map { "'\($0)'" }.joined(separator: " "))")
logger.info("Configuration file \(configPath)")
for (on, what) in [(options.releaseVIPs, "-X/--release-vips"), (options.addressMonitoring, "-a/--address-monitoring"),
                   (options.snmp, "-x/--snmp"), (options.snmpAgentSocket != nil, "-A/--snmp-agent-socket"),
                   (pre.coreDumpPattern != nil, "-M/--core-dump-pattern")] where on {
    logger.warning("\(what) is not supported yet: ignored")
}
if let ns = options.namespace {
    // keepalived's -s: everything (the daemons and scripts too) runs in the
    // network namespace `ip netns add NAME` made. Before the sandbox: setns
    // needs CAP_SYS_ADMIN, which the supervisor does not keep.
    let path = "/run/netns/\(ns)"
    do {
        let fd = try openDescriptor(path, flags: O_RDONLY)
        _ = try sys("setns(\(path), CLONE_NEWNET)") { cshim_setns_net(fd.rawValue) }
        logger.info("running in network namespace \(ns)")
    } catch {
        logger.critical("cannot enter network namespace \(ns): \(error)")
        exit(1)
    }
}

let policyDirectory = PolicyDirectory.resolve(explicit: options.policyDirectory)
do {
    let profile = ProgramProfile.of(.supervisor)
    let report = try Sandbox.enter(SandboxProfile(program: "keepalived", user: nil, capabilities: profile.capabilities,
                                                  policyDirectory: policyDirectory))
    logger.info("\(report)")
} catch {
    logger.critical("\(error)")
    exit(1)
}

let compiled: ConfigModel.CompiledConfig
do {
    compiled = try compiler.compile(configPath)
} catch {
    logger.critical("\(error.summary)")
    for d in error.diagnostics { logger.error("\(d)") }
    exit(6)
}
if options.dumpConf {
    if let r = try? compiler.run([kaconfPath, "dump", configPath]) {
        for line in String(decoding: r.stdout, as: UTF8.self).split(separator: "\n") { logger.info("\(line)") }
    }
}

let pidFile = PidFile(path: options.pidFile)
do { try pidFile.write() } catch { logger.error("cannot write \(options.pidFile): \(error)") }

var policy = SupervisionPolicy()
policy.watchdogPeriod = .milliseconds(Int64(options.watchdogPeriod * 1000))
policy.respawn = !options.dontRespawn
let settings = Supervisor.Settings(
    configPath: configPath,
    selection: DaemonSelection(vrrpOnly: options.vrrpOnly, checkOnly: options.checkOnly, all: options.all),
    policy: policy, policyDirectory: policyDirectory, logSettings: logSettings,
    facilityName: options.logFacility, releaseVIPs: !options.dontReleaseVRRP, releaseIPVS: !options.dontReleaseIPVS,
    vrrpPidFile: options.vrrpPidFile, checkersPidFile: options.checkersPidFile, daemonDirectory: exeDir)

var status: Int32 = 0
do {
    let reactor = try Reactor()
    let supervisor = Supervisor(settings: settings, compiled: compiled, compiler: compiler, reactor: reactor, logger: logger)
    try supervisor.start()
    try reactor.run()
    status = supervisor.exitStatus
} catch {
    logger.critical("\(error)")
    status = 1
}
pidFile.remove()
exit(status)

/// A program shipped with keepalived: next to it (a build directory), else
/// in ../bin (installed: keepalived in <prefix>/sbin, kaconf and genhash in
/// <prefix>/bin).
func companion(_ name: String) -> String {
    let beside = "\(exeDir)/\(name)"
    if access(beside, X_OK) == 0 { return beside }
    let slash = exeDir.lastIndex(of: "/").map { exeDir[..<$0] } ?? ""
    let inBin = "\(slash)/bin/\(name)"
    return access(inBin, X_OK) == 0 ? inBin : beside
}

/// CLOSE_RANGE_CLOEXEC (linux/close_range.h, Linux 5.11).
var closeRangeCloexec: Int32 { 1 << 2 }

