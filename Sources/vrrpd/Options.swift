// vrrpd's command line: keepalived's flags for the VRRP child and the
// runtime's (DaemonCore.ChildOptions, shared with ipvs-applier), plus
// --status. Parsed by CommandLineOptions (the syntax, help and errors of
// argument-parser, without its Foundation: vrrpd is linked with the static
// Swift runtime and runs for months).
import CommandLineOptions
import DaemonCore
import Posix

struct VRRPDOptions {
    var child: ChildOptions
    var status = false

    static let wording = ChildOptions.Wording(
        program: "vrrpd", user: "keepalived-vrrpd",
        dontRelease: ("dont-release-vrrp", "V", "Leave the virtual addresses in place on stop."),
        runtimeDirectoryHelp: "Directory of vrrpd's sockets and of the peers' it connects to.")

    static let command = CommandSpec(
        name: "vrrpd",
        abstract: "VRRP daemon for keepalived configurations (VRRPv2, VRRPv3, IPv4, IPv6).",
        discussion: "vrrpd runs the vrrp_instance sections of a keepalived configuration: it elects a master per "
            + "virtual router, moves the virtual addresses with rtnetlink and announces them with gratuitous ARP "
            + "and unsolicited neighbour advertisements. It runs in the foreground, as keepalived-vrrpd with "
            + "CAP_NET_RAW and CAP_NET_ADMIN only, under a seccomp filter.",
        options: ChildOptions.specs(wording, extra: [
            OptionSpec("status", help: "Print the running vrrpd's instances and counters, then exit."),
        ]))

    /// The options of `arguments`, checked as a whole; help and usage errors are thrown to print.
    static func parse(_ arguments: [String]) throws(CommandLineOutcome) -> VRRPDOptions {
        let p = try command.parse(arguments)
        return VRRPDOptions(child: try ChildOptions(p, command: command, wording), status: p.flag("status"))
    }
}
