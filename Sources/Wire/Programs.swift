// Who speaks on a channel. Under the supervisor a peer is known by the
// inherited descriptor it speaks on (a socketpair reports its creator's
// credentials, so SO_PEERCRED proves nothing there); on a named socket by
// SO_PEERCRED against the uid expected for that program.

public enum ProgramName: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case supervisor = "keepalived"
    case vrrpd
    case checkd
    case ipvsApplier = "ipvs-applier"
    public var description: String { rawValue }
}

/// Exit statuses that mean something between a daemon and the supervisor.
public enum DaemonExitStatus {
    /// What the daemon needs from the kernel is not there (ipvs-applier on a
    /// kernel without IPVS). Starting it again cannot help until the operator
    /// acts, so the supervisor does not respawn it, keeps the other daemons
    /// running, and tries again on the next reload. sysexits.h's EX_UNAVAILABLE.
    public static let unavailable: Int32 = 69
}
