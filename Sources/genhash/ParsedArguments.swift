/// One option a program accepts: its long name, its short letter, and whether it takes a value.
struct OptionSpec {
    var long: String
    var short: Character
    var takesValue: Bool
    init(_ long: String, _ short: Character, _ takesValue: Bool) {
        self.long = long
        self.short = short
        self.takesValue = takesValue
    }
}

struct ArgumentError: Error {
    var message: String
}

/// GNU getopt_long's reading of argv, the part keepalived relies on: options
/// and operands in any order (operands collected), `--` ending the options,
/// clustered short flags (`-vS`), a short option's value attached (`-p80`) or
/// next (`-p 80`), long options with `=value` or the next argument, and long
/// names abbreviated to any unambiguous prefix (`--serv`).
struct ParsedArguments {
    /// (short letter, value) in command-line order; value is "" for flags.
    var options: [(Character, String)] = []
    var operands: [String] = []

    init(_ arguments: [String], specs: [OptionSpec]) throws(ArgumentError) {
        var i = 0
        func nextValue(for name: String) throws(ArgumentError) -> String {
            i += 1
            guard i < arguments.count else { throw ArgumentError(message: "option \(name) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            let arg = arguments[i]
            if arg == "--" {
                operands.append(contentsOf: arguments[(i + 1)...])
                break
            }
            if arg.hasPrefix("--") {
                let body = arg.dropFirst(2)
                let name = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
                let inline: String? = body.contains("=") ? String(body[body.index(after: body.firstIndex(of: "=")!)...]) : nil
                let spec = try Self.longSpec(String(name), in: specs)
                if spec.takesValue {
                    if let inline { options.append((spec.short, inline)) }
                    else { options.append((spec.short, try nextValue(for: "--\(spec.long)"))) }
                } else {
                    guard inline == nil else { throw ArgumentError(message: "option --\(spec.long) takes no value") }
                    options.append((spec.short, ""))
                }
            } else if arg.hasPrefix("-") && arg.count > 1 {
                var rest = Substring(arg.dropFirst())
                while let letter = rest.first {
                    rest = rest.dropFirst()
                    guard let spec = specs.first(where: { $0.short == letter }) else {
                        throw ArgumentError(message: "unknown option -\(letter)")
                    }
                    if spec.takesValue {
                        options.append((letter, rest.isEmpty ? try nextValue(for: "-\(letter)") : String(rest)))
                        break
                    }
                    options.append((letter, ""))
                }
            } else {
                operands.append(arg)
            }
            i += 1
        }
    }

    /// The exact long name, or the only one `name` abbreviates.
    private static func longSpec(_ name: String, in specs: [OptionSpec]) throws(ArgumentError) -> OptionSpec {
        if let exact = specs.first(where: { $0.long == name }) { return exact }
        let candidates = specs.filter { $0.long.hasPrefix(name) }
        guard !name.isEmpty, let first = candidates.first else {
            throw ArgumentError(message: "unknown option --\(name)")
        }
        guard candidates.count == 1 else {
            let names = candidates.map { "--\($0.long)" }.joined(separator: ", ")
            throw ArgumentError(message: "option --\(name) is ambiguous (\(names))")
        }
        return first
    }
}
