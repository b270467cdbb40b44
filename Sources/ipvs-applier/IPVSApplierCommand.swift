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
    static let wording = ChildOptions.Wording(
        program: "ipvs-applier", user: "keepalived-ipvs",
        dontRelease: ("dont-release-ipvs", "I", "Leave the IPVS table in place on stop (otherwise what ipvs-applier placed is removed)."),
        runtimeDirectoryHelp: "Directory of the peers' sockets; ipvs-applier's are under ipvs-applier/.", pidShort: "p")

    static let command = CommandSpec(
        name: "ipvs-applier",
        abstract: "The only writer of the kernel's IPVS tables, for keepalived configurations.",
        discussion: "ipvs-applier places the virtual_server sections of a keepalived configuration in the kernel's "
            + "IPVS table over generic netlink, and keeps them as checkd's verdicts say, within what the "
            + "configuration allows. At start it reconciles with what the kernel holds; entries it does not own "
            + "are left alone. It runs in the foreground, as keepalived-ipvs with CAP_NET_ADMIN only, under a "
            + "seccomp filter.",
        options: ChildOptions.specs(wording))

    let options: ChildOptions

    static func main() {
        let o: ChildOptions
        do throws(CommandLineOutcome) {
            o = try ChildOptions(try command.parse(Array(CommandLine.arguments.dropFirst())), command: command, wording)
        } catch {
            switch error {
            case .help(let text): writeText(1, text); exit(0)
            case .usage(let text): writeText(2, text); exit(CommandLineOutcome.usageStatus)
            }
        }
        exit(IPVSApplierCommand(options: o).run())
    }

    func run() -> Int32 {
        let o = options
        DaemonLogging.bootstrap(program: "ipvs-applier", o.logSettings)
        var logger = Logger(label: "ipvs-applier")
        logger.logLevel = o.logDetail ? .debug : .info

        let alone = o.supervisorFD == nil
        let source = o.source
        var options = ApplierOptions()
        options.releaseOnStop = !o.dontRelease
        options.standalone = alone
        do {
            // Everything that needs root or the file system happens here,
            // before the sandbox: compiling as kaconf's user, the netlink
            // socket, the ownership record, the named socket, the pid file.
            let initial = try source?.load(for: .ipvsApplier)
            let daemon = try ApplierDaemon(source: source, options: options, logger: logger,
                                           runtimeDirectory: o.runtimeDirectory, userOverride: o.user)
            if let fd = o.supervisorFD { try daemon.connectSupervisor(fd: fd) }
            let pid = o.pidFile.map(PidFile.init)
            try pid?.write()
            defer { pid?.remove() }

            var profile = ProgramProfile.of(.ipvsApplier)
            if let user = o.user { profile.user = user }
            let report = try Sandbox.enter(SandboxProfile(program: "ipvs-applier", user: profile.user,
                                                          capabilities: profile.capabilities,
                                                          policyDirectory: PolicyDirectory.resolve(explicit: o.policyDirectory)))
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
