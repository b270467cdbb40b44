// kaconf's command line: `kaconf lint|compile|dump [FILE] [options]`.
//
// Not swift-argument-parser, though STYLE.md §6 asks for it: kaconf is run
// on every (re)load and its start-up counts against keepalived's own `-t`.
// argument-parser links FoundationEssentials; with it, `kaconf --help` took
// 12.6 MiB of RSS and 6.8 ms (10.3 MiB and 3.8 ms with the runtime linked
// statically), without it 6.3 MiB and 2.2 ms. CommandLineOptions parses it
// with argument-parser's syntax, help layout and error messages, so scripts
// and the golden --help tests (Tests/IntegrationTests/Golden, which
// man/kaconf.1 follows) see no difference.
import CommandLineOptions

enum Subcommand: String {
    case lint, compile, dump
}

/// What the command line asked for.
struct Invocation {
    var command: Subcommand
    var file = Invocation.defaultFile
    var werror = false
    var offline = false
    var configId: String?
    var allConfig = false
    var output: String?
    var json = false
    /// For `keepalived -t`, which runs `kaconf lint`: exit as keepalived
    /// 2.2.7's -t does (0 clean, 4 fatal, 5 other error or warning, 6 script
    /// security). Not in the help.
    var keepalivedExitStatus = false

    static let defaultFile = "/etc/keepalived/keepalived.conf"
}

enum KaconfCommandLine {
    static let command = CommandSpec(
        name: "kaconf",
        abstract: "Check, compile and show keepalived configurations.",
        discussion: "kaconf reads keepalived.conf (with its includes, $ definitions, @ conditionals and ~SEQ lines) "
            + "as keepalived 2.2.7 does, checks every section, and writes the compiled form the daemons load. "
            + "Exit status: 0 when the configuration is valid, 1 when it has errors (or warnings with --werror).",
        subcommands: [
            subcommand(.lint, abstract: "Check a configuration and report every problem.",
                       options: [OptionSpec("keepalived-exit-status", help: "Exit as keepalived -t does.", hidden: true)]),
            subcommand(.compile, abstract: "Compile a configuration into the form the daemons load.",
                       discussion: "A configuration with errors is refused, with what keepalived would have had to "
                           + "guess to run it.",
                       options: [OptionSpec("output", short: "o", value: "output",
                                            help: "Where to write the compiled configuration.", required: true)]),
            subcommand(.dump, abstract: "Show a configuration (text or compiled) as keepalived's --dump-conf would, or as JSON.",
                       options: [OptionSpec("json", help: "Print JSON (keys are the keywords, intervals in seconds).")]),
        ])

    /// A subcommand: the file, the options every subcommand takes, then its own.
    static func subcommand(_ command: Subcommand, abstract: String, discussion: String = "",
                           options: [OptionSpec]) -> CommandSpec {
        CommandSpec(
            name: command.rawValue, abstract: abstract, discussion: discussion,
            options: [
                OptionSpec("werror", help: "Treat warnings as errors."),
                OptionSpec("offline", help: "Skip the checks that ask this machine (interfaces, users, script files)."),
                OptionSpec("config-id", short: "i", value: "config-id",
                           help: "The config-id for @ID lines and ${_INSTANCE} (default: the host name up to its first '.')."),
                OptionSpec("all-config", short: "e", help: "Make every include check an error, as keepalived's -e does."),
            ] + options,
            argument: ArgumentSpec("file", help: "The configuration file.", default: Invocation.defaultFile))
    }

    /// Reads `arguments` (without the program name).
    static func parse(_ arguments: [String]) throws(CommandLineOutcome) -> Invocation {
        let p = try command.parse(arguments)
        // CommandSpec.parse names one of the subcommands above or throws: this is argument-parser's words for the impossible.
        guard let command = p.subcommand.flatMap(Subcommand.init(rawValue:)) else {
            throw Self.command.usageError("Missing required subcommand.")
        }
        return Invocation(command: command, file: p.operands.first ?? Invocation.defaultFile,
                          werror: p.flag("werror"), offline: p.flag("offline"), configId: p.value("config-id"),
                          allConfig: p.flag("all-config"), output: p.value("output"), json: p.flag("json"),
                          keepalivedExitStatus: p.flag("keepalived-exit-status"))
    }
}
