// vrrpd: VRRP v2 and v3 (RFC 3768, RFC 5798) for keepalived configurations.
//
// Peers:        the supervisor over the inherited descriptor (--supervisor-fd),
//               which also relays its state changes to checkd and
//               ipvs-applier. Alone (systemd): connects to
//               <runtime-dir>/checkd/checkd.sock and
//               <runtime-dir>/ipvs-applier/ipvs-applier.sock when they are
//               there (retried every 2 s; SO_PEERCRED: their users or root),
//               sends them every state change and, on each (re)connection,
//               every instance's state; listens only on
//               <runtime-dir>/vrrpd/status.sock for `vrrpd --status`.
// User:         keepalived-vrrpd.
// Capabilities: CAP_NET_RAW (raw IP and AF_PACKET sockets),
//               CAP_NET_ADMIN (addresses through rtnetlink). Nothing else.
// Policy:       policies/vrrpd.policy (seccomp, loaded by the Sandbox).
import CShim
import CommandLineOptions
import ConfigModel
import DaemonCore
import Glibc
import Logging
import Posix
import Sandbox
import VRRPService
import Wire

@main
enum VRRPD {
    static func main() {
        let options: VRRPDOptions
        do { options = try VRRPDOptions.parse(Array(CommandLine.arguments.dropFirst())) } catch {
            switch error {
            case .help(let text):
                writeText(1, text)
                exit(0)
            case .usage(let text):
                writeText(2, text)
                exit(CommandLineOutcome.usageStatus)
            }
        }
        exit(run(options))
    }

    static func run(_ given: VRRPDOptions) -> Int32 {
        let o = given.child
        if given.status { return StatusClient.run(directory: o.runtimeDirectory) }
        DaemonLogging.bootstrap(program: "vrrpd", o.logSettings)
        var logger = Logger(label: "vrrpd")
        logger.logLevel = o.logDetail ? .debug : .info

        var options = VRRPService.Options()
        options.releaseAddressesOnStop = !o.dontRelease
        let source = o.source
        do {
            // Everything that needs root happens here, before the sandbox:
            // compiling as kaconf's user, the pid file, the status socket.
            Scheduling.requestShortSlice(logger: logger)
            var initial = try source?.load(for: .vrrpd)
            let daemon = try Daemon(source: source, options: options, logger: logger)
            if let initial { Scheduling.apply(initial.config.global, logger: logger) }
            var profile = ProgramProfile.of(.vrrpd)
            if let user = o.user { profile.user = user }
            if let fd = o.supervisorFD { try daemon.connectSupervisor(fd: fd) } else {
                let me = try UserDirectory.resolve(user: geteuid() == 0 ? profile.user : currentUserName())
                daemon.openStatusSocket(directory: o.runtimeDirectory, owner: me)
                try daemon.preparePeers(directory: o.runtimeDirectory, owner: me)
            }
            let pid = o.pidFile.map(PidFile.init)
            try pid?.write()
            defer { pid?.remove() }
            // While root: once vrrpd has settled it drops the pages it only
            // read, which this says (its /proc files are root's afterwards).
            _ = cshim_open_pagemap()

            let report = try Sandbox.enter(SandboxProfile(program: "vrrpd", user: profile.user,
                                                          capabilities: profile.capabilities,
                                                          policyDirectory: PolicyDirectory.resolve(explicit: o.policyDirectory)))
            logger.info("\(report)")
            // The model is not kept: the instances hold what they run on.
            if let config = initial.take() { try daemon.start(config) }
            try daemon.run()
            return 0
        } catch {
            logger.critical("\(error)")
            return 1
        }
    }

    static func currentUserName() -> String {
        guard let pw = getpwuid(geteuid()) else { return "\(geteuid())" }
        return String(cString: pw.pointee.pw_name)
    }
}
