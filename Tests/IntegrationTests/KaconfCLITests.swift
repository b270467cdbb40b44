// kaconf as a user runs it: exit statuses, the refusal to compile a
// configuration with errors, the compiled file's round trip, the golden
// --help texts and the man page.
import Foundation
import Testing
import TestSupport

@Suite struct KaconfCLI {
    static var kaconf: String { TestEnvironment.binary("kaconf") }
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static let clean = """
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            priority 150
            virtual_ipaddress {
                10.10.0.100/24
            }
        }
        virtual_server 10.10.0.100 80 {
            lb_algo rr
            lb_kind NAT
            protocol TCP
            real_server 10.10.1.11 8080 {
                HTTP_GET {
                    url {
                        path /
                    }
                }
            }
        }

        """

    /// A fresh directory holding `files`.
    static func directory(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kaconf-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    static func kaconf(_ args: [String], in dir: URL) throws -> RunResult {
        try run([kaconf] + args, directory: dir.path)
    }

    @Test func lintExitsZeroOnACleanConfiguration() throws {
        let dir = try Self.directory(["k.conf": Self.clean])
        let r = try Self.kaconf(["lint", "--offline", "k.conf"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
    }

    @Test func lintExitsOneOnErrorsAndPointsAtTheToken() throws {
        let dir = try Self.directory(["k.conf": Self.clean.replacingOccurrences(of: "virtual_router_id 51", with: "virtual_router_id 300")])
        let r = try Self.kaconf(["lint", "--offline", "k.conf"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("k.conf:3:23: error: virtual_router_id must be 1...255, got 300"))
        #expect(r.stderr.contains("                      ^~~"))
    }

    @Test func werrorTurnsWarningsIntoFailure() throws {
        let dir = try Self.directory(["k.conf": Self.clean.replacingOccurrences(of: "protocol TCP", with: "protocol TCP\n    bogus_keyword 1")])
        #expect(try Self.kaconf(["lint", "--offline", "k.conf"], in: dir).status == 0)
        let r = try Self.kaconf(["lint", "--offline", "--werror", "k.conf"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("warning"))
    }

    @Test func compileRefusesErrorsAndSaysWhatKeepalivedWouldGuess() throws {
        let dir = try Self.directory(["k.conf": Self.clean.replacingOccurrences(of: "priority 150", with: "priority 0")
            .replacingOccurrences(of: "    lb_algo rr\n", with: "")])
        let r = try Self.kaconf(["compile", "--offline", "k.conf", "-o", "k.kacf"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("refusing to compile k.conf"))
        #expect(r.stderr.contains("keepalived would use 100"))
        #expect(r.stderr.contains("keepalived would use wlc"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("k.kacf").path))
    }

    @Test func compileWritesTheVersionedFileAndWarnsAboutUnactedSections() throws {
        let dir = try Self.directory(["k.conf": Self.clean + "bfd_instance b {\n neighbor_ip 10.10.0.2\n}\n"])
        let r = try Self.kaconf(["compile", "--offline", "k.conf", "-o", "k.kacf"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("BFD"))
        let bytes = try Data(contentsOf: dir.appendingPathComponent("k.kacf"))
        #expect(Array(bytes.prefix(4)) == Array("KACF".utf8))
    }

    @Test func dumpOfTheCompiledFileEqualsDumpOfTheText() throws {
        let dir = try Self.directory(["k.conf": Self.clean])
        #expect(try Self.kaconf(["compile", "--offline", "-i", "lb1", "k.conf", "-o", "k.kacf"], in: dir).status == 0)
        let fromText = try Self.kaconf(["dump", "--json", "--offline", "-i", "lb1", "k.conf"], in: dir)
        let fromCompiled = try Self.kaconf(["dump", "--json", "k.kacf"], in: dir)
        #expect(fromText.status == 0 && fromCompiled.status == 0)
        #expect(fromText.stdout == fromCompiled.stdout)
        #expect(fromText.stdout.contains("\"virtual_router_id\": 51"))
        let text = try Self.kaconf(["dump", "k.kacf"], in: dir)
        #expect(text.stdout.contains("------< VRRP Topology >------"))
        #expect(text.stdout.contains("Virtual Router ID = 51"))
    }

    @Test func aCompiledFileOfAnotherVersionIsRefused() throws {
        let dir = try Self.directory(["k.conf": Self.clean])
        #expect(try Self.kaconf(["compile", "--offline", "k.conf", "-o", "k.kacf"], in: dir).status == 0)
        var bytes = try Data(contentsOf: dir.appendingPathComponent("k.kacf"))
        bytes[4] = 99
        try bytes.write(to: dir.appendingPathComponent("k.kacf"))
        let r = try Self.kaconf(["dump", "k.kacf"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("format version 99"))
    }

    @Test func configIdSelectsConditionalLines() throws {
        let text = Self.clean.replacingOccurrences(of: "    priority 150\n", with: "@high priority 200\n@^high priority 100\n")
        let dir = try Self.directory(["k.conf": text])
        let high = try Self.kaconf(["dump", "--json", "--offline", "--config-id", "high", "k.conf"], in: dir)
        let other = try Self.kaconf(["dump", "--json", "--offline", "-i", "low", "k.conf"], in: dir)
        #expect(high.stdout.contains("\"priority\": 200"))
        #expect(other.stdout.contains("\"priority\": 100"))
    }

    @Test func theDefaultFileIsKeepalivedsDefault() throws {
        let dir = try Self.directory([:])
        let r = try Self.kaconf(["lint", "--offline"], in: dir)
        #expect(r.status == 1 || FileManager.default.fileExists(atPath: "/etc/keepalived/keepalived.conf"))
        #expect(r.stderr.contains("/etc/keepalived/keepalived.conf") || r.status == 0)
    }

    @Test(arguments: ["", "lint", "compile", "dump"])
    func helpMatchesTheGoldenText(_ sub: String) throws {
        let r = try run([Self.kaconf] + (sub.isEmpty ? [] : [sub]) + ["--help"])
        let name = "kaconf" + (sub.isEmpty ? "" : "-\(sub)") + "-help.txt"
        let golden = try String(contentsOf: Self.golden.appendingPathComponent(name), encoding: .utf8)
        #expect(r.status == 0)
        #expect(r.stdout == golden, "help of '\(sub)' changed: update Tests/IntegrationTests/Golden/\(name) and man/kaconf.1")
    }

    @Test(arguments: [
        ([String](), ""), (["-h"], ""), (["help"], ""), (["help", "bogus"], ""),
        (["help", "lint"], "lint"), (["help", "compile"], "compile"), (["dump", "-eh"], "dump"),
    ])
    func everyWayOfAskingForHelpGivesTheGoldenText(_ argv: [String], _ sub: String) throws {
        let r = try run([Self.kaconf] + argv)
        let name = "kaconf" + (sub.isEmpty ? "" : "-\(sub)") + "-help.txt"
        #expect(r.status == 0)
        #expect(r.stdout == (try String(contentsOf: Self.golden.appendingPathComponent(name), encoding: .utf8)), "\(argv)")
    }

    static let lintUsage = "Usage: kaconf lint [<file>] [--werror] [--offline] [--config-id <config-id>] [--all-config]\n"
        + "  See 'kaconf lint --help' for more information.\n"

    /// argument-parser's words and exit status 64, with the usage of the command they are about.
    @Test(arguments: [
        (["bogus"], "Error: Unexpected argument 'bogus'\nUsage: kaconf <subcommand>\n  See 'kaconf --help' for more information.\n"),
        (["--werror", "lint"], "Error: Unknown option '--werror'\nUsage: kaconf <subcommand>\n  See 'kaconf --help' for more information.\n"),
        (["lint", "--json"], "Error: Unknown option '--json'\n" + lintUsage),
        (["lint", "-ex"], "Error: Unknown option '-x'\n" + lintUsage),
        (["lint", "a", "b", "c"], "Error: 2 unexpected arguments: 'b', 'c'\n" + lintUsage),
        (["lint", "-i"], "Error: Missing value for '-i <config-id>'\nHelp:  -i <config-id>  The config-id for @ID lines and "
            + "${_INSTANCE} (default: the host name up to its first '.').\n" + lintUsage),
        (["lint", "--werror=yes"], "Error: The option '--werror' does not take any value, but 'yes' was specified.\n" + lintUsage),
        (["lint", "--keepalived-exit-status", "---x"], "Error: Invalid option: ---x\n" + lintUsage),
        (["compile", "k.conf"], "Error: Missing expected argument '--output <output>'\n"
            + "Help:  -o <output>  Where to write the compiled configuration.\n"
            + "Usage: kaconf compile [<file>] [--werror] [--offline] [--config-id <config-id>] [--all-config] --output <output>\n"
            + "  See 'kaconf compile --help' for more information.\n"),
        (["compile", "-oout.kacf"], "Error: Unknown option '-oout.kacf'\n   or: Missing value for '-o <output>' in '-oout.kacf'\n"
            + "Usage: kaconf compile [<file>] [--werror] [--offline] [--config-id <config-id>] [--all-config] --output <output>\n"
            + "  See 'kaconf compile --help' for more information.\n"),
    ])
    func badCommandLinesExitWithStatus64AndArgumentParsersWords(_ argv: [String], _ stderr: String) throws {
        let r = try run([Self.kaconf] + argv)
        #expect(r.status == 64, "\(argv)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == stderr, "\(argv)")
    }

    @Test func anEmptyValueAfterTheEqualsSignIsTheBareOption() throws {
        let dir = try Self.directory(["k.conf": Self.clean])
        let r = try Self.kaconf(["lint", "--offline=", "--config-id=", "lb1", "k.conf"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func theManPageNamesEveryFlag() throws {
        let man = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("man/kaconf.1"), encoding: .utf8)
            .replacingOccurrences(of: "\\-", with: "-")
        var flags = Set<String>()
        for sub in ["lint", "compile", "dump"] {
            let help = try run([Self.kaconf, sub, "--help"]).stdout
            for word in help.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," }) where word.hasPrefix("-") {
                flags.insert(String(word))
            }
            #expect(man.contains("kaconf \(sub)") || man.contains(".B \(sub)"), "man page lacks the \(sub) command")
        }
        #expect(flags.count >= 8)
        for f in flags {
            #expect(man.contains(f), "man/kaconf.1 does not mention \(f)")
        }
    }
}
