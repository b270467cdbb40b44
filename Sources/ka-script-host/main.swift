// ka-script-host: runs the scripts of a daemon started alone (see
// DaemonSupport/ScriptHost.swift). Installed next to the daemons; started
// only by them, before they enter their sandbox.
//
// Peers:        the daemon that started it, over fd 3.
// User, caps:   that daemon's user, no capabilities, bounding set empty.
// Policy:       policies/ka-script-host.policy, which also bounds every
//               script it runs (filters are inherited), as keepalived's does.
import DaemonSupport
import Glibc
import Logging
import Reactor
import Sandbox
import Wire

var program: ProgramName?
var config: String?
var fd: Int32 = 3
var policyDir: String?
var settings = LogSettings()
var args = CommandLine.arguments.dropFirst().makeIterator()
while let a = args.next() {
    switch a {
    case "--program": program = args.next().flatMap(ProgramName.init(rawValue:))
    case "--config": config = args.next()
    case "--fd": fd = Int32(args.next() ?? "") ?? fd
    case "--policy-dir": policyDir = args.next()
    case "--log-console": settings.console = true
    case "--no-syslog": settings.syslogFacility = nil
    default: break
    }
}
guard let program, let config else {
    let msg = "ka-script-host: started by a daemon running alone: --program NAME --config FILE [--fd N]\n"
    _ = msg.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
DaemonLogging.bootstrap(program: "ka-script-host(\(program))", settings)
let logger = Logger(label: "ka-script-host")
do {
    let reactor = try Reactor()
    let host = try ScriptHost(program: program, configPath: config, fd: fd, reactor: reactor, logger: logger)
    _ = try Sandbox.enter(SandboxProfile(program: "ka-script-host", user: nil, capabilities: .none,
                                         policyDirectory: PolicyDirectory.resolve(explicit: policyDir)))
    try host.run()
} catch {
    logger.critical("\(error)")
    exit(2)
}
