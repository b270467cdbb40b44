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
            #expect(text.hasSuffix("Usage: demo <options>\n  See 'demo --help' for more information.\n"))
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
        let withOperand = CommandSpec(name: "d", abstract: "x", options: [], operandName: "[<file>]")
        #expect((try? withOperand.parse(["--", "--help"]))?.operands == ["--help"])
    }

    @Test func helpIsLaidOutAsArgumentParserLaysItOut() {
        #expect(spec.helpText == """
            OVERVIEW: A demonstration command whose overview is long enough to be wrapped
            onto a second line.

            Some discussion.

            USAGE: demo <options>

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
}
