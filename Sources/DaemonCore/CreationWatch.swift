// Tells a daemon when something is created in directories it names
// (inotify), so one waiting for a peer's socket sleeps until the socket
// appears instead of trying to connect every few seconds: a daemon started
// alone, whose peers are not running, then wakes only for its own work.
import Glibc
import Posix
import Reactor

final class CreationWatch {
    private let fd: Descriptor
    private let reactor: Reactor
    private var watch: WatchID?
    private static let events = UInt32(IN_CREATE) | UInt32(IN_MOVED_TO) | UInt32(IN_ATTRIB)

    /// `onCreate` runs once per batch of events, whatever was created.
    init(reactor: Reactor, onCreate: @escaping () -> Void) throws(SysError) {
        self.reactor = reactor
        fd = Descriptor(owning: try sys("inotify_init1") { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) })
        let raw = fd.rawValue
        watch = try reactor.watch(raw, for: .readable) { _ in
            CreationWatch.drain(raw)
            onCreate()
        }
    }

    deinit {
        if let watch { reactor.unwatch(watch) }
    }

    /// Watches `directory`; false when it does not exist (yet). Watching a
    /// directory twice is harmless (inotify keeps one watch per inode).
    @discardableResult
    func add(_ directory: String) -> Bool {
        inotify_add_watch(fd.rawValue, directory, CreationWatch.events | UInt32(IN_ONLYDIR)) >= 0
    }

    private static func drain(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }
}
