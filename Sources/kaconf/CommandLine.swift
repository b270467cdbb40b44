// kaconf's command line: `kaconf lint|compile|dump [FILE] [options]`.
//
// Not swift-argument-parser, though STYLE.md §6 asks for it: kaconf is run
// on every (re)load and its start-up counts against keepalived's own `-t`.
// argument-parser links FoundationEssentials; with it, `kaconf --help` took
// 12.6 MiB of RSS and 6.8 ms (10.3 MiB and 3.8 ms with the runtime linked
// statically), without it 6.3 MiB and 2.2 ms. The syntax, the help texts
// and the error messages are argument-parser's own, so scripts and the
// golden --help tests see no difference: options and the file in any
// order, `--name value`, `--name=value`, `-i value`, `-i=value`, clustered
// short flags (`-ei ID`), `--` ending the options, the last of a repeated
// option winning, help wherever it is asked for, exit 64 on a usage error.

enum Subcommand: String {
    case lint, compile, dump
}

/// What the command line asked for.
struct Invocation {
    var command: Subcommand
    var file = "/etc/keepalived/keepalived.conf"
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
}

/// Why the command line does not lead to a run: help was asked for (printed
/// to stdout, exit 0), or it is wrong (stderr, exit 64).
enum CommandLineOutcome: Error {
    case help(String)
    case usage(String)
}

/// One option of a subcommand.
struct OptionSpec {
    enum Target { case werror, offline, configId, allConfig, output, json, keepalivedExitStatus }

    let long: String
    let short: Character?
    /// The value's name in help and errors; nil for a flag.
    let valueName: String?
    /// The help line, unwrapped (errors print it on one line).
    let help: String
    let target: Target

    static let werror = OptionSpec(long: "werror", short: nil, valueName: nil, help: "Treat warnings as errors.", target: .werror)
    static let offline = OptionSpec(long: "offline", short: nil, valueName: nil,
                                    help: "Skip the checks that ask this machine (interfaces, users, script files).", target: .offline)
    static let configId = OptionSpec(long: "config-id", short: "i", valueName: "config-id",
                                     help: "The config-id for @ID lines and ${_INSTANCE} (default: the host name up to its first '.').",
                                     target: .configId)
    static let allConfig = OptionSpec(long: "all-config", short: "e", valueName: nil,
                                      help: "Make every include check an error, as keepalived's -e does.", target: .allConfig)
    static let output = OptionSpec(long: "output", short: "o", valueName: "output",
                                   help: "Where to write the compiled configuration.", target: .output)
    static let json = OptionSpec(long: "json", short: nil, valueName: nil,
                                 help: "Print JSON (keys are the keywords, intervals in seconds).", target: .json)

    static let keepalivedExitStatus = OptionSpec(long: "keepalived-exit-status", short: nil, valueName: nil,
                                                 help: "Exit as keepalived -t does.", target: .keepalivedExitStatus)

    static func options(of command: Subcommand) -> [OptionSpec] {
        let common = [werror, offline, configId, allConfig]
        switch command {
        case .lint: return common + [keepalivedExitStatus]
        case .compile: return common + [output]
        case .dump: return common + [json]
        }
    }
}

enum KaconfCommandLine {
    /// Reads `arguments` (without the program name).
    static func parse(_ arguments: [String]) throws(CommandLineOutcome) -> Invocation {
        guard let first = arguments.first else { throw .help(Help.root) }
        if first == "-h" || first == "--help" { throw .help(Help.root) }
        if first == "help" {
            let sub = arguments.dropFirst().first.flatMap(Subcommand.init(rawValue:))
            throw .help(sub.map(Help.text(of:)) ?? Help.root)
        }
        guard let command = Subcommand(rawValue: first) else {
            let what = first.hasPrefix("-") ? "Unknown option '\(first)'" : "Unexpected argument '\(first)'"
            throw .usage(usageError(what, help: nil, command: nil))
        }
        return try parse(Array(arguments.dropFirst()), for: command)
    }

    static func parse(_ args: [String], for command: Subcommand) throws(CommandLineOutcome) -> Invocation {
        let specs = OptionSpec.options(of: command)
        // Help wins over every other word, wherever it is (as argument-parser has it).
        for a in args.prefix(while: { $0 != "--" }) {
            if a == "--help" || a.hasPrefix("--help=") || (a.hasPrefix("-") && !a.hasPrefix("--") && a.contains("h")) {
                throw .help(Help.text(of: command))
            }
        }
        func fail(_ message: String, help: String? = nil) -> CommandLineOutcome {
            .usage(usageError(message, help: help, command: command))
        }

        var inv = Invocation(command: command)
        var operands: [String] = []
        var i = 0
        /// The value of an option: the next argument, unless it is itself an option.
        func value(for spec: OptionSpec, spelled: String) throws(CommandLineOutcome) -> String {
            if i + 1 < args.count, !args[i + 1].hasPrefix("-") || args[i + 1] == "-" {
                i += 1
                return args[i]
            }
            throw fail("Missing value for '\(spelled) <\(spec.valueName ?? "")>'",
                       help: "\(spelled) <\(spec.valueName ?? "")>  \(spec.help)")
        }
        while i < args.count {
            let a = args[i]
            if a == "--" {
                operands += args[(i + 1)...]
                break
            }
            if a.hasPrefix("---") {
                throw .usage(usageError("Invalid option: \(a)", help: nil, command: nil))
            }
            if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                let name: String
                var inline: String?
                if let eq = body.firstIndex(of: "=") {
                    name = String(body[..<eq])
                    inline = String(body[body.index(after: eq)...])
                } else {
                    name = String(body)
                }
                guard let spec = specs.first(where: { $0.long == name }) else { throw fail("Unknown option '--\(name)'") }
                if spec.valueName == nil {
                    if let inline, !inline.isEmpty {
                        throw fail("The option '--\(name)' does not take any value, but '\(inline)' was specified.")
                    }
                    set(spec, nil, in: &inv)
                } else if let inline, !inline.isEmpty {
                    set(spec, inline, in: &inv)
                } else {
                    set(spec, try value(for: spec, spelled: "--\(name)"), in: &inv)
                }
            } else if a.hasPrefix("-") && a.count > 1 {
                let letters = a.dropFirst()
                // `-i=ID`: one short option with its value attached.
                if letters.dropFirst().first == "=" {
                    guard let spec = specs.first(where: { $0.short == letters.first }), spec.valueName != nil else {
                        throw fail("Unknown option '\(a)'")
                    }
                    set(spec, String(letters.dropFirst(2)), in: &inv)
                    i += 1
                    continue
                }
                if let eq = a.firstIndex(of: "=") { throw fail("Unknown option '\(a[..<eq])'") }
                // A cluster of short options; those taking a value take the
                // following arguments in turn.
                var cluster: [OptionSpec] = []
                for letter in letters {
                    guard let spec = specs.first(where: { $0.short == letter }) else {
                        // `-oout.kacf`: perhaps a value glued to its option, which is not accepted.
                        if let v = cluster.first(where: { $0.valueName != nil }), let short = v.short {
                            throw fail("Unknown option '\(a)'\n   or: Missing value for '-\(short) <\(v.valueName ?? "")>' in '\(a)'")
                        }
                        throw fail("Unknown option '-\(letter)'")
                    }
                    cluster.append(spec)
                }
                for spec in cluster {
                    if spec.valueName == nil {
                        set(spec, nil, in: &inv)
                    } else {
                        set(spec, try value(for: spec, spelled: "-\(spec.short.map(String.init) ?? "")"), in: &inv)
                    }
                }
            } else {
                operands.append(a)
            }
            i += 1
        }
        if let file = operands.first { inv.file = file }
        let extra = operands.dropFirst()
        if extra.count == 1 { throw fail("Unexpected argument '\(extra[extra.startIndex])'") }
        if extra.count > 1 {
            throw fail("\(extra.count) unexpected arguments: \(extra.map { "'\($0)'" }.joined(separator: ", "))")
        }
        if command == .compile && inv.output == nil {
            throw fail("Missing expected argument '--output <output>'", help: "-o <output>  \(OptionSpec.output.help)")
        }
        return inv
    }

    static func set(_ spec: OptionSpec, _ value: String?, in inv: inout Invocation) {
        switch spec.target {
        case .werror: inv.werror = true
        case .offline: inv.offline = true
        case .allConfig: inv.allConfig = true
        case .json: inv.json = true
        case .keepalivedExitStatus: inv.keepalivedExitStatus = true
        case .configId: inv.configId = value
        case .output: inv.output = value
        }
    }

    /// argument-parser's shape of a usage error.
    static func usageError(_ message: String, help: String?, command: Subcommand?) -> String {
        var s = "Error: \(message)\n"
        if let help { s += "Help:  \(help)\n" }
        s += "Usage: \(Help.usage(command))\n"
        s += "  See 'kaconf\(command.map { " \($0.rawValue)" } ?? "") --help' for more information.\n"
        return s
    }
}
