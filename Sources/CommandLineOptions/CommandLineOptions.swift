// A small command-line parser for the programs that must start small: the
// syntax, help layout and error messages of swift-argument-parser (STYLE.md
// §6), without its cost. argument-parser links FoundationEssentials, which
// cannot go into a program linked with the static Swift runtime without
// most of Foundation's own libraries, and costs a daemon about 2 MB of
// resident memory (measured on vrrpd: scripts/bench.d/vrrp.sh). No
// dependencies, no system calls: the caller prints and exits.
//
// Accepted, as argument-parser accepts them: options and operands in any
// order, `--name value`, `--name=value`, `-n value`, `-n=value`, clustered
// short flags (`-lD`), `--` ending the options, the last of a repeated
// option winning, `-h`/`--help` anywhere before `--`, exit 64 on a usage error;
// subcommands (`kaconf lint ...`, `kaconf help lint`) one level deep.

/// One option of a command.
public struct OptionSpec: Sendable, Equatable {
    public var long: String
    public var short: Character?
    /// The value's name in help and errors; nil for a flag.
    public var valueName: String?
    /// The help line, unwrapped.
    public var help: String
    /// Shown as "(default: ...)" after the help.
    public var defaultText: String?
    /// Parsed, but not listed in the help.
    public var hidden: Bool
    /// A usage error when not given (an option taking a value).
    public var isRequired: Bool

    public init(_ long: String, short: Character? = nil, value valueName: String? = nil, help: String,
                default defaultText: String? = nil, hidden: Bool = false, required: Bool = false) {
        self.long = long
        self.short = short
        self.valueName = valueName
        self.help = help
        self.defaultText = defaultText
        self.hidden = hidden
        self.isRequired = required
    }

    public var isFlag: Bool { valueName == nil }

    /// `-f, --use-file <file>` as the help lists it.
    var label: String {
        var s = short.map { "-\($0), " } ?? ""
        s += "--\(long)"
        if let v = valueName { s += " <\(v)>" }
        return s
    }

    /// `-f <file>` (or `--compiled <file>`) as errors name it.
    var shortestSpelling: String {
        let name = short.map { "-\($0)" } ?? "--\(long)"
        return valueName.map { "\(name) <\($0)>" } ?? name
    }

    /// `--use-file <file>` as the usage line and errors about a missing option name it.
    var longSpelling: String {
        valueName.map { "--\(long) <\($0)>" } ?? "--\(long)"
    }
}

/// The one operand a command may take, e.g. kaconf's `[<file>]`; always optional.
public struct ArgumentSpec: Sendable, Equatable {
    /// Shown as `<name>`.
    public var name: String
    public var help: String
    /// Shown as "(default: ...)" after the help.
    public var defaultText: String?

    public init(_ name: String, help: String, default defaultText: String? = nil) {
        self.name = name
        self.help = help
        self.defaultText = defaultText
    }
}

/// A command: its name, help texts and options, or the subcommands it leads to.
public struct CommandSpec: Sendable {
    /// The name as typed; a subcommand is named without its parent here.
    public var name: String
    public var abstract: String
    public var discussion: String
    public var options: [OptionSpec]
    /// The operand the command takes; nil when it takes none.
    public var argument: ArgumentSpec?
    /// When not empty, the first word names one of these and the rest of
    /// the command line is theirs; the command itself has no options.
    public var subcommands: [CommandSpec]

    public init(name: String, abstract: String, discussion: String = "", options: [OptionSpec] = [],
                argument: ArgumentSpec? = nil, subcommands: [CommandSpec] = []) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.argument = argument
        self.subcommands = subcommands
    }

    /// argument-parser's synopsis: every option and the operand, in brackets
    /// where optional; with more than 12 of them only the required ones after
    /// `[<options>]`, or just `<options>`.
    public var usage: String {
        if !subcommands.isEmpty { return "\(name) <subcommand>" }
        // (synopsis, kept when there are too many): the operand and required options are kept.
        var elements = argument.map { [(synopsis: "[<\($0.name)>]", kept: true)] } ?? []
        elements += options.filter { !$0.hidden }.map { o in
            (synopsis: o.isRequired ? o.longSpelling : "[\(o.longSpelling)]", kept: o.isRequired)
        }
        if elements.isEmpty { return name }
        if elements.count <= 12 { return "\(name) " + elements.map(\.synopsis).joined(separator: " ") }
        let kept = elements.filter(\.kept)
        if kept.isEmpty || kept.count > 12 { return "\(name) <options>" }
        return "\(name) [<options>] " + kept.map(\.synopsis).joined(separator: " ")
    }

    /// The subcommand `name`, named with its parent as usage and errors show it.
    func subcommand(_ word: String) -> CommandSpec? {
        guard var sub = subcommands.first(where: { $0.name == word }) else { return nil }
        sub.name = "\(name) \(sub.name)"
        return sub
    }
}

/// What the command line held.
public struct ParsedCommandLine: Sendable, Equatable {
    /// The last value given for each option taking one, by long name.
    public private(set) var values: [String: String] = [:]
    /// Flags given, by long name.
    public private(set) var flags: Set<String> = []
    public internal(set) var operands: [String] = []
    /// The subcommand's name (without its parent's), when the command has subcommands.
    public internal(set) var subcommand: String?

    public func value(_ long: String) -> String? { values[long] }
    public func flag(_ long: String) -> Bool { flags.contains(long) }

    mutating func set(_ spec: OptionSpec, _ value: String?) {
        if let value { values[spec.long] = value } else { flags.insert(spec.long) }
    }
}

/// Why a command line does not lead to a run.
public enum CommandLineOutcome: Error, Equatable, Sendable {
    /// Help was asked for: print this to standard output, exit 0.
    case help(String)
    /// A usage error: print this to standard error, exit 64.
    case usage(String)

    /// argument-parser's exit status for a usage error (EX_USAGE).
    public static let usageStatus: Int32 = 64
}

extension CommandSpec {
    /// Reads `arguments` (without the program name).
    public func parse(_ arguments: [String]) throws(CommandLineOutcome) -> ParsedCommandLine {
        if !subcommands.isEmpty { return try parseSubcommand(arguments) }
        // Help wins over every other word before `--`, as argument-parser has it.
        for a in arguments.prefix(while: { $0 != "--" }) {
            if a == "--help" || a.hasPrefix("--help=") || a == "-h" {
                throw .help(helpText)
            }
            if a.hasPrefix("-") && !a.hasPrefix("--") && a.count > 2 && !a.contains("="),
               a.dropFirst().allSatisfy({ c in c == "h" || options.contains { $0.short == c && $0.isFlag } }),
               a.contains("h") {
                throw .help(helpText)
            }
        }
        var parsed = ParsedCommandLine()
        var i = 0
        func value(for spec: OptionSpec, spelled: String) throws(CommandLineOutcome) -> String {
            if i + 1 < arguments.count, !arguments[i + 1].hasPrefix("-") || arguments[i + 1] == "-" {
                i += 1
                return arguments[i]
            }
            throw usageError("Missing value for '\(spelled) <\(spec.valueName ?? "")>'",
                             help: "\(spelled) <\(spec.valueName ?? "")>  \(spec.help)")
        }
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" {
                parsed.operands += arguments[(i + 1)...]
                break
            }
            if a.hasPrefix("---") { throw usageError("Invalid option: \(a)") }
            if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                var name = String(body)
                var inline: String?
                // `--name=` is `--name`, as argument-parser reads it: a flag, or an option taking the next argument.
                if let eq = body.firstIndex(of: "=") {
                    name = String(body[..<eq])
                    let value = body[body.index(after: eq)...]
                    inline = value.isEmpty ? nil : String(value)
                }
                guard let spec = options.first(where: { $0.long == name }) else {
                    throw usageError("Unknown option '--\(name)'")
                }
                if spec.isFlag {
                    if let inline {
                        throw usageError("The option '--\(name)' does not take any value, but '\(inline)' was specified.")
                    }
                    parsed.set(spec, nil)
                } else if let inline {
                    parsed.set(spec, inline)
                } else {
                    parsed.set(spec, try value(for: spec, spelled: "--\(name)"))
                }
            } else if a.hasPrefix("-") && a.count > 1 {
                let letters = Array(a.dropFirst())
                // `-S=local0`: one short option with its value attached.
                if letters.count > 1 && letters[1] == "=" {
                    guard let spec = options.first(where: { $0.short == letters[0] }) else {
                        throw usageError("Unknown option '-\(letters[0])'")
                    }
                    if spec.isFlag {
                        throw usageError("The option '-\(letters[0])' does not take any value, but '\(String(letters[2...]))' was specified.")
                    }
                    parsed.set(spec, String(letters[2...]))
                    i += 1
                    continue
                }
                // `-lD=x`: one long option spelt with a single dash, as argument-parser reads it.
                if let eq = a.firstIndex(of: "=") { throw usageError("Unknown option '\(a[..<eq])'") }
                // A cluster of short options; those taking a value take the following arguments in turn.
                var cluster: [OptionSpec] = []
                for letter in letters {
                    guard let spec = options.first(where: { $0.short == letter }) else {
                        // `-oout.kacf`: perhaps a value glued to its option, which is not accepted.
                        if let v = cluster.first(where: { !$0.isFlag }) {
                            throw usageError("Unknown option '\(a)'\n   or: Missing value for '\(v.shortestSpelling)' in '\(a)'")
                        }
                        throw usageError("Unknown option '-\(letter)'")
                    }
                    cluster.append(spec)
                }
                for spec in cluster {
                    if spec.isFlag {
                        parsed.set(spec, nil)
                    } else {
                        parsed.set(spec, try value(for: spec, spelled: "-\(spec.short.map(String.init) ?? "")"))
                    }
                }
            } else {
                parsed.operands.append(a)
            }
            i += 1
        }
        let allowed = argument == nil ? 0 : 1
        let extra = parsed.operands.dropFirst(allowed)
        if extra.count == 1 { throw usageError("Unexpected argument '\(extra[extra.startIndex])'") }
        if extra.count > 1 {
            throw usageError("\(extra.count) unexpected arguments: \(extra.map { "'\($0)'" }.joined(separator: ", "))")
        }
        for o in options where o.isRequired && parsed.value(o.long) == nil {
            throw usageError("Missing expected argument '\(o.longSpelling)'", help: "\(o.shortestSpelling)  \(o.help)")
        }
        return parsed
    }

    /// `name <subcommand> ...`, `name help [<subcommand>]`, or `name` alone for the help.
    func parseSubcommand(_ arguments: [String]) throws(CommandLineOutcome) -> ParsedCommandLine {
        guard let first = arguments.first, first != "-h", first != "--help" else { throw .help(helpText) }
        if first == "help" {
            throw .help(arguments.dropFirst().first.flatMap(subcommand)?.helpText ?? helpText)
        }
        guard let sub = subcommand(first) else {
            throw usageError(first.hasPrefix("-") ? "Unknown option '\(first)'" : "Unexpected argument '\(first)'")
        }
        var parsed = try sub.parse(Array(arguments.dropFirst()))
        parsed.subcommand = first
        return parsed
    }

    /// argument-parser's shape of a usage error (what `validate()` failures print too).
    public func usageError(_ message: String, help: String? = nil) -> CommandLineOutcome {
        var s = "Error: \(message)\n"
        if let help { s += "Help:  \(help)\n" }
        s += "Usage: \(usage)\n"
        s += "  See '\(name) --help' for more information.\n"
        return .usage(s)
    }

    /// The help, laid out as argument-parser lays it out: 79 columns, option
    /// help from column 26, a label too long for its column on a line of its own.
    public var helpText: String {
        var out = HelpLayout.wrap("OVERVIEW: " + abstract, indent: 0) + "\n"
        if !discussion.isEmpty {
            out += "\n" + HelpLayout.wrap(discussion, indent: 0) + "\n"
        }
        out += "\nUSAGE: \(usage)\n"
        if let a = argument {
            out += "\nARGUMENTS:\n" + HelpLayout.entry("<\(a.name)>", a.help, default: a.defaultText)
        }
        out += "\nOPTIONS:\n"
        let listed = options.filter { !$0.hidden }
            + [OptionSpec("help", short: "h", help: "Show help information.")]
        for o in listed {
            out += HelpLayout.entry(o.label, o.help, default: o.defaultText)
        }
        if subcommands.isEmpty { return out + "\n" }
        out += "\nSUBCOMMANDS:\n"
        for s in subcommands {
            out += HelpLayout.entry(s.name, s.abstract, default: nil)
        }
        return out + "\n  See '\(name) help <subcommand>' for detailed help.\n"
    }
}

enum HelpLayout {
    static let width = 79
    static let helpColumn = 26

    /// One line of a list: the label, then its help from the help column, or
    /// on the next line when the label is too long for its column.
    static func entry(_ name: String, _ help: String, default defaultText: String?) -> String {
        var help = help
        if let d = defaultText { help += " (default: \(d))" }
        let label = "  " + name
        guard label.count + 1 <= helpColumn else {
            return label + "\n" + wrap(help, indent: helpColumn) + "\n"
        }
        let pad = String(repeating: " ", count: helpColumn - label.count)
        return label + pad + wrap(help, indent: helpColumn).dropFirst(helpColumn) + "\n"
    }

    /// Words of `text` on lines of at most `width` columns, each indented by `indent`.
    static func wrap(_ text: String, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = pad
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if line.count > indent && line.count + 1 + word.count > width {
                lines.append(line)
                line = pad
            }
            line += (line.count > indent ? " " : "") + word
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }
}
