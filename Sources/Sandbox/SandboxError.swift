// Everything that can stop a program from entering its sandbox. Each one is
// fatal at start-up: a daemon never runs with less confinement than its
// profile says.
import Posix

public enum SandboxError: Error, Sendable, CustomStringConvertible {
    case policyUnreadable(path: String, SysError)
    case policySyntax(path: String, line: Int, String)
    case notSingleThreaded(threads: Int)
    case noSuchUser(String)
    case cannotSwitchUser(to: String, because: String)
    case step(String, SysError)
    case capabilities(String)
    case seccomp(String, code: Int32)

    public var description: String {
        switch self {
        case .policyUnreadable(let path, let e):
            return "cannot read seccomp policy \(path): \(e.errno) (it is installed with the program; see --policy-dir)"
        case .policySyntax(let path, let line, let why): return "\(path):\(line): \(why)"
        case .notSingleThreaded(let n):
            return "the sandbox must be entered before any thread exists, but \(n) threads run"
        case .noSuchUser(let u): return "user '\(u)' does not exist (scripts/setup.sh creates the programs' users)"
        case .cannotSwitchUser(let u, let why): return "cannot run as user '\(u)': \(why)"
        case .step(let what, let e): return "\(what): \(e)"
        case .capabilities(let why): return why
        case .seccomp(let what, let code): return "seccomp: \(what) failed (\(code))"
        }
    }
}
