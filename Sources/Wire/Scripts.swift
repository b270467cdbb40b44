// daemon -> supervisor: run script N of my slice; supervisor -> daemon: how
// it ended. The daemon names a script by its index in the compiled config's
// script table, never by a command line; the only arguments it may add are
// the typed ones keepalived itself passes (the generic VRRP `notify` script's
// four), which the supervisor renders.

public struct RunScript: Hashable, Sendable, Codable {
    public var generation: Generation
    /// Chosen by the daemon; echoed in the result.
    public var requestID: UInt64
    /// Index into `CompiledConfig.scripts`.
    public var script: Int
    public var arguments: ScriptArguments
    /// How long the daemon wants the script to run before it and its process
    /// group are killed (MISC_CHECK: misc_timeout, else the checker's
    /// delay_loop); nil: the script's configured timeout, else the default.
    /// The runner bounds it (ScriptRules.timeout(requested:configured:)).
    public var timeout: Duration?
    public init(generation: Generation, requestID: UInt64, script: Int, arguments: ScriptArguments = .none,
                timeout: Duration? = nil) {
        self.generation = generation
        self.requestID = requestID
        self.script = script
        self.arguments = arguments
        self.timeout = timeout
    }
}

public enum ScriptArguments: Hashable, Sendable, Codable {
    case none
    /// keepalived's generic `notify` script: `$1` INSTANCE or GROUP, `$2` the
    /// name, `$3` the new state, `$4` the priority.
    case vrrpNotify(group: Bool, name: String, state: VRRPState, priority: UInt8)

    /// The words appended to the configured command line.
    public var words: [String] {
        switch self {
        case .none: return []
        case .vrrpNotify(let group, let name, let state, let priority):
            return [group ? "GROUP" : "INSTANCE", name, state.rawValue, String(priority)]
        }
    }
}

public struct ScriptResult: Hashable, Sendable, Codable {
    public var generation: Generation
    public var requestID: UInt64
    public var script: Int
    public var outcome: ScriptOutcome
    public init(generation: Generation, requestID: UInt64, script: Int, outcome: ScriptOutcome) {
        self.generation = generation
        self.requestID = requestID
        self.script = script
        self.outcome = outcome
    }
}

public enum ScriptOutcome: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Ran and exited with this status.
    case exited(Int32)
    /// Ran and was killed by this signal (not by us).
    case signaled(Int32)
    /// Ran past its timeout; it and its process group were killed.
    case timedOut
    /// Could not be started (exec failed, user missing, ...).
    case failedToStart(String)
    /// Not run: the request was not admissible (unknown index, stale generation, ...).
    case refused(String)

    public var description: String {
        switch self {
        case .exited(let s): return "exited with status \(s)"
        case .signaled(let s): return "killed by signal \(s)"
        case .timedOut: return "timed out and was killed"
        case .failedToStart(let why): return "failed to start: \(why)"
        case .refused(let why): return "refused: \(why)"
        }
    }

    /// keepalived treats a script as succeeding when it exits 0.
    public var succeeded: Bool { self == .exited(0) }
}
