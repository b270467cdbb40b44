// Where a program finds its seccomp policy: the directory given on the
// command line, else the one installed next to it
// (<prefix>/bin/../share/keepalived-swift/policies), else, for a program
// run from a build tree, the checkout's policies/ directory.
import Glibc
import Posix

public enum PolicyDirectory {
    public static let installedRelative = "../share/keepalived-swift/policies"

    public static func resolve(explicit: String?) -> String {
        // Absolute, because children start in "/".
        if let explicit { return absolutePath(explicit) }
        let exeDir = executableDirectory()
        // <prefix>/sbin/prog -> <prefix>/share/keepalived-swift/policies, spelt without "..".
        let installed = "\(parent(of: exeDir))/\(installedRelative.dropFirst(3))"
        if isDirectory(installed) { return installed }
        // A build tree: .build/<triple>/<config>/prog -> the checkout with Package.swift.
        var dir = exeDir
        while dir != "/" && !dir.isEmpty {
            if access("\(dir)/Package.swift", F_OK) == 0 && isDirectory("\(dir)/policies") { return "\(dir)/policies" }
            dir = parent(of: dir)
        }
        return installed
    }

    /// The directory holding the running executable.
    public static func executableDirectory() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return "." }
        let path = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return parent(of: path)
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let p = String(path[..<slash])
        return p.isEmpty ? "/" : p
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
