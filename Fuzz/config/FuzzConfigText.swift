// libFuzzer entry for the text side of kaconf: reader, preprocessor, block
// parser, level-2 command splitting and diagnostic rendering, over an
// in-memory host. Built by scripts/test.d/20-fuzz-config.sh with
// `swiftc -sanitize=fuzzer` (separately from the SwiftPM build).
//
// The input is the main file; the parts after lines reading "%%" become
// the files a.conf, b.conf, ... next to it, so includes, globs and include
// loops are exercised too.

final class FuzzHost: Host, @unchecked Sendable {
    var files: [String: [UInt8]] = [:]
    let isOnline = false

    init(_ data: [UInt8]) {
        var parts: [[UInt8]] = [[]]
        var i = 0
        while i < data.count {
            if data[i] == 0x25, i + 2 < data.count, data[i + 1] == 0x25, data[i + 2] == 0x0A,
               i == 0 || data[i - 1] == 0x0A {
                parts.append([])
                i += 3
                continue
            }
            parts[parts.count - 1].append(data[i])
            i += 1
        }
        files["/f/main.conf"] = parts[0]
        for (k, p) in parts.dropFirst().prefix(8).enumerated() {
            files["/f/\(Character(Unicode.Scalar(UInt8(0x61 + k)))).conf"] = p
        }
    }

    private func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : "/f/" + p }

    func readFile(_ path: String) -> [UInt8]? { files[absolute(path)] }

    func status(of path: String, follow: Bool) -> FileStatus? {
        let a = absolute(path)
        if files[a] != nil { return FileStatus(kind: .regular, mode: 0o644) }
        if a == "/f" || a == "/f/" { return FileStatus(kind: .directory, mode: 0o755) }
        return nil
    }

    /// Exact names, and '*' or '?' anywhere in the last component.
    func glob(_ pattern: String) -> [String] {
        let p = Array(absolute(pattern).utf8)
        return files.keys.sorted().filter { match(p[...], Array($0.utf8)[...]) }
            .map { pattern.hasPrefix("/") ? $0 : String($0.dropFirst(3)) }
    }

    private func match(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
        guard let c = p.first else { return s.isEmpty }
        if c == 0x2A { // *
            var rest = s
            while true {
                if match(p.dropFirst(), rest) { return true }
                guard let f = rest.first, f != 0x2F else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let f = s.first else { return false }
        if c == 0x3F || c == f { return match(p.dropFirst(), s.dropFirst()) }
        return false
    }

    func realPath(_ path: String) -> String? { files[absolute(path)] != nil ? absolute(path) : nil }
    func currentDirectory() -> String { "/f" }
    func nodeName() -> String { "fuzz" }
    func interfaceNames() -> Set<String> { ["lo"] }
    func user(named: String) -> HostUser? { nil }
    func group(named: String) -> UInt32? { nil }
    func effectiveUID() -> UInt32 { 0 }
}

/// A few sections shaped like keepalived's; everything else is unknown.
struct FuzzGrammar: Grammar {
    func shape(of keyword: String, in section: SectionPath) -> KeywordShape? {
        switch keyword {
        case "global_defs", "vrrp_instance", "virtual_server", "real_server", "HTTP_GET", "url":
            return .block(SectionPath(keyword))
        case "virtual_ipaddress", "track_script", "static_routes": return .valueBlock
        case "notification_email": return .plainOrValueBlock
        case "state", "priority", "notify", "router_id", "include_check", "random_seed", "weight", "path":
            return .plain
        default: return nil
        }
    }

    func keywords(in section: SectionPath) -> [String] {
        ["global_defs", "vrrp_instance", "priority", "state", "notify", "virtual_ipaddress"]
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigText(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let host = FuzzHost(Array(UnsafeBufferPointer(start: data, count: size)))
    let diagnostics = Diagnostics()
    let options = PreprocessorOptions(configID: "fuzz", randomSeed: 1, maxTotalBytes: 32 * 1024)
    var commands = 0
    ConfigText.parse(file: "main.conf", host: host, grammar: FuzzGrammar(), diagnostics: diagnostics, options: options) { node in
        var stack = [node]
        while let n = stack.popLast() {
            if n.keyword.text == "notify", (try? CommandSplitter.split(tokens: Array(n.arguments))) != nil { commands += 1 }
            _ = try? CommandSplitter.split(n.line.text)
            _ = n.line.source
            switch n.body {
            case .none: break
            case .block(let children): stack.append(contentsOf: children)
            case .values(let lines): for l in lines { _ = try? CommandSplitter.split(l.text) }
            }
        }
    }
    _ = DiagnosticRenderer.render(diagnostics)
    return commands < 0 ? 1 : 0
}
