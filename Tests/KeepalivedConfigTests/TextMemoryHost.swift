// A Host that serves files from memory, for the text side's tests: the
// preprocessor's only window on the machine is this protocol.
@testable import KeepalivedConfig

final class MemoryHost: Host, @unchecked Sendable {
    struct Entry {
        var bytes: [UInt8]
        var mode: UInt32
        var readable: Bool
    }

    var files: [String: Entry] = [:]
    /// Symbolic links: absolute path -> target (absolute).
    var links: [String: String] = [:]
    var cwd: String
    var node: String
    var isOnline = true
    var interfaces: Set<String> = ["lo", "eth0", "eth1"]

    init(cwd: String = "/etc/keepalived", node: String = "lb1.example.net", files: [String: String] = [:]) {
        self.cwd = cwd
        self.node = node
        for (p, t) in files { add(p, t) }
    }

    func add(_ path: String, _ text: String, mode: UInt32 = 0o644, readable: Bool = true) {
        files[absolute(path)] = Entry(bytes: Array(text.utf8), mode: mode, readable: readable)
    }

    func addBytes(_ path: String, _ bytes: [UInt8]) {
        files[absolute(path)] = Entry(bytes: bytes, mode: 0o644, readable: true)
    }

    // MARK: Paths

    func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : cwd + "/" + path
        var parts: [Substring] = []
        for p in joined.split(separator: "/") {
            if p == "." || p.isEmpty { continue }
            if p == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(p)
        }
        return "/" + parts.joined(separator: "/")
    }

    private func resolve(_ path: String) -> String {
        var p = absolute(path)
        var hops = 0
        while let t = links[p], hops < 40 { p = absolute(t); hops += 1 }
        return p
    }

    private func isDirectory(_ abs: String) -> Bool {
        if abs == "/" { return true }
        let prefix = abs + "/"
        return files.keys.contains { $0.hasPrefix(prefix) } || links.keys.contains { $0.hasPrefix(prefix) }
    }

    /// Names directly inside directory `abs`.
    private func children(of abs: String) -> [String] {
        let prefix = abs == "/" ? "/" : abs + "/"
        var names = Set<String>()
        for k in Array(files.keys) + Array(links.keys) where k.hasPrefix(prefix) {
            let rest = k.dropFirst(prefix.count)
            if let first = rest.split(separator: "/").first { names.insert(String(first)) }
        }
        return names.sorted()
    }

    // MARK: Host

    func readFile(_ path: String) -> [UInt8]? {
        guard let e = files[resolve(path)], e.readable else { return nil }
        return e.bytes
    }

    func status(of path: String, follow: Bool) -> FileStatus? {
        let abs = absolute(path)
        if !follow, links[abs] != nil { return FileStatus(kind: .symlink, mode: 0o777) }
        let r = resolve(path)
        if let e = files[r] { return FileStatus(kind: .regular, mode: e.mode) }
        if isDirectory(r) { return FileStatus(kind: .directory, mode: 0o755) }
        return nil
    }

    func glob(_ pattern: String) -> [String] {
        var out: [String] = []
        for alternative in Self.expandBraces(pattern) {
            out += matches(alternative).sorted()
        }
        return out
    }

    func realPath(_ path: String) -> String? {
        let r = resolve(path)
        return files[r] != nil || isDirectory(r) ? r : nil
    }

    func currentDirectory() -> String { cwd }
    func nodeName() -> String { node }
    func interfaceNames() -> Set<String> { interfaces }
    func user(named: String) -> HostUser? { named == "root" ? HostUser(name: "root", uid: 0, gid: 0) : nil }
    func group(named: String) -> UInt32? { named == "root" ? 0 : nil }
    func effectiveUID() -> UInt32 { 0 }

    // MARK: Globbing

    /// Paths matching a brace-free pattern, spelt as the pattern is (relative
    /// patterns give relative paths).
    private func matches(_ pattern: String) -> [String] {
        let relative = !pattern.hasPrefix("/")
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var current: [(shown: String, abs: String)] = [(relative ? "" : "/", relative ? cwd : "/")]
        for (i, part) in parts.enumerated() {
            let last = i == parts.count - 1
            var next: [(String, String)] = []
            for (shown, abs) in current {
                let sep = shown.isEmpty || shown.hasSuffix("/") ? "" : "/"
                if !Self.hasMagic(part) {
                    let a = absolute(abs + "/" + part)
                    if last ? (files[resolve(a)] != nil || isDirectory(resolve(a))) : isDirectory(resolve(a)) {
                        next.append((shown + sep + part, a))
                    }
                    continue
                }
                for name in children(of: resolve(abs)) where Self.fnmatch(Array(part.utf8), Array(name.utf8)) {
                    if name.hasPrefix(".") && !part.hasPrefix(".") { continue }
                    next.append((shown + sep + name, absolute(abs + "/" + name)))
                }
            }
            current = next
        }
        if pattern.hasSuffix("/") {
            return current.filter { isDirectory(resolve($0.abs)) }.map { $0.shown + "/" }
        }
        return current.map(\.shown)
    }

    static func hasMagic(_ s: String) -> Bool { s.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    static func expandBraces(_ p: String) -> [String] {
        let b = Array(p)
        guard let open = b.firstIndex(of: "{") else { return [p] }
        var depth = 0
        var close = -1
        var commas: [Int] = []
        for i in open..<b.count {
            if b[i] == "{" { depth += 1 }
            if b[i] == "}" { depth -= 1; if depth == 0 { close = i; break } }
            if b[i] == "," && depth == 1 { commas.append(i) }
        }
        guard close > 0 else { return [p] }
        let head = String(b[..<open]), tail = String(b[(close + 1)...])
        var bounds = [open] + commas + [close]
        var out: [String] = []
        for k in 0..<(bounds.count - 1) {
            let alt = String(b[(bounds[k] + 1)..<bounds[k + 1]])
            out += expandBraces(head + alt + tail)
        }
        bounds.removeAll()
        return out
    }

    static func fnmatch(_ p: [Character.UTF8View.Element], _ s: [UInt8]) -> Bool {
        func m(_ pi: Int, _ si: Int) -> Bool {
            if pi == p.count { return si == s.count }
            switch p[pi] {
            case UInt8(ascii: "*"):
                var k = si
                while true {
                    if m(pi + 1, k) { return true }
                    if k == s.count { return false }
                    k += 1
                }
            case UInt8(ascii: "?"):
                return si < s.count && m(pi + 1, si + 1)
            case UInt8(ascii: "["):
                guard si < s.count, let end = p[(pi + 1)...].firstIndex(of: UInt8(ascii: "]")) else { return false }
                var set = Array(p[(pi + 1)..<end])
                let negate = set.first == UInt8(ascii: "!")
                if negate { set.removeFirst() }
                var hit = false
                var k = 0
                while k < set.count {
                    if k + 2 < set.count && set[k + 1] == UInt8(ascii: "-") {
                        if set[k] <= s[si] && s[si] <= set[k + 2] { hit = true }
                        k += 3
                    } else {
                        if set[k] == s[si] { hit = true }
                        k += 1
                    }
                }
                return hit != negate && m(end + 1, si + 1)
            default:
                return si < s.count && p[pi] == s[si] && m(pi + 1, si + 1)
            }
        }
        return m(0, 0)
    }
}
