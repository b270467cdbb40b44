// The Host the compiler uses on a real machine: files, globs and host facts
// through Glibc. Tests use an in-memory Host instead; everything here is a
// thin wrapper over one libc call, with errno folded into "nil" because
// the compiler only needs to know that a fact is unavailable.
#if canImport(Glibc)
import Glibc

/// An open file, read with read(2) straight into the caller's buffer;
/// closed when released.
final class DescriptorReader: FileReader {
    private let fd: Int32
    let size: Int

    init(fd: Int32, size: Int) {
        self.fd = fd
        self.size = size
    }

    deinit { close(fd) }

    func read(into buffer: inout [UInt8], maxBytes: Int) -> Int? {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: maxBytes))
        var filled = 0
        defer { buffer.removeLast(maxBytes - filled) }
        while filled < maxBytes {
            let n = buffer.withUnsafeMutableBytes { b -> Int in
                guard let base = b.baseAddress else { return 0 }
                return Glibc.read(fd, base + start + filled, maxBytes - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            filled += n
        }
        return filled
    }
}

public final class RealHost: Host, @unchecked Sendable {
    public let isOnline: Bool

    /// `online: false` (kaconf --offline) makes the host-fact questions
    /// unanswerable: callers check `isOnline` before asking.
    public init(online: Bool = true) {
        self.isOnline = online
    }

    /// The file's bytes (open, fstat for a size hint, read to EOF), or nil.
    public func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(max(0, st.st_size)) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    /// The file open for reading piece by piece (a large configuration is
    /// then never held whole), or nil when it cannot be opened or is a
    /// directory.
    public func openFile(_ path: String) -> (any FileReader)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR else {
            close(fd)
            return nil
        }
        // A pipe or device has no size to check against the limit before
        // reading: it is read whole first, as before.
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return readFile(path).map(WholeFileReader.init)
        }
        return DescriptorReader(fd: fd, size: Int(max(0, st.st_size)))
    }

    /// stat(2) or lstat(2).
    public func status(of path: String, follow: Bool) -> FileStatus? {
        var st = stat()
        let r = follow ? stat(path, &st) : lstat(path, &st)
        guard r == 0 else { return nil }
        let kind: FileStatus.Kind
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        return FileStatus(kind: kind, mode: UInt32(st.st_mode & 0o7777), uid: st.st_uid, gid: st.st_gid)
    }

    /// glob(3) with GLOB_BRACE, as keepalived calls it; glob sorts each
    /// brace alternative's matches.
    public func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, GLOB_BRACE, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out
    }

    /// realpath(3).
    public func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// getcwd(3).
    public func currentDirectory() -> String {
        guard let p = getcwd(nil, 0) else { return "." }
        defer { free(p) }
        return String(cString: p)
    }

    /// uname(2)'s nodename up to its first '.', keepalived's default config-id.
    public func nodeName() -> String {
        var u = utsname()
        guard uname(&u) == 0 else { return "" }
        let name = withUnsafeBytes(of: &u.nodename) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return String(name.prefix { $0 != "." })
    }

    /// if_nameindex(3): the interfaces of this network namespace.
    public func interfaceNames() -> Set<String> {
        guard let list = if_nameindex() else { return [] }
        defer { if_freenameindex(list) }
        var names = Set<String>()
        var p = list
        while p.pointee.if_index != 0, let n = p.pointee.if_name {
            names.insert(String(cString: n))
            p += 1
        }
        return names
    }

    /// getpwnam_r(3).
    public func user(named name: String) -> HostUser? {
        var pw = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let r = getpwnam_r(name, &pw, &buffer, buffer.count, &result)
        guard r == 0, result != nil else { return nil }
        return HostUser(name: name, uid: pw.pw_uid, gid: pw.pw_gid)
    }

    /// getgrnam_r(3).
    public func group(named name: String) -> UInt32? {
        var gr = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 64 * 1024)
        let r = getgrnam_r(name, &gr, &buffer, buffer.count, &result)
        guard r == 0, result != nil else { return nil }
        return gr.gr_gid
    }

    public func effectiveUID() -> UInt32 { geteuid() }
}
#endif
