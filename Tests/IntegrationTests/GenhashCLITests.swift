// genhash's command line: keepalived's usage text and exit statuses, our
// deliberate non-zero exit on failure, every flag in the man page.
import Foundation
import Testing
import TestSupport

@Suite struct GenhashCLITests {
    static let flags: [(short: String, long: String)] = [
        ("-S", "--use-ssl"), ("-s", "--server"), ("-p", "--port"), ("-u", "--url"), ("-V", "--use-virtualhost"),
        ("-H", "--hash"), ("-v", "--verbose"), ("-h", "--help"), ("-r", "--release"), ("-I", "--use-sni"),
        ("-m", "--fwmark"), ("-P", "--protocol"), ("-t", "--timeout"),
    ]

    @Test(.enabled(if: Genhash.debianIsInstalled, "needs Debian's genhash (package keepalived)"))
    func usageIsKeepalivedsWithHashAndReleaseAdded() throws {
        let ours = try Genhash.run(Genhash.ours, ["-s", "127.0.0.1", "-p", "80"])
        let theirs = try Genhash.run(Genhash.debian, ["-s", "127.0.0.1", "-p", "80"])
        #expect(ours.status == 1)
        #expect(theirs.status == 1)
        #expect(ours.stdout.isEmpty)
        // The lines for -H and -r, which keepalived 2.2.7's build dropped.
        let added = ["   -r", "   --hash ", "sha256, sha384, sha512.", "   --release "]
        let ourLines = ours.stderr.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in !added.contains(where: { line == $0 || line.hasPrefix($0) || line.hasSuffix($0) }) }
        // Both name the program as invoked.
        #expect(ourLines.joined(separator: "\n")
                == theirs.stderr.replacingOccurrences(of: "Usage: \(Genhash.debian) ", with: "Usage: \(Genhash.ours) "))
        for (short, long) in Self.flags {
            #expect(ours.stderr.contains(" \(short) ") || ours.stderr.contains(" \(short)\n"), "\(short)")
            #expect(ours.stderr.contains(long), "\(long)")
        }
    }

    @Test(.enabled(if: Genhash.debianIsInstalled, "needs Debian's genhash (package keepalived)"))
    func badArgumentsGiveKeepalivedsMessageUsageAndExit1() throws {
        let table: [[String]] = [
            ["-s", "localhost", "-p", "80", "-u", "/"], ["-s", "127.0.0.1", "-p", "0", "-u", "/"],
            ["-s", "127.0.0.1", "-p", "70000", "-u", "/"], ["-s", "127.0.0.1", "-p", "http", "-u", "/"],
            ["-s", "127.0.0.1", "-p", "80", "-u", "/", "-P", "2.0"], ["-s", "127.0.0.1", "-p", "80", "-u", "/", "-t", "1.5"],
            ["-s", "127.0.0.1", "-p", "80", "-u", "/", "-m", "x"], ["-s", "127.0.0.1", "-p", "80", "-u", "/", "extra"],
            ["-h"],
        ]
        for args in table {
            let ours = try Genhash.run(Genhash.ours, args)
            let theirs = try Genhash.run(Genhash.debian, args)
            #expect(ours.status == 1, "\(args)")
            #expect(theirs.status == 1, "\(args)")
            #expect(ours.stdout.isEmpty)
            // keepalived's first line (the reason, or the usage) is ours too.
            let theirFirst = (theirs.stderr.split(separator: "\n").first.map(String.init) ?? "")
                .replacingOccurrences(of: Genhash.debian, with: Genhash.ours)
            #expect(ours.stderr.hasPrefix(theirFirst), "\(args): \(ours.stderr.prefix(80))")
        }
    }

    @Test func ourOwnArgumentErrorsSayWhatIsWrong() throws {
        let table: [([String], String)] = [
            (["-s", "127.0.0.1", "-p", "80", "-u", "/", "-H", "crc32"], "invalid hash algorithm 'crc32'"),
            (["-x"], "unknown option -x"),
            (["--bogus"], "unknown option --bogus"),
            (["-s"], "option -s needs a value"),
            (["--use", "x"], "is ambiguous"),
            (["--verbose=1"], "takes no value"),
            (["-s", "127.0.0.1", "-p", "80", "-u", "/", "-t", "0"], "invalid timeout '0'"),
        ]
        for (args, message) in table {
            let r = try Genhash.run(Genhash.ours, args)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr.prefix(100))")
            #expect(r.stderr.contains(" COMMAND [OPTIONS]"))
        }
    }

    @Test func getoptFormsAreAccepted() throws {
        // Attached values, =values, abbreviations, options after nothing in particular: all parse,
        // and fail only on the closed port.
        let port = try freePort()
        for args in [["-s127.0.0.1", "-p\(port)", "-u/"], ["--server=127.0.0.1", "--port=\(port)", "--url=/"],
                     ["--serv", "127.0.0.1", "--po", "\(port)", "--ur", "/", "-vS"]] {
            let r = try Genhash.run(Genhash.ours, args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
        }
    }

    @Test func releaseFlagPrintsTheVersion() throws {
        for flag in ["-r", "--release"] {
            let r = try Genhash.run(Genhash.ours, [flag])
            #expect(r.status == 0)
            #expect(r.stdout.hasPrefix("genhash "))
        }
    }

    @Test(.enabled(if: Genhash.debianIsInstalled, "needs Debian's genhash (package keepalived)"))
    func refusedConnectionExits2WhereKeepalivedExits0() throws {
        let port = try freePort()
        for server in ["127.0.0.1", "::1"] {
            let args = ["-s", server, "-p", String(port), "-u", "/"]
            let ours = try Genhash.run(Genhash.ours, args)
            #expect(ours.status == 2)
            #expect(ours.stdout.isEmpty)
            #expect(ours.stderr.contains("Connection refused"), "\(ours.stderr)")
            let theirs = try Genhash.run(Genhash.debian, args)
            #expect(theirs.status == 0)
            #expect(theirs.stdout == "Connection failed\n")
        }
    }

    @Test func manPageDocumentsEveryFlagAndTheExitStatuses() throws {
        let page = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("man/genhash.1"),
                              encoding: .utf8)
        // roff escapes the hyphens: \-S, \-\-use\-ssl.
        let plain = page.replacingOccurrences(of: "\\-", with: "-").replacingOccurrences(of: "\\fB", with: "")
            .replacingOccurrences(of: "\\fR", with: "").replacingOccurrences(of: "\\fI", with: "")
        for (short, long) in Self.flags {
            #expect(plain.contains(short + " ") || plain.contains(short + ","), "\(short)")
            #expect(plain.contains(long), "\(long)")
        }
        for status in ["0", "1", "2", "3", "4", "5"] {
            #expect(plain.contains(".IP \(status)\n"), "exit status \(status)")
        }
        #expect(plain.contains("Connection failed"))
    }

    /// A loopback TCP port nothing listens on (bound, then released).
    private func freePort() throws -> Int {
        let out = try sh("python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind((\"::\",0)); print(s.getsockname()[1])'")
        return Int(out.trimmingCharacters(in: .whitespacesAndNewlines))!
    }
}
