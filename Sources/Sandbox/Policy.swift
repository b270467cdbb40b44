// A seccomp policy file: one system call name per line, `#` starts a
// comment. The file is installed with the program and versioned with it;
// a name libseccomp does not know is an error, so a typo cannot silently
// leave a call out (or in).
import CSeccomp

public struct SyscallPolicy: Equatable, Sendable {
    public var path: String
    /// Resolved (name, number) pairs in file order, no duplicates.
    public var syscalls: [(name: String, number: Int32)]

    public static func == (a: SyscallPolicy, b: SyscallPolicy) -> Bool {
        a.path == b.path && a.syscalls.map(\.name) == b.syscalls.map(\.name)
    }

    /// Parses policy text; `path` is for messages.
    public static func parse(_ text: String, path: String) throws(SandboxError) -> SyscallPolicy {
        var out: [(String, Int32)] = []
        var seen = Set<String>()
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let name = line.trimmingWhitespace()
            if name.isEmpty { continue }
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw .policySyntax(path: path, line: i + 1, "'\(name)' is not a system call name")
            }
            let nr = seccomp_syscall_resolve_name(name)
            guard nr != __NR_SCMP_ERROR else {
                throw .policySyntax(path: path, line: i + 1, "unknown system call '\(name)'")
            }
            if seen.insert(name).inserted { out.append((name, nr)) }
        }
        guard !out.isEmpty else { throw .policySyntax(path: path, line: 0, "the policy allows nothing") }
        return SyscallPolicy(path: path, syscalls: out)
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
