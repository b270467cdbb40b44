// The parts of keepalived's command line that getopt handles and
// swift-argument-parser does not: options with an optional attached value
// (-t[FILE], --config-test[=FILE], -M[PATN], --core-dump-pattern[=PATN]),
// -T/--genhash (the rest of the line belongs to genhash), and help, which
// keepalived prints to stderr.

public struct PreprocessedCommandLine: Equatable, Sendable {
    /// What remains for the argument parser.
    public var arguments: [String] = []
    public var configTest = false
    public var configTestLog: String?
    public var coreDumpPattern: String?
    /// -T/--genhash came first: these arguments go to genhash.
    public var genhash: [String]?
    public var help = false
}

public enum KeepalivedCommandLine {
    public static func preprocess(_ argv: [String]) -> PreprocessedCommandLine {
        var out = PreprocessedCommandLine()
        if let first = argv.first, first == "-T" || first == "--genhash" {
            out.genhash = Array(argv.dropFirst())
            return out
        }
        var i = 0
        var literal = false
        while i < argv.count {
            let a = argv[i]
            i += 1
            if literal || !a.hasPrefix("-") || a == "-" {
                out.arguments.append(a)
                continue
            }
            if a == "--" { literal = true; out.arguments.append(a); continue }
            if a == "--config-test" { out.configTest = true; continue }
            if a.hasPrefix("--config-test=") {
                out.configTest = true
                out.configTestLog = String(a.dropFirst("--config-test=".count))
                continue
            }
            if a == "--core-dump-pattern" { out.coreDumpPattern = "core"; continue }
            if a.hasPrefix("--core-dump-pattern=") {
                out.coreDumpPattern = String(a.dropFirst("--core-dump-pattern=".count))
                continue
            }
            if a == "--help" { out.help = true; continue }
            if a.hasPrefix("--") { out.arguments.append(a); continue }
            // A cluster of short options, getopt style: -lnD, -tFILE, -fFILE.
            var rest = Substring(a.dropFirst())
            var kept = ""
            while let c = rest.first {
                rest = rest.dropFirst()
                switch c {
                case "t":
                    out.configTest = true
                    if !rest.isEmpty { out.configTestLog = String(rest); rest = "" }
                case "M":
                    out.coreDumpPattern = rest.isEmpty ? "core" : String(rest)
                    rest = ""
                case "h":
                    out.help = true
                case "f", "S", "u", "p", "r", "c", "b", "A", "s", "i":
                    // Options with a required value: attached, or the next word.
                    if !kept.isEmpty { out.arguments.append("-" + kept); kept = "" }
                    out.arguments.append("-\(c)")
                    if !rest.isEmpty {
                        out.arguments.append(String(rest))
                        rest = ""
                    } else if i < argv.count {
                        out.arguments.append(argv[i])
                        i += 1
                    }
                default:
                    kept.append(c)
                }
            }
            if !kept.isEmpty { out.arguments.append("-" + kept) }
        }
        return out
    }
}
