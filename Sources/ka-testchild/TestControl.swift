// The test's handle on a running ka-testchild: commands in through a FIFO,
// events out to a file, both next to the executable (tests copy it into a
// directory of their own, so each test has its own).
import Glibc
import Posix
import Wire

enum Command: CustomStringConvertible {
    case hang
    case mute
    case exit(Int32)
    case abort
    case forbidden
    case script(Int, ScriptArguments)
    case vrrp(String, VRRPState)
    case garbage
    case releaseMemory

    /// `hang` | `mute` | `exit N` | `abort` | `forbidden` | `garbage` | `release-memory` |
    /// `script N [notify NAME STATE PRIO]` | `vrrp NAME STATE`
    init?(_ line: String) {
        let w = line.split(separator: " ").map(String.init)
        switch w.first {
        case "hang"?: self = .hang
        case "mute"?: self = .mute
        case "abort"?: self = .abort
        case "forbidden"?: self = .forbidden
        case "garbage"?: self = .garbage
        case "release-memory"?: self = .releaseMemory
        case "exit"? where w.count == 2: guard let n = Int32(w[1]) else { return nil }; self = .exit(n)
        case "script"? where w.count == 2: guard let n = Int(w[1]) else { return nil }; self = .script(n, .none)
        case "script"? where w.count == 6 && w[2] == "notify":
            guard let n = Int(w[1]), let s = VRRPState(rawValue: w[4]), let p = UInt8(w[5]) else { return nil }
            self = .script(n, .vrrpNotify(group: false, name: w[3], state: s, priority: p))
        case "vrrp"? where w.count == 3:
            guard let s = VRRPState(rawValue: w[2]) else { return nil }
            self = .vrrp(w[1], s)
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .hang: return "hang"
        case .mute: return "mute"
        case .exit(let n): return "exit \(n)"
        case .abort: return "abort"
        case .forbidden: return "forbidden"
        case .script(let n, let a): return "script \(n)\(a == .none ? "" : " " + a.words.joined(separator: " "))"
        case .vrrp(let n, let s): return "vrrp \(n) \(s.rawValue)"
        case .garbage: return "garbage"
        case .releaseMemory: return "release-memory"
        }
    }

    /// The commands that act on the process itself.
    func perform() {
        switch self {
        case .hang:
            // Stop serving the reactor: the watchdog must notice.
            while true { sleep(3600) }
        case .exit(let n): Glibc.exit(n)
        case .abort: Glibc.abort()
        case .forbidden:
            // chroot(2) is in no policy: the filter kills the process with SIGSYS.
            _ = chroot("/")
            Glibc.exit(99)
        case .mute, .script, .vrrp, .garbage, .releaseMemory: break
        }
    }
}

final class TestControl {
    let commandFD: Int32?
    let eventFD: Int32?
    private var pending: [UInt8] = []

    init(directory: String, role: String) {
        let ctl = "\(directory)/\(role).ctl"
        var st = stat()
        if stat(ctl, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO {
            // O_RDWR keeps the FIFO open when the test's writer closes it.
            commandFD = open(ctl, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            let ev = open("\(directory)/\(role).events", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o666)
            eventFD = ev >= 0 ? ev : nil
        } else {
            commandFD = nil
            eventFD = nil
        }
    }

    func event(_ text: String) {
        guard let fd = eventFD else { return }
        let bytes = Array("\(getpid()) \(text)\n".utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    func readCommands() -> [Command] {
        guard let fd = commandFD else { return [] }
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            pending += buf[0..<n]
        }
        var out: [Command] = []
        while let nl = pending.firstIndex(of: 10) {
            let line = String(decoding: pending[..<nl], as: UTF8.self)
            pending.removeSubrange(...nl)
            if let c = Command(line) { out.append(c) } else { event("bad command '\(line)'") }
        }
        return out
    }
}
