// MISC_CHECK: run misc_path (through the supervisor's script runner, or
// checkd's own when it runs alone), killed at misc_timeout. Exit 0 is up,
// 1 is down; with misc_dynamic, 2..255 is up with weight = status - 2
// (reference §2.4, §5.4). A signal or the timeout is a failure.

public enum ScriptEnd: Hashable, Sendable {
    case exited(Int32)
    case signaled(Int32)
    case timedOut
    case couldNotRun(String)
}

public enum MiscCheckResult {
    public static func verdict(_ end: ScriptEnd, dynamic: Bool) -> Verdict {
        switch end {
        case .exited(0):
            return .pass(.exited(0))
        case .exited(let s) where dynamic && (2...255).contains(s):
            return Verdict(up: true, reason: .exited(s), dynamicWeight: Int64(s) - 2)
        case .exited(let s):
            return .fail(.exited(s))
        case .signaled(let sig):
            return .fail(.killedBySignal(sig))
        case .timedOut:
            return .fail(.scriptTimedOut)
        case .couldNotRun(let why):
            return .fail(.scriptRefused(why))
        }
    }
}
