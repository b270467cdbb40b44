// The small command-line parser: argument-parser's syntax and messages,
// table-driven.
import CommandLineOptions
import Testing

private let spec = CommandSpec(
    name: "demo", abstract: "A demonstration command whose overview is long enough to be wrapped onto a second line.",
    discussion: "Some discussion.",
    options: [
        OptionSpec("use-file", short: "f", value: "file", help: "The file."),
        OptionSpec("config-id", short: "i", value: "config-id", help: "An id with a long label."),
        OptionSpec("log-console", short: "l", help: "Log to the console."),
        OptionSpec("log-detail", short: "D", help: "Detail."),
        OptionSpec("facility", short: "S", value: "facility", help: "Facility.", default: "daemon"),
        OptionSpec("secret", value: "n", help: "", hidden: true),
    ])

@Suite struct CommandLineOptionsTests {
    @Test(arguments: [
        (["-f", "a.conf"], ["use-file": "a.conf"], [String]()),
        (["--use-file", "a.conf"], ["use-file": "a.conf"], []),
        (["--use-file=a.conf"], ["use-file": "a.conf"], []),
        (["-f=a.conf"], ["use-file": "a.conf"], []),
        (["-f", "a", "-f", "b"], ["use-file": "b"], []),
        (["-lD"], [:], ["log-console", "log-detail"]),
        (["-lf", "x"], ["use-file": "x"], ["log-console"]),
        (["-fi", "x", "y"], ["use-file": "x", "config-id": "y"], []),
        (["-f", "-"], ["use-file": "-"], []),
        (["--secret", "3"], ["secret": "3"], []),
        (["--log-console="], [:], ["log-console"]),
        (["--use-file=", "a.conf"], ["use-file": "a.conf"], []),
        ([String](), [:], []),
    ])
    func wellFormedCommandLinesGiveTheirValuesAndFlags(_ argv: [String], _ values: [String: String], _ flags: [String]) throws {
        let p = try spec.parse(argv)
        for (k, v) in values { #expect(p.value(k) == v, "\(argv): \(k)") }
        #expect(Set(flags) == Set(["log-console", "log-detail"].filter { p.flag($0) }), "\(argv)")
        #expect(p.operands.isEmpty)
    }

    @Test(arguments: [
        (["--bogus"], "Error: Unknown option '--bogus'"),
        (["-x"], "Error: Unknown option '-x'"),
        (["-lx"], "Error: Unknown option '-x'"),
        (["-f"], "Error: Missing value for '-f <file>'\nHelp:  -f <file>  The file."),
        (["--use-file", "-l"], "Error: Missing value for '--use-file <file>'"),
        (["--log-console=yes"], "Error: The option '--log-console' does not take any value, but 'yes' was specified."),
        (["-l=yes"], "Error: The option '-l' does not take any value, but 'yes' was specified."),
        (["extra"], "Error: Unexpected argument 'extra'"),
        (["a", "b"], "Error: 2 unexpected arguments: 'a', 'b'"),
        (["--", "-l"], "Error: Unexpected argument '-l'"),
        (["---l"], "Error: Invalid option: ---l"),
        (["-lD=x"], "Error: Unknown option '-lD'"),
        (["-fx"], "Error: Unknown option '-fx'\n   or: Missing value for '-f <file>' in '-fx'"),
    ])
    func badCommandLinesAreUsageErrorsInArgumentParsersWords(_ argv: [String], _ start: String) {
        #expect(throws: CommandLineOutcome.self) { try spec.parse(argv) }
        do {
            _ = try spec.parse(argv)
        } catch {
            guard case .usage(let text) = error else {
                Issue.record("\(argv): not a usage error")
                return
            }
            #expect(text.hasPrefix(start + "\n"), "\(argv): \(text)")
            #expect(text.hasSuffix("Usage: \(spec.usage)\n  See 'demo --help' for more information.\n"))
        }
    }

    @Test(arguments: [["-h"], ["--help"], ["-f", "x", "--help"], ["-lh"], ["--bogus", "-h"], ["--help=1"]])
    func helpWinsWhereverItIsAsked(_ argv: [String]) {
        do {
            _ = try spec.parse(argv)
            Issue.record("\(argv) parsed")
        } catch {
            #expect(error == .help(spec.helpText))
        }
    }

    @Test func helpAfterTheEndOfOptionsIsAnOperand() {
        #expect(throws: CommandLineOutcome.self) { try spec.parse(["--", "--help"]) }
        let withOperand = CommandSpec(name: "d", abstract: "x", options: [], argument: ArgumentSpec("file", help: "x"))
        #expect((try? withOperand.parse(["--", "--help"]))?.operands == ["--help"])
    }

    @Test func helpIsLaidOutAsArgumentParserLaysItOut() {
        #expect(spec.helpText == """
            OVERVIEW: A demonstration command whose overview is long enough to be wrapped
            onto a second line.

            Some discussion.

            USAGE: demo [--use-file <file>] [--config-id <config-id>] [--log-console] [--log-detail] [--facility <facility>]

            OPTIONS:
              -f, --use-file <file>   The file.
              -i, --config-id <config-id>
                                      An id with a long label.
              -l, --log-console       Log to the console.
              -D, --log-detail        Detail.
              -S, --facility <facility>
                                      Facility. (default: daemon)
              -h, --help              Show help information.


            """)
    }

    /// argument-parser lists up to 12 options in the usage line, then only the operand and required ones.
    @Test(arguments: [
        (0, false, false, "t"),
        (1, false, true, "t [<file>] [--o1 <v>]"),
        (11, true, true, "t [<file>] [--o1 <v>] [--o2 <v>] [--o3 <v>] [--o4 <v>] [--o5 <v>] [--o6 <v>] [--o7 <v>] [--o8 <v>] [--o9 <v>] [--o10 <v>] --o11 <v>"),
        (12, false, true, "t [<options>] [<file>]"),
        (12, true, true, "t [<options>] [<file>] --o12 <v>"),
        (13, true, false, "t [<options>] --o13 <v>"),
        (13, false, false, "t <options>"),
    ])
    func usageListsOptionsAsArgumentParserDoes(_ count: Int, _ lastRequired: Bool, _ operand: Bool, _ usage: String) {
        let options = (0..<count).map { OptionSpec("o\($0 + 1)", value: "v", help: "", required: lastRequired && $0 + 1 == count) }
        let c = CommandSpec(name: "t", abstract: "x", options: options + [OptionSpec("hidden", help: "", hidden: true)],
                            argument: operand ? ArgumentSpec("file", help: "x") : nil)
        #expect(c.usage == usage)
    }

    static let tool = CommandSpec(
        name: "tool", abstract: "A tool.", discussion: "It has two subcommands.",
        subcommands: [
            CommandSpec(name: "check", abstract: "Check a file.",
                        options: [OptionSpec("strict", short: "s", help: "Be strict.")],
                        argument: ArgumentSpec("file", help: "The file.", default: "/etc/tool.conf")),
            CommandSpec(name: "build", abstract: "Build a file.",
                        options: [OptionSpec("output", short: "o", value: "output", help: "Where to write it.", required: true)]),
        ])

    @Test func aSubcommandGetsTheRestOfTheCommandLine() throws {
        let p = try Self.tool.parse(["check", "-s", "a.conf"])
        #expect(p.subcommand == "check")
        #expect(p.flag("strict"))
        #expect(p.operands == ["a.conf"])
        #expect(try Self.tool.parse(["build", "--output", "x"]).value("output") == "x")
    }

    @Test(arguments: [
        (["bogus"], "Error: Unexpected argument 'bogus'\nUsage: tool <subcommand>\n  See 'tool --help' for more information.\n"),
        (["--strict", "check"], "Error: Unknown option '--strict'\nUsage: tool <subcommand>\n  See 'tool --help' for more information.\n"),
        (["check", "-o", "x"], "Error: Unknown option '-o'\nUsage: tool check [<file>] [--strict]\n"
            + "  See 'tool check --help' for more information.\n"),
        (["build"], "Error: Missing expected argument '--output <output>'\nHelp:  -o <output>  Where to write it.\n"
            + "Usage: tool build --output <output>\n  See 'tool build --help' for more information.\n"),
    ])
    func subcommandErrorsNameTheCommandTheyAreAbout(_ argv: [String], _ text: String) {
        #expect(throws: CommandLineOutcome.usage(text)) { try Self.tool.parse(argv) }
    }

    @Test(arguments: [[String](), ["-h"], ["--help"], ["help"], ["help", "bogus"]])
    func theRootHelpListsTheSubcommands(_ argv: [String]) {
        #expect(throws: CommandLineOutcome.help("""
            OVERVIEW: A tool.

            It has two subcommands.

            USAGE: tool <subcommand>

            OPTIONS:
              -h, --help              Show help information.

            SUBCOMMANDS:
              check                   Check a file.
              build                   Build a file.

              See 'tool help <subcommand>' for detailed help.

            """)) { try Self.tool.parse(argv) }
    }

    @Test(arguments: [["help", "check"], ["check", "--help"], ["check", "-sh"]])
    func aSubcommandsHelpHasItsArgumentAndFullName(_ argv: [String]) {
        #expect(throws: CommandLineOutcome.help("""
            OVERVIEW: Check a file.

            USAGE: tool check [<file>] [--strict]

            ARGUMENTS:
              <file>                  The file. (default: /etc/tool.conf)

            OPTIONS:
              -s, --strict            Be strict.
              -h, --help              Show help information.


            """)) { try Self.tool.parse(argv) }
    }
}
