// The seeded defect injector of the parity harness: from each corpus
// configuration, variants with one defect each, applied to every line the
// defect applies to. The seed picks the replacement values, so a failing
// variant can be reproduced by name.
import Foundation

enum DefectKind: String, CaseIterable, Sendable {
    case badAddress = "bad address"
    case outOfRange = "out-of-range number"
    case unknownAlgorithm = "unknown algorithm"
    case missingBrace = "missing brace"
    case undefinedReference = "undefined reference"
    case unknownKeyword = "unknown keyword"
    case duplicateVRID = "duplicate VRID"
    /// Not a defect: the same configuration written differently (line ends,
    /// brace placement, comments, definitions, conditionals, ~SEQ), which
    /// both programs must read alike.
    case rewrite = "equivalent rewrite"
}

struct ConfigVariant: Sendable {
    /// The corpus file the variant came from (relative to the samples directory).
    var origin: String
    var kind: DefectKind?
    /// 1-based line the defect sits on (0 for the unmodified file).
    var line: Int
    /// What was done, for the report: "priority 100 -> priority 256".
    var change: String
    var text: String
    /// Run with `-i ID` / `--config-id ID`.
    var configID: String? = nil
    /// Files written beside it (relative path -> text), for includes.
    var files: [String: String] = [:]

    var name: String {
        let id = configID.map { " -i \($0)" } ?? ""
        guard let kind else { return origin + id }
        return "\(origin):\(line) [\(kind.rawValue)] \(change)\(id)"
    }

    /// The config-ids a configuration's `@ID` / `@^ID` lines name.
    static func configIDs(in text: String) -> [String] {
        var ids = Set<String>()
        for line in text.split(separator: "\n") {
            let t = line.drop { $0 == " " || $0 == "\t" }
            guard t.hasPrefix("@") else { continue }
            let id = t.dropFirst().drop { $0 == "^" }.prefix { $0 != " " && $0 != "\t" }
            if !id.isEmpty { ids.insert(String(id)) }
        }
        return ids.sorted()
    }
}

/// A small deterministic generator (SplitMix64) so variants are stable.
struct ParityRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func pick<T>(_ xs: [T]) -> T { xs[Int(next() % UInt64(xs.count))] }
}

struct DefectInjector {
    var random: ParityRandom

    init(seed: UInt64) { random = ParityRandom(state: seed) }

    /// Blocks whose lines are values, not keywords.
    static let valueBlocks: Set<String> = [
        "virtual_ipaddress", "virtual_ipaddress_excluded", "virtual_routes", "virtual_rules", "static_ipaddress",
        "static_routes", "static_rules", "track_interface", "track_script", "track_process", "track_file", "track_bfd",
        "unicast_peer", "group", "notification_email", "virtual_server_group", "linkbeat_interfaces",
        "interface_up_down_delays",
    ]
    /// Value blocks whose entries name things defined elsewhere.
    static let referenceBlocks: Set<String> = ["track_script", "track_process", "track_file", "track_bfd", "group"]

    /// Keyword -> values outside its range (reference §2.4).
    static let outOfRange: [String: [String]] = [
        "priority": ["256", "0", "1000"],
        "virtual_router_id": ["256", "0", "300"],
        "advert_int": ["256", "300"],
        "preempt_delay": ["1001", "5000"],
        "connect_port": ["65536", "70000"],
        "weight": ["3000000000", "-3000000000"],
        "rise": ["0"],
        "fall": ["0"],
        "quorum": ["0"],
        "hysteresis": ["-1"],
        "smtp_connect_timeout": ["-1"],
        "vrrp_garp_master_repeat": ["-1"],
        "garp_master_delay": ["-1"],
        "delay_loop": ["-1"],
        "retry": ["-1"],
        "connect_timeout": ["-1"],
        "delay_before_retry": ["-1"],
        "interval": ["-1"],
    ]
    static let unknownValues: [String: [String]] = [
        "lb_algo": ["fastest", "random", "wrrr"],
        "lb_kind": ["FAST", "NATT", "DRR"],
        "auth_type": ["MD5", "SHA1", "PASSWORD"],
    ]

    /// One line of a configuration as the injector sees it.
    struct Line {
        var index: Int
        var text: String
        /// Words outside comments.
        var words: [String]
        /// The block keywords enclosing the line, outermost first.
        var blocks: [String]
        var inValueBlock: Bool { blocks.last.map { DefectInjector.valueBlocks.contains($0) } ?? false }
    }

    /// Splits `text` into lines with their words and enclosing blocks
    /// (braces counted outside quotes and comments).
    static func scan(_ text: String) -> [Line] {
        var out: [Line] = []
        var stack: [String] = []
        var pending: String?
        for (i, raw) in text.components(separatedBy: "\n").enumerated() {
            var code = ""
            var inQuote = false
            for c in raw {
                if c == "\"" { inQuote.toggle() }
                if !inQuote && (c == "#" || c == "!") { break }
                code.append(c)
            }
            let spaced = code.replacingOccurrences(of: "{", with: " { ").replacingOccurrences(of: "}", with: " } ")
            let words = spaced.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            out.append(Line(index: i, text: raw, words: words.filter { $0 != "{" && $0 != "}" }, blocks: stack))
            var last: String?
            for w in words {
                if w == "{" {
                    stack.append(last ?? pending ?? "")
                    last = nil
                } else if w == "}" {
                    if !stack.isEmpty { stack.removeLast() }
                    last = nil
                } else if last == nil {
                    last = w
                }
            }
            if let l = words.first(where: { $0 != "{" && $0 != "}" }) { pending = l }
        }
        return out
    }

    static func isIPv4(_ w: String) -> Bool {
        let addr = w.split(separator: "/", maxSplits: 1).first.map(String.init) ?? w
        let parts = addr.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isNumber) && Int(p)! <= 255 }
    }

    static func isIPv6(_ w: String) -> Bool {
        let addr = w.split(separator: "/", maxSplits: 1).first.map(String.init) ?? w
        return addr.contains("::") || addr.filter { $0 == ":" }.count >= 2
            ? addr.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } && addr.contains(where: \.isHexDigit) : false
    }

    /// Every variant of `text` (from corpus file `origin`).
    mutating func variants(of text: String, origin: String) -> [ConfigVariant] {
        let lines = DefectInjector.scan(text)
        var raw = text.components(separatedBy: "\n")
        var out: [ConfigVariant] = []
        func variant(_ kind: DefectKind, _ line: Line, _ newLine: String, _ change: String) {
            let saved = raw[line.index]
            raw[line.index] = newLine
            out.append(ConfigVariant(origin: origin, kind: kind, line: line.index + 1, change: change,
                                     text: raw.joined(separator: "\n")))
            raw[line.index] = saved
        }
        func replacingWord(_ line: Line, _ old: String, _ new: String) -> String {
            guard let r = line.text.range(of: old) else { return line.text }
            return line.text.replacingCharacters(in: r, with: new)
        }

        for line in lines where !line.words.isEmpty {
            let keyword = line.words[0]

            // A bad address: the first address on the line made invalid.
            if let addr = line.words.first(where: { DefectInjector.isIPv4($0) || DefectInjector.isIPv6($0) }) {
                let bad: String
                if DefectInjector.isIPv4(addr) {
                    var parts = addr.split(separator: "/", maxSplits: 1).map(String.init)
                    var octets = parts[0].split(separator: ".").map(String.init)
                    octets[Int(random.next() % 4)] = random.pick(["256", "300", "999"])
                    parts[0] = octets.joined(separator: ".")
                    bad = parts.joined(separator: "/")
                } else {
                    bad = addr.replacingOccurrences(of: "::", with: random.pick([":zz:", "::g::", ":::"]))
                }
                variant(.badAddress, line, replacingWord(line, addr, bad), "\(addr) -> \(bad)")
            }

            if !line.inValueBlock {
                // An out-of-range number.
                if let values = DefectInjector.outOfRange[keyword], line.words.count >= 2,
                   Double(line.words[1]) != nil {
                    let bad = random.pick(values)
                    variant(.outOfRange, line, replacingWord(line, "\(keyword) \(line.words[1])", "\(keyword) \(bad)"),
                            "\(keyword) \(line.words[1]) -> \(bad)")
                }
                // A port out of range on a virtual or real server line.
                if (keyword == "virtual_server" || keyword == "real_server"), line.words.count >= 3,
                   Int(line.words[2]) != nil {
                    let bad = random.pick(["65536", "70000", "99999"])
                    variant(.outOfRange, line, replacingWord(line, " \(line.words[2])", " \(bad)"),
                            "port \(line.words[2]) -> \(bad)")
                }
                // An unknown algorithm (or kind, or authentication type).
                if let values = DefectInjector.unknownValues[keyword], line.words.count >= 2 {
                    let bad = random.pick(values)
                    variant(.unknownAlgorithm, line, replacingWord(line, line.words[1], bad), "\(keyword) \(line.words[1]) -> \(bad)")
                }
                // An unknown keyword: the keyword misspelt.
                if keyword.first?.isLetter == true {
                    let bad = keyword + random.pick(["_x", "s", "2"])
                    variant(.unknownKeyword, line, replacingWord(line, keyword, bad), "\(keyword) -> \(bad)")
                }
                // An undefined reference: a virtual server group that does not exist.
                if keyword == "virtual_server", line.words.count >= 3, line.words[1] == "group" {
                    variant(.undefinedReference, line, replacingWord(line, line.words[2], "NO_SUCH_GROUP"),
                            "group \(line.words[2]) -> NO_SUCH_GROUP")
                }
            } else if let block = line.blocks.last, DefectInjector.referenceBlocks.contains(block),
                      !keyword.hasPrefix("@"), !keyword.hasPrefix("$") {
                // An undefined reference: a tracked script, process, file or group member that does not exist.
                variant(.undefinedReference, line, replacingWord(line, keyword, "no_such_\(block)"),
                        "\(block) \(keyword) -> no_such_\(block)")
            }
        }

        // A missing brace: each '{' or '}' line loses its last brace.
        for line in lines {
            let code = line.text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard let idx = code.lastIndex(where: { $0 == "{" || $0 == "}" }), !code.contains("\"") else { continue }
            var t = line.text
            let brace = t[idx]
            t.remove(at: idx)
            variant(.missingBrace, line, t, "removed '\(brace)'")
        }

        // Equivalent rewrites of the whole file.
        let body = raw
        func rewrite(_ change: String, _ lines: [String]) {
            out.append(ConfigVariant(origin: origin, kind: .rewrite, line: 0, change: change,
                                     text: lines.joined(separator: "\n")))
        }
        rewrite("CRLF line ends", body.map { $0 + "\r" })
        rewrite("tabs and blanks around every line", body.map { $0.isEmpty ? $0 : "\t \($0)  \t" })
        rewrite("a comment after every line", body.map { l in
            l.contains("\"") || l.hasSuffix("\\") ? l : l + (random.next() % 2 == 0 ? " # note" : " ! note")
        })
        rewrite("every '{' on a line of its own", body.flatMap { l -> [String] in
            guard !l.contains("\""), !l.contains("#"), !l.contains("!"),
                  let r = l.range(of: "{", options: .backwards), l[r.upperBound...].allSatisfy(\.isWhitespace) else { return [l] }
            return [String(l[..<r.lowerBound]), "{"]
        })
        rewrite("closing braces joined", body.reduce(into: [String]()) { acc, l in
            if l.trimmingCharacters(in: .whitespaces) == "}", let last = acc.last,
               last.trimmingCharacters(in: .whitespaces).allSatisfy({ $0 == "}" || $0 == " " }), !last.isEmpty {
                acc[acc.count - 1] = last + " }"
            } else {
                acc.append(l)
            }
        })
        rewrite("every line behind @^ of another config-id", body.map { l in
            l.trimmingCharacters(in: .whitespaces).isEmpty ? l : "@^not_this_host " + l
        })
        rewrite("every line behind a one-step ~SEQ", body.map { l in
            let t = l.trimmingCharacters(in: .whitespaces)
            return t.isEmpty || t.hasPrefix("#") || t.hasPrefix("!") || t.hasPrefix("$") ? l : "~SEQ(SEQ_VAR, 1, 1) " + t
        })
        let keywords = Set(lines.filter { !$0.inValueBlock && !$0.words.isEmpty }.map { $0.words[0] }
            .filter { $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } })
        if !keywords.isEmpty {
            var defs: [String] = []
            var name: [String: String] = [:]
            for (i, k) in keywords.sorted().enumerated() {
                name[k] = "KW\(i)"
                defs.append("$KW\(i)=\(k)")
            }
            rewrite("every keyword through a $ definition", defs + zip(body, lines).map { l, info in
                guard !info.inValueBlock, let k = info.words.first, let n = name[k], let r = l.range(of: k) else { return l }
                return l.replacingCharacters(in: r, with: "$" + n)
            })
        }

        // The same configuration read through includes.
        let whole = body.joined(separator: "\n")
        out.append(ConfigVariant(origin: origin, kind: .rewrite, line: 0, change: "the whole file included",
                                 text: "include body.conf\n", files: ["body.conf": whole]))
        out.append(ConfigVariant(origin: origin, kind: .rewrite, line: 0,
                                 change: "included through a file that includes relative to itself",
                                 text: "include sub/a.conf\n", files: ["sub/a.conf": "include b.conf\n", "sub/b.conf": whole]))
        var chunks: [[String]] = [[]]
        for (i, info) in lines.enumerated() {
            let continued = i > 0 && body[i - 1].hasSuffix("\\")
            if info.blocks.isEmpty && !info.words.isEmpty && !continued && !chunks[chunks.count - 1].isEmpty {
                chunks.append([])
            }
            chunks[chunks.count - 1].append(body[i])
        }
        var parts: [String: String] = [:]
        for (i, c) in chunks.enumerated() { parts[String(format: "conf.d/%03d.conf", i)] = c.joined(separator: "\n") + "\n" }
        out.append(ConfigVariant(origin: origin, kind: .rewrite, line: 0,
                                 change: "each top-level block in its own file, included by a wildcard",
                                 text: "include conf.d/*.conf\n", files: parts))

        // A duplicate VRID: each vrrp_instance copied under a new name, same
        // VRID and interface.
        for (start, line) in lines.enumerated() where line.words.first == "vrrp_instance" && line.words.count >= 2 {
            let depth = line.blocks.count
            guard let end = lines[(start + 1)...].first(where: { $0.blocks.count == depth })?.index else { continue }
            let block = Array(raw[start..<end])
            let inner = lines[start..<end]
            guard inner.contains(where: { $0.words.first == "virtual_router_id" }),
                  inner.contains(where: { $0.words.first == "interface" }),
                  !inner.contains(where: { $0.words.first == "unicast_peer" }) else { continue }
            let name = line.words[1]
            var copy = block
            copy[0] = copy[0].replacingOccurrences(of: name, with: "\(name)_dup")
            let text = raw.joined(separator: "\n") + "\n" + copy.joined(separator: "\n") + "\n"
            out.append(ConfigVariant(origin: origin, kind: .duplicateVRID, line: start + 1,
                                     change: "\(name) copied as \(name)_dup", text: text))
        }
        return out
    }
}
