// ka-testchild: a TEST-ONLY stand-in for a daemon, built from the same
// modules (DaemonSupport, Wire, Reactor, Sandbox) so the supervisor's
// acceptance tests run before, and beside, the real daemons. Not installed.
//
// Peers:        the supervisor, over the inherited descriptor (--supervisor-fd);
//               or, started alone, its peers over named sockets (Daemon.start).
// User, caps:   those of the daemon it stands in for (its name, or --role):
//               vrrpd, checkd or ipvs-applier, from ProgramProfile.
// Policy:       policies/ka-testchild.policy.
// Test control: if a FIFO named <role>.ctl exists next to the executable it
//               reads commands from it, one per line (see `Command`), and
//               appends what happens to <role>.events there.
// --probe MODE: sandbox itself, then `status` (print its /proc status lines)
//               or `forbidden` (make a call outside the policy: dies by SIGSYS).
import CShim
import CommandLineOptions
import DaemonSupport
import Glibc
import Logging
import Posix
import Reactor
import Sandbox
import Wire

/// A usage error or a start-up failure: printed, then exit with `status`.
struct Exit: Error {
    var status: Int32
    var message: String?
}

struct TestChild {
    static let command = CommandSpec(
        name: "ka-testchild", abstract: "Test-only stand-in for a keepalived daemon.",
        options: DaemonOptions.optionSpecs + [
            OptionSpec("role", value: "role", help: "vrrpd, checkd or ipvs-applier (default: from the executable's name)."),
            OptionSpec("probe", value: "probe", help: "status or forbidden: sandbox, then report or break the policy, and exit."),
        ])
    var daemon: DaemonOptions
    var role: String?
    var probe: String?

    static func main() {
        let child: TestChild
        do {
            let p = try command.parse(Array(CommandLine.arguments.dropFirst()))
            child = TestChild(daemon: try DaemonOptions(p, command: command), role: p.value("role"), probe: p.value("probe"))
        } catch {
            switch error {
            case .help(let text): writeText(1, text); exit(0)
            case .usage(let text): writeText(2, text); exit(CommandLineOutcome.usageStatus)
            }
        }
        do { try child.run() } catch let e as Exit {
            if let m = e.message { writeText(2, "ka-testchild: \(m)\n") }
            exit(e.status)
        } catch {
            writeText(2, "ka-testchild: \(error)\n")
            exit(1)
        }
    }

    func run() throws {
        let exeDir = PolicyDirectory.executableDirectory()
        let name = role ?? String(CommandLine.arguments[0].split(separator: "/").last ?? "")
        guard let program = ProgramName(rawValue: name), program != .supervisor else {
            throw Exit(status: CommandLineOutcome.usageStatus, message: "role '\(name)' is not vrrpd, checkd or ipvs-applier")
        }
        DaemonLogging.bootstrap(program: "ka-testchild(\(program))", daemon.logSettings)
        let logger = Logger(label: "ka-testchild")
        let control = TestControl(directory: exeDir, role: program.rawValue)

        if let probe {
            try runProbe(probe, program: program, logger: logger)
            return
        }
        let daemon: Daemon
        // As vrrpd: pagemap is opened while still root (release-memory).
        _ = cshim_open_pagemap()
        do {
            daemon = try Daemon.start(program, options: self.daemon, policy: "ka-testchild")
        } catch {
            logger.critical("\(error)")
            throw Exit(status: 2)
        }
        let child = Child(program: program, daemon: daemon, control: control, logger: logger)
        if let fd = control.commandFD {
            try daemon.reactor.watch(fd, for: .readable) { _ in
                for c in control.readCommands() { child.execute(c) }
            }
        }
        control.event("started pid \(getpid())")
        try daemon.run(delegate: child)
    }

    /// Sandboxes itself as `program`, then reports its status or breaks its policy.
    func runProbe(_ probe: String, program: ProgramName, logger: Logger) throws {
        var profile = ProgramProfile.of(program)
        if let u = daemon.user { profile.user = u }
        let sandbox = SandboxProfile(program: "ka-testchild", user: profile.user, capabilities: profile.capabilities,
                                     policyDirectory: PolicyDirectory.resolve(explicit: daemon.policyDirectory))
        // The status probe reads its own status after confinement, through a
        // descriptor opened before it (the policy has no open).
        let statusFD = probe == "status" ? open("/proc/self/status", O_RDONLY | O_CLOEXEC) : -1
        let report: SandboxReport
        do { report = try Sandbox.enter(sandbox) } catch {
            logger.critical("\(error)")
            throw Exit(status: 1)
        }
        logger.info("\(report)")
        switch probe {
        case "status":
            let status = String(decoding: (try? Descriptor(owning: statusFD).readAll()) ?? [], as: UTF8.self)
            for line in status.split(separator: "\n")
            where ["Uid:", "Gid:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:"]
                .contains(where: { line.hasPrefix($0) }) {
                print(line)
            }
        case "forbidden":
            Command.forbidden.perform()
        default:
            throw Exit(status: CommandLineOutcome.usageStatus, message: "unknown probe '\(probe)'")
        }
    }
}

final class Child: DaemonDelegate {
    /// Written before release-memory and checked after it.
    private var written = [UInt8](repeating: 0x5a, count: 256 * 1024)
    nonisolated(unsafe) static var marker = 0
    let program: ProgramName
    let daemon: Daemon
    let control: TestControl
    let logger: Logger
    var sliceBytes = 0

    init(program: ProgramName, daemon: Daemon, control: TestControl, logger: Logger) {
        self.program = program
        self.daemon = daemon
        self.control = control
        self.logger = logger
    }

    func apply(slice: [UInt8], generation: Generation) -> String? {
        sliceBytes = slice.count
        control.event("applied \(generation.value) \(slice.count)")
        return nil
    }

    func status(_ request: StatusRequest, generation: Generation) -> [StatusReply] {
        control.event("status \(request.kind.rawValue)")
        var vrrp: [VRRPInstanceStatus] = []
        var stats = VRRPInstanceStats()
        stats.advertisementsSent = 42
        if program == .vrrpd {
            vrrp.append(VRRPInstanceStatus(name: "TEST_1", state: .backup, wantState: .backup, priority: 100,
                                           effectivePriority: 100, interface: "eth0", virtualRouterID: 51, stats: stats))
        }
        return [StatusReply(requestID: request.requestID, generation: generation, program: program, pid: getpid(),
                            vrrpInstances: vrrp,
                            dumpLines: ["ka-testchild \(program) generation \(generation.value) slice \(sliceBytes) bytes"])]
    }

    func shutdown(_ request: Shutdown) {
        control.event("shutdown \(request.reason.rawValue)")
        logger.info("shutdown requested (\(request.reason.rawValue)): exiting")
        daemon.finishShutdown()
    }

    func received(_ message: Message, from: ProgramName) {
        control.event("received \(message.type) from \(from)")
    }

    func execute(_ c: Command) {
        control.event("command \(c)")
        switch c {
        case .script(let index, let args):
            daemon.runScript(index, arguments: args) { [control] outcome in
                control.event("script-result \(index) \(outcome)")
            }
        case .mute:
            daemon.answersWatchdog = false
        case .garbage:
            // A record that is not a frame: the supervisor must close this
            // channel (and replace this process), and carry on.
            let junk = Array("this is not a frame".utf8)
            if let fd = daemon.supervisorDescriptor { _ = junk.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } }
        case .releaseMemory:
            // What vrrpd does once settled: drop the clean pages of code and
            // data; what was written (here a heap buffer and a global) stays.
            written[written.count - 1] = 0x5a
            Child.marker &+= 1
            let before = Child.marker
            let released = cshim_release_program_text()
            cshim_touch_stack(64)  // 256 KB of stack, dead once it returns
            let stack = cshim_release_stack()
            let intact = written.allSatisfy { $0 == 0x5a } && Child.marker == before
            control.event("released \(released) stack \(stack) pagemap \(cshim_open_pagemap() >= 0) data-intact \(intact)")
        case .vrrp(let name, let state):
            daemon.send(.vrrpStateChange(VRRPStateChange(generation: daemon.generation ?? Generation(0), instance: name,
                                                       state: state, priority: 100)))
        default:
            c.perform()
        }
    }
}


TestChild.main()
