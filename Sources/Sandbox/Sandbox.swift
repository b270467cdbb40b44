// Entering the sandbox, once, at start-up, before any thread exists
// (credentials, capabilities and seccomp filters are per thread):
//
//   1. read and resolve the seccomp policy (it needs the file system);
//   2. if root: cut the bounding set to the profile's capabilities, then
//      switch to the profile's user keeping those capabilities;
//      if already that user (started by the supervisor with exactly these
//      capabilities): check the bounding set holds nothing more;
//   3. set permitted = effective = the profile's capabilities, inheritable
//      and ambient empty;
//   4. no_new_privs;
//   5. load the filter: default action KILL_PROCESS, allow the listed calls.
//
// There is no way to skip a step: a program that cannot confine itself
// exactly as its profile says refuses to start.
import CCap
import CSeccomp
import CShim
import Glibc
import Posix

/// Who a program runs as and what it may do.
public struct SandboxProfile: Sendable {
    /// The program's name; its policy is `<policyDirectory>/<program>.policy`.
    public var program: String
    /// The user to run as; nil keeps the caller's (genhash, kaconf, scripts' helpers).
    public var user: String?
    public var capabilities: CapabilitySet
    public var policyDirectory: String

    public init(program: String, user: String?, capabilities: CapabilitySet, policyDirectory: String) {
        self.program = program
        self.user = user
        self.capabilities = capabilities
        self.policyDirectory = policyDirectory
    }

    public var policyPath: String { "\(policyDirectory)/\(program).policy" }
}

/// What the sandbox ended up as, for the start-up log line.
public struct SandboxReport: Sendable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32
    public var capabilities: CapabilitySet
    public var allowedSyscalls: Int
    public var policyPath: String
    public var description: String {
        "sandbox: uid \(uid) gid \(gid), capabilities \(capabilities), \(allowedSyscalls) system calls allowed by \(policyPath)"
    }
}

public enum Sandbox {
    /// Confines the calling process as `profile` says. Call it once, early,
    /// from the main thread, before starting any thread.
    public static func enter(_ profile: SandboxProfile) throws(SandboxError) -> SandboxReport {
        let policy = try loadPolicy(profile.policyPath)
        let threads = threadCount()
        guard threads == 1 else { throw .notSingleThreaded(threads: threads) }

        if let name = profile.user {
            let target = try lookUpUser(name)
            if geteuid() == 0 && target.uid != 0 {
                try limitBoundingSet(to: profile.capabilities)
                try switchUser(target, keeping: profile.capabilities)
            } else if getuid() != target.uid || geteuid() != target.uid {
                throw .cannotSwitchUser(to: name, because: "running as uid \(geteuid()), not root")
            }
        } else if geteuid() == 0 {
            try limitBoundingSet(to: profile.capabilities)
        }
        try setCapabilities(exactly: profile.capabilities)
        let extra = boundingSet().subtracting(profile.capabilities)
        guard extra.isEmpty else {
            throw .capabilities("the bounding set still holds \(extra), which this process cannot drop: "
                                + "start it as root, or from the supervisor, or limit it in its unit")
        }
        _ = try step("prctl(PR_SET_NO_NEW_PRIVS)") { cshim_set_no_new_privs() }
        try loadFilter(policy)
        return SandboxReport(uid: getuid(), gid: getgid(), capabilities: profile.capabilities,
                             allowedSyscalls: policy.syscalls.count, policyPath: profile.policyPath)
    }

    /// Reads and resolves a policy file.
    public static func loadPolicy(_ path: String) throws(SandboxError) -> SyscallPolicy {
        let text: String
        do { text = try readSmallFile(path) } catch { throw .policyUnreadable(path: path, error) }
        return try SyscallPolicy.parse(text, path: path)
    }

    // MARK: Steps

    struct UserIDs {
        var name: String
        var uid: UInt32
        var gid: UInt32
    }

    static func lookUpUser(_ name: String) throws(SandboxError) -> UserIDs {
        guard let pw = getpwnam(name) else { throw .noSuchUser(name) }
        return UserIDs(name: name, uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid)
    }

    static func limitBoundingSet(to keep: CapabilitySet) throws(SandboxError) {
        for cap in 0..<64 {
            if cap_get_bound(cap_value_t(cap)) < 0 { break }  // past the kernel's last capability
            if let c = Capability(rawValue: cap), keep.contains(c) { continue }
            _ = try step("prctl(PR_CAPBSET_DROP, \(Capability(rawValue: cap)?.description ?? "\(cap)"))") {
                cshim_capbset_drop(Int32(cap))
            }
        }
    }

    static func switchUser(_ u: UserIDs, keeping caps: CapabilitySet) throws(SandboxError) {
        // The program's users have no supplementary groups that matter: only their own.
        var groups: [gid_t] = [u.gid]
        if !caps.isEmpty { _ = try step("prctl(PR_SET_KEEPCAPS)") { cshim_set_keepcaps(1) } }
        _ = try step("setgroups(\(u.gid))") { setgroups(1, &groups) }
        _ = try step("setresgid(\(u.gid))") { cshim_setresgid(u.gid, u.gid, u.gid) }
        _ = try step("setresuid(\(u.uid))") { cshim_setresuid(u.uid, u.uid, u.uid) }
        if !caps.isEmpty { _ = try step("prctl(PR_SET_KEEPCAPS, 0)") { cshim_set_keepcaps(0) } }
    }

    static func setCapabilities(exactly caps: CapabilitySet) throws(SandboxError) {
        guard let c = cap_init() else { throw .capabilities("cap_init failed") }
        defer { cap_free(UnsafeMutableRawPointer(c)) }
        var values = caps.members.map { cap_value_t($0.rawValue) }
        if !values.isEmpty {
            for flag in [CAP_PERMITTED, CAP_EFFECTIVE] {
                guard cap_set_flag(c, flag, Int32(values.count), &values, CAP_SET) == 0 else {
                    throw .capabilities("cap_set_flag failed for \(caps)")
                }
            }
        }
        _ = try step("cap_set_proc(\(caps))") { cap_set_proc(c) }
        _ = try step("prctl(PR_CAP_AMBIENT_CLEAR_ALL)") { cshim_cap_ambient_clear_all() }
        // Read back: the kernel is the judge of what we hold.
        let held = currentCapabilities()
        guard held.effective == caps, held.permitted == caps else {
            throw .capabilities("holding effective \(held.effective) / permitted \(held.permitted) instead of \(caps)")
        }
    }

    /// Inside the sandbox: gives up capabilities (permitted and effective),
    /// keeping `caps`. Only capset is needed, so a confined daemon can drop
    /// what a reload made unnecessary; nothing can be gained this way.
    public static func reduceCapabilities(to caps: CapabilitySet) throws(SandboxError) {
        let held = currentCapabilities()
        guard caps.isSubset(of: held.permitted) else {
            throw .capabilities("cannot keep \(caps.subtracting(held.permitted)): not held")
        }
        guard let c = cap_init() else { throw .capabilities("cap_init failed") }
        defer { cap_free(UnsafeMutableRawPointer(c)) }
        var values = caps.members.map { cap_value_t($0.rawValue) }
        if !values.isEmpty {
            for flag in [CAP_PERMITTED, CAP_EFFECTIVE] {
                guard cap_set_flag(c, flag, Int32(values.count), &values, CAP_SET) == 0 else {
                    throw .capabilities("cap_set_flag failed for \(caps)")
                }
            }
        }
        _ = try step("cap_set_proc(\(caps))") { cap_set_proc(c) }
        let now = currentCapabilities()
        guard now.effective == caps, now.permitted == caps else {
            throw .capabilities("holding effective \(now.effective) / permitted \(now.permitted) instead of \(caps)")
        }
    }

    static func loadFilter(_ policy: SyscallPolicy) throws(SandboxError) {
        guard let ctx = seccomp_init(SCMP_ACT_KILL_PROCESS) else { throw .seccomp("seccomp_init", code: -1) }
        defer { seccomp_release(ctx) }
        for (name, nr) in policy.syscalls {
            let r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 0, nil)
            guard r == 0 else { throw .seccomp("allowing \(name)", code: r) }
        }
        let r = seccomp_load(ctx)
        guard r == 0 else { throw .seccomp("seccomp_load", code: r) }
    }

    // MARK: Reading the process's own state

    /// The capability sets of the calling thread, as the kernel reports them.
    public static func currentCapabilities() -> (effective: CapabilitySet, permitted: CapabilitySet, inheritable: CapabilitySet) {
        let status = (try? readSmallFile("/proc/thread-self/status")) ?? ""
        func field(_ name: String) -> CapabilitySet {
            for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
                let hex = line.dropFirst(name.count + 1).trimmingWhitespace()
                return CapabilitySet(mask: UInt64(hex, radix: 16) ?? 0)
            }
            return .none
        }
        return (field("CapEff"), field("CapPrm"), field("CapInh"))
    }

    public static func boundingSet() -> CapabilitySet {
        var s = CapabilitySet()
        for cap in Capability.allCases where cap_get_bound(cap_value_t(cap.rawValue)) == 1 { s.insert(cap) }
        return s
    }

    static func threadCount() -> Int {
        let status = (try? readSmallFile("/proc/self/status")) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst(8).trimmingWhitespace()) ?? 0
        }
        return 0
    }

    static func step<T: FixedWidthInteger>(_ what: String, _ body: () -> T) throws(SandboxError) -> T {
        do { return try sys(what, body) } catch { throw .step(what, error) }
    }
}

/// Reads a small text file (policies, /proc files) whole.
func readSmallFile(_ path: String) throws(SysError) -> String {
    String(decoding: try readFile(path, limit: 4 << 20), as: UTF8.self)
}
