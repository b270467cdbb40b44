// Paths given on a command line are resolved against the working directory
// before a daemon hands them to a child or changes directory.
import Glibc

/// `path` made absolute against the current working directory (unchanged
/// when it already is, or when the directory cannot be read).
public func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return path }
    let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return cwd == "/" ? "/" + path : cwd + "/" + path
}
