// Signal names for logs ("killed by SIGSYS") and for keepalived's --signum.
import Glibc

public enum SignalName {
    static let table: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
        SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
        SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
        SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGTTIN: "SIGTTIN",
        SIGTTOU: "SIGTTOU", SIGURG: "SIGURG", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGVTALRM: "SIGVTALRM",
        SIGPROF: "SIGPROF", SIGWINCH: "SIGWINCH", SIGIO: "SIGIO", SIGPWR: "SIGPWR", SIGSYS: "SIGSYS",
    ]

    /// `SIGSYS`, or `SIGRTMIN+3`, or `signal 99`.
    public static func of(_ signal: Int32) -> String {
        if let n = table[signal] { return n }
        let min = Int32(__libc_current_sigrtmin()), max = Int32(__libc_current_sigrtmax())
        if signal >= min && signal <= max { return signal == min ? "SIGRTMIN" : "SIGRTMIN+\(signal - min)" }
        return "signal \(signal)"
    }
}

/// How a child process ended.
public enum ExitStatus: Hashable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32, coreDumped: Bool)

    /// "exited with status 3", "killed by SIGSYS (core dumped)"
    public var description: String {
        switch self {
        case .exited(let s): return "exited with status \(s)"
        case .signaled(let s, let core): return "killed by \(SignalName.of(s))\(core ? " (core dumped)" : "")"
        }
    }

    /// The shell's convention: the status, or 128 + the signal.
    public var shellStatus: Int32 {
        switch self {
        case .exited(let s): return s
        case .signaled(let s, _): return 128 + s
        }
    }
}
