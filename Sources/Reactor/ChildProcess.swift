// Child processes started through the C spawn shim (fork, set-up, exec with
// nothing in between that runs Swift), held by a pidfd so the exit is an
// epoll event and the pid cannot be recycled under us.
import CShim
import Glibc
import Posix

/// What to start and as whom.
public struct SpawnSpec: Sendable {
    public var path: String
    /// The whole argv, argv[0] included.
    public var arguments: [String]
    /// `NAME=value` strings; nothing is inherited.
    public var environment: [String]
    /// The child's descriptors 0, 1, 2, 3, ...: each a copy of this
    /// descriptor of ours, or -1 for /dev/null. All others are closed.
    public var descriptors: [Int32]
    /// Switch to this user, group and supplementary groups (nil: stay).
    public var identity: Identity?
    /// Exactly these capabilities in the new program (permitted, effective,
    /// inheritable, ambient); none by default.
    public var capabilities: CapabilitySet
    /// Reduce the bounding set to `capabilities` (needs CAP_SETPCAP).
    public var limitBoundingSet: Bool
    public var newProcessGroup: Bool
    public var parentDeathSignal: Int32
    public var workingDirectory: String

    public struct Identity: Hashable, Sendable {
        public var uid: UInt32
        public var gid: UInt32
        public var groups: [UInt32]
        public init(uid: UInt32, gid: UInt32, groups: [UInt32]) {
            self.uid = uid
            self.gid = gid
            self.groups = groups
        }
    }

    public init(path: String, arguments: [String], environment: [String] = [], descriptors: [Int32] = [-1, -1, -1],
                identity: Identity? = nil, capabilities: CapabilitySet = .none, limitBoundingSet: Bool = true,
                newProcessGroup: Bool = false, parentDeathSignal: Int32 = 0, workingDirectory: String = "/") {
        self.path = path
        self.arguments = arguments
        self.environment = environment
        self.descriptors = descriptors
        self.identity = identity
        self.capabilities = capabilities
        self.limitBoundingSet = limitBoundingSet
        self.newProcessGroup = newProcessGroup
        self.parentDeathSignal = parentDeathSignal
        self.workingDirectory = workingDirectory
    }
}

public struct SpawnError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var stage: String
    public var errno: Errno
    public var description: String { "cannot start \(path): \(stage): \(errno)" }
}

public struct ChildExit: Sendable, CustomStringConvertible {
    public var pid: Int32
    public var status: ExitStatus
    /// It overran its timeout and was killed (with its process group).
    public var timedOut: Bool
    public var description: String { timedOut ? "timed out, \(status)" : status.description }
}

public final class ChildProcess {
    public let pid: Int32
    public let leadsProcessGroup: Bool
    private var descriptor: Descriptor?
    public private(set) var exit: ExitStatus?

    public var pidfd: Int32 { descriptor?.rawValue ?? -1 }

    init(pid: Int32, pidfd: consuming Descriptor, leadsProcessGroup: Bool) {
        self.pid = pid
        self.descriptor = .some(pidfd)
        self.leadsProcessGroup = leadsProcessGroup
    }

    /// Starts a program as `spec` says.
    public static func spawn(_ spec: SpawnSpec) throws(SpawnError) -> ChildProcess {
        let argv = spec.arguments.isEmpty ? [spec.path] : spec.arguments
        var stage: Int32 = 0, err: Int32 = 0
        let pid = withCStrings(argv) { argvp in
            withCStrings(spec.environment) { envp in
                spec.path.withCString { path in
                    spec.workingDirectory.withCString { cwd in
                        spec.descriptors.withUnsafeBufferPointer { fds in
                            (spec.identity?.groups ?? []).withUnsafeBufferPointer { groups in
                                var s = cshim_spawn_spec()
                                s.path = path
                                s.argv = argvp
                                s.envp = envp
                                s.fds = fds.baseAddress
                                s.nfds = Int32(fds.count)
                                if let id = spec.identity {
                                    s.set_ids = 1
                                    s.uid = id.uid
                                    s.gid = id.gid
                                    s.groups = groups.baseAddress
                                    s.ngroups = Int32(groups.count)
                                }
                                s.caps = spec.capabilities.mask
                                s.limit_bounding = spec.limitBoundingSet ? 1 : 0
                                s.new_process_group = spec.newProcessGroup ? 1 : 0
                                s.parent_death_signal = spec.parentDeathSignal
                                s.cwd = cwd
                                return cshim_spawn(&s, &stage, &err)
                            }
                        }
                    }
                }
            }
        }
        guard pid > 0 else {
            throw SpawnError(path: spec.path, stage: stageName(stage), errno: Errno(rawValue: err))
        }
        // The child cannot be reaped by anyone but us, so its pid is still ours.
        let fd = cshim_pidfd_open(pid, 0)
        guard fd >= 0 else {
            let e = Errno.current
            Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw SpawnError(path: spec.path, stage: "pidfd_open", errno: e)
        }
        return ChildProcess(pid: pid, pidfd: Descriptor(owning: fd), leadsProcessGroup: spec.newProcessGroup)
    }

    /// Sends `signal` to the child, or to its whole process group if it leads one.
    public func kill(_ signal: Int32) {
        guard exit == nil else { return }
        if leadsProcessGroup {
            // The group outlives its leader; kill(-pgid) reaches the rest too.
            _ = Glibc.kill(-pid, signal)
        } else {
            _ = cshim_pidfd_send_signal(pidfd, signal)
        }
    }

    /// Reaps the child if it has exited; nil if it still runs.
    public func tryReap() -> ExitStatus? {
        if let exit { return exit }
        var info = siginfo_t()
        // P_PIDFD (3): wait for exactly this child, by its pidfd.
        let r = waitid(idtype_t(rawValue: 3), id_t(pidfd), &info, WEXITED | WNOHANG)
        guard r == 0, info._sifields._sigchld.si_pid != 0 else { return nil }
        let code = info.si_code, status = info._sifields._sigchld.si_status
        let result: ExitStatus = code == Int32(CLD_EXITED) ? .exited(status)
            : .signaled(status, coreDumped: code == Int32(CLD_DUMPED))
        exit = result
        return result
    }

    /// Blocks until the child exits (for tools and tests, never in a reactor).
    public func wait() -> ExitStatus {
        while true {
            if let e = tryReap() { return e }
            var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, -1)
        }
    }
}

private func stageName(_ s: Int32) -> String {
    switch UInt32(s) {
    case CSHIM_STAGE_PIPE.rawValue: return "pipe"
    case CSHIM_STAGE_FORK.rawValue: return "fork"
    case CSHIM_STAGE_SIGNALS.rawValue: return "resetting signals"
    case CSHIM_STAGE_PGROUP.rawValue: return "setpgid"
    case CSHIM_STAGE_FDS.rawValue: return "arranging descriptors"
    case CSHIM_STAGE_BOUNDING.rawValue: return "limiting the bounding set"
    case CSHIM_STAGE_KEEPCAPS.rawValue: return "PR_SET_KEEPCAPS"
    case CSHIM_STAGE_GROUPS.rawValue: return "setgroups"
    case CSHIM_STAGE_GID.rawValue: return "setresgid"
    case CSHIM_STAGE_UID.rawValue: return "setresuid"
    case CSHIM_STAGE_CAPS.rawValue: return "capset"
    case CSHIM_STAGE_AMBIENT.rawValue: return "ambient capabilities"
    case CSHIM_STAGE_DEATHSIG.rawValue: return "PR_SET_PDEATHSIG"
    case CSHIM_STAGE_CWD.rawValue: return "chdir"
    case CSHIM_STAGE_EXEC.rawValue: return "execve"
    default: return "stage \(s)"
    }
}

/// NULL-terminated arrays of C strings, alive for the duration of `body`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { for p in copies { free(p) } }
    return (copies + [nil]).withUnsafeBufferPointer { body($0.baseAddress!) }
}
