// Helpers for the model-side tests: compile text in memory, read the JSON
// dump back, and a fake host with users, interfaces and file modes.
import Foundation
@testable import KeepalivedConfig
import ConfigModel

/// Compiles `text` as /etc/keepalived/keepalived.conf on `host` (offline by default).
func compileText(_ text: String, host: ModelTestHost? = nil, offline: Bool = true,
                 configID: String = "lb1") -> CompileResult {
    let h = host ?? ModelTestHost()
    h.files["/etc/keepalived/keepalived.conf"] = ModelTestHost.File(bytes: Array(text.utf8))
    return Compiler.compile(file: "/etc/keepalived/keepalived.conf", host: h,
                            options: CompileOptions(configID: configID, offline: offline))
}

/// The JSON dump of a compiled configuration, parsed.
func jsonObject(_ c: CompiledConfig) throws -> Any {
    let text = try JSONDump.string(c)
    return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// Follows `a.b[2].c` through parsed JSON.
func jsonValue(_ root: Any, at path: String) -> Any? {
    var cur: Any? = root
    var i = path.startIndex
    while i < path.endIndex, let c = cur {
        if path[i] == "." { i = path.index(after: i); continue }
        if path[i] == "[" {
            guard let close = path[i...].firstIndex(of: "]"), let n = Int(path[path.index(after: i)..<close]),
                  let a = c as? [Any], n < a.count else { return nil }
            cur = a[n]
            i = path.index(after: close)
            continue
        }
        let end = path[i...].firstIndex(where: { $0 == "." || $0 == "[" }) ?? path.endIndex
        guard let o = c as? [String: Any] else { return nil }
        cur = o[String(path[i..<end])]
        i = end
    }
    return cur
}

/// A canonical text form of a JSON value, for comparisons.
func canonicalJSON(_ v: Any) -> String {
    guard let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]) else {
        return "\(v)"
    }
    return String(decoding: d, as: UTF8.self)
}

func canonicalJSON(text: String) -> String {
    guard let v = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return text }
    return canonicalJSON(v)
}

/// A machine for tests: files with owners and modes, users, interfaces.
final class ModelTestHost: KeepalivedConfig.Host, @unchecked Sendable {
    struct File {
        var bytes: [UInt8] = []
        var mode: UInt32 = 0o644
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var isDirectory = false
    }

    var files: [String: File] = [:]
    var users: [String: HostUser] = ["root": HostUser(name: "root", uid: 0, gid: 0)]
    var groups: [String: UInt32] = ["root": 0]
    var interfaces: Set<String> = ["lo", "eth0", "eth1", "eth2", "eth3"]
    var isOnline = true
    var cwd = "/etc/keepalived"

    init() {
        for d in ["/", "/etc", "/etc/keepalived", "/usr", "/usr/bin", "/bin", "/tmp"] {
            files[d] = File(mode: d == "/tmp" ? 0o1777 : 0o755, isDirectory: true)
        }
    }

    /// An executable script at `path` (directories above it are created root-owned 0755).
    func addScript(_ path: String, mode: UInt32 = 0o755, uid: UInt32 = 0, gid: UInt32 = 0) {
        var p = path
        while let slash = p.lastIndex(of: "/"), slash != p.startIndex {
            p = String(p[..<slash])
            if files[p] == nil { files[p] = File(mode: 0o755, isDirectory: true) }
        }
        files[path] = File(bytes: Array("#!/bin/sh\n".utf8), mode: mode, uid: uid, gid: gid)
    }

    func readFile(_ path: String) -> [UInt8]? {
        guard let f = files[absolute(path)], !f.isDirectory else { return nil }
        return f.bytes
    }

    func status(of path: String, follow: Bool) -> FileStatus? {
        guard let f = files[absolute(path)] else { return nil }
        return FileStatus(kind: f.isDirectory ? .directory : .regular, mode: f.mode, uid: f.uid, gid: f.gid)
    }

    func glob(_ pattern: String) -> [String] {
        files[absolute(pattern)] != nil ? [pattern] : []
    }

    func realPath(_ path: String) -> String? { files[absolute(path)] != nil ? absolute(path) : nil }
    func currentDirectory() -> String { cwd }
    func nodeName() -> String { "lb1" }
    func interfaceNames() -> Set<String> { interfaces }
    func user(named: String) -> HostUser? { users[named] }
    func group(named: String) -> UInt32? { groups[named] }
    func effectiveUID() -> UInt32 { 0 }

    func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : cwd + "/" + path
        var parts: [Substring] = []
        for p in joined.split(separator: "/") where p != "." {
            if p == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(p)
        }
        return "/" + parts.joined(separator: "/")
    }
}
