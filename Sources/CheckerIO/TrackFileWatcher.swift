// FILE_CHECK's input: each track_file's integer value, read at start and
// again whenever the file is written, moved in or removed (inotify on its
// directory, as keepalived does, so a file created later is seen too).
import Checkers
import CShim
import Glibc
import Posix
import Reactor

public final class TrackFileWatcher {
    public struct Entry {
        public var path: String
        var directory: String
        var name: String
        var wd: Int32 = -1
    }

    private let reactor: Reactor
    private var fd: Int32 = -1
    private var watchID: WatchID?
    public private(set) var entries: [Entry] = []
    /// Called with (index, value) when a file's value changes.
    private let onChange: (Int, Int64) -> Void

    public init(reactor: Reactor, paths: [String], onChange: @escaping (Int, Int64) -> Void) {
        self.reactor = reactor
        self.onChange = onChange
        for p in paths {
            let slash = p.lastIndex(of: "/")
            let dir = slash.map { $0 == p.startIndex ? "/" : String(p[..<$0]) } ?? "."
            let name = slash.map { String(p[p.index(after: $0)...]) } ?? p
            entries.append(Entry(path: p, directory: dir, name: name))
        }
    }

    deinit { stop() }

    /// Starts watching; returns the current values (0 for a missing file,
    /// as keepalived) and the problems met (logged by the caller).
    public func start() -> (values: [Int64], problems: [String]) {
        var problems: [String] = []
        if !entries.isEmpty {
            fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
            if fd < 0 { problems.append("inotify_init1: \(Errno.current); track files are read only at start") }
        }
        if fd >= 0 {
            for i in entries.indices {
                let mask = UInt32(IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM)
                entries[i].wd = inotify_add_watch(fd, entries[i].directory, mask)
                if entries[i].wd < 0 { problems.append("inotify_add_watch(\(entries[i].directory)): \(Errno.current)") }
            }
            do {
                watchID = try reactor.watch(fd, for: .readable) { [unowned self] _ in self.drain() }
            } catch {
                problems.append("cannot watch inotify descriptor: \(error)")
            }
        }
        return (entries.map { TrackFileWatcher.read($0.path) ?? 0 }, problems)
    }

    public func stop() {
        if let w = watchID { reactor.unwatch(w); watchID = nil }
        if fd >= 0 { close(fd); fd = -1 }
    }

    /// The value in `path`, nil when its content is out of range (ignored, as keepalived).
    public static func read(_ path: String) -> Int64? {
        let f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard f >= 0 else { return 0 }
        defer { close(f) }
        var buf = [UInt8](repeating: 0, count: 127)
        let n = buf.withUnsafeMutableBytes { Glibc.read(f, $0.baseAddress, $0.count) }
        guard n > 0 else { return 0 }
        return FileCheckValue.parse(buf[0..<n])
    }

    private func drain() {
        var buf = [UInt8](repeating: 0, count: 4096)
        var touched = Set<Int>()
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            var off = 0
            while off + 16 <= n {
                // struct inotify_event: wd, mask, cookie, len, name[len]
                let wd = buf.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: off, as: Int32.self) }
                let len = Int(buf.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: off + 12, as: UInt32.self) })
                let nameBytes = buf[(off + 16)..<min(off + 16 + len, n)]
                let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                for (i, e) in entries.enumerated() where e.wd == wd && e.name == name { touched.insert(i) }
                off += 16 + len
            }
        }
        for i in touched.sorted() {
            guard let v = TrackFileWatcher.read(entries[i].path) else { continue }
            onChange(i, v)
        }
    }
}
